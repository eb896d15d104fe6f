#!/usr/bin/env bash
# Loads the NVIDIA module into the running kernel (no reboot) and checks nvidia-smi.
# nouveau is blacklisted by /etc/modprobe.d/blacklist-nouveau.conf (written once by
# cloud-init), but it may already be loaded on this first boot: it is unloaded here, and the
# initramfs is rebuilt once so later boots never load it.
# Env: MODPROBE_ATTEMPTS, SMI_ATTEMPTS (bounded retries), RETRY_DELAY_SECONDS (default 3).
set -euo pipefail

kernel="$(uname -r)"
modprobe_attempts="${MODPROBE_ATTEMPTS:-5}"
smi_attempts="${SMI_ATTEMPTS:-5}"
delay="${RETRY_DELAY_SECONDS:-3}"

if grep -q '^nouveau ' /proc/modules; then
  echo "gpu-nvidia: unloading nouveau"
  if ! modprobe -r nouveau; then
    echo "gpu-nvidia: nouveau is in use and cannot be unloaded on this boot" >&2
    echo "reboot the instance once; the blacklist keeps nouveau from loading again" >&2
    exit 1
  fi
fi

attempt=1
until modprobe nvidia; do
  if ((attempt >= modprobe_attempts)); then
    echo "gpu-nvidia: 'modprobe nvidia' failed ${attempt} times on kernel $kernel" >&2
    dmesg | grep -i -E 'nvidia|nvrm' | tail -n 20 >&2 || true
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep "$delay"
done
modprobe nvidia-uvm

attempt=1
until nvidia-smi; do
  if ((attempt >= smi_attempts)); then
    echo "gpu-nvidia: nvidia-smi failed ${attempt} times: the driver does not talk to the GPU" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep "$delay"
done

initrd="/boot/initrd.img-${kernel}"
if [[ -f "$initrd" ]] && lsinitramfs "$initrd" | grep -q '/nouveau'; then
  echo "gpu-nvidia: rebuilding the initramfs without nouveau"
  update-initramfs -u -k "$kernel"
fi
echo "gpu-nvidia: driver loaded"
