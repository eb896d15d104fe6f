#!/usr/bin/env bash
# Installs the NVIDIA server driver branch for the RUNNING kernel, without a reboot.
# First choice: Ubuntu's prebuilt, signed module package built for exactly $(uname -r)
# plus the no-DKMS userspace. When the archive has no prebuilt module for this kernel, it
# falls back to DKMS (built against this kernel's headers). Either way the step ends by
# checking that an nvidia module exists for the running kernel.
# Env: DRIVER_BRANCH (e.g. 570); LINODE_BUILD_LIB (the runner's helpers, overridden in tests).
set -euo pipefail

: "${DRIVER_BRANCH:?DRIVER_BRANCH must be set}"
lib="${LINODE_BUILD_LIB:-/usr/local/lib/linode-build}"
apt_install="$lib/apt-install"
apt_update="$lib/apt-update"
kernel="$(uname -r)"
branch="${DRIVER_BRANCH}-server"
prebuilt="linux-modules-nvidia-${branch}-${kernel}"

"$apt_update"

if apt-cache show "$prebuilt" >/dev/null 2>&1; then
  echo "gpu-nvidia: installing the prebuilt module $prebuilt"
  "$apt_install" "$prebuilt" "nvidia-headless-no-dkms-${branch}" "nvidia-utils-${branch}"
else
  echo "gpu-nvidia: no prebuilt module for kernel $kernel; building it with DKMS"
  if ! apt-cache show "linux-headers-${kernel}" >/dev/null 2>&1; then
    echo "gpu-nvidia: kernel $kernel is not an Ubuntu archive kernel (no headers package)" >&2
    echo "boot the Linode with the distribution kernel (Kernel: GRUB 2) and deploy again" >&2
    exit 1
  fi
  "$apt_install" "linux-headers-${kernel}" "nvidia-headless-${branch}" "nvidia-utils-${branch}"
fi

if ! modinfo -k "$kernel" nvidia >/dev/null 2>&1; then
  echo "gpu-nvidia: no nvidia kernel module was installed for kernel $kernel" >&2
  echo "see /var/lib/dkms and the apt output above; driver branch ${branch}" >&2
  exit 1
fi
echo "gpu-nvidia: driver ${branch} installed for kernel $kernel"
