#!/bin/bash
# apt-install PACKAGE...: installs apt packages for linode-build boot steps, non-interactively
# and without recommends. Waits for the apt/dpkg locks (unattended-upgrades often holds them
# at first boot) and retries transient failures with backoff, refreshing the lists between
# attempts. A package that cannot be installed fails the step: nothing is swallowed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ "$#" -eq 0 ]; then
  echo "usage: apt-install PACKAGE..." >&2
  exit 2
fi
LIB_DIR=$(dirname "$(readlink -f "$0")")

attempts=${APT_ATTEMPTS:-4}
delay=10
for ((attempt = 1; ; attempt++)); do
  force=()
  if ((attempt > 1)); then force=(--force); fi
  if "$LIB_DIR/apt-update" "${force[@]}" &&
    apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      install -y -q --no-install-recommends "$@"; then
    exit 0
  fi
  if ((attempt >= attempts)); then
    echo "apt-install: could not install $* after $attempt attempts" >&2
    exit 1
  fi
  echo "apt-install: attempt $attempt failed; retrying in ${delay}s" >&2
  sleep "$delay"
  delay=$((delay * 2))
done
