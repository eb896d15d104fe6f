#!/bin/bash
# apt-install PACKAGE...: installs apt packages for linode-build boot steps, non-interactively
# and without recommends. Waits for the apt/dpkg locks (unattended-upgrades often holds them
# at first boot) and retries transient failures with backoff, refreshing the lists before each
# retry. A package that cannot be installed fails the step: nothing is swallowed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ "$#" -eq 0 ]; then
  echo "usage: apt-install PACKAGE..." >&2
  exit 2
fi
LIB_DIR=$(dirname "$(readlink -f "$0")")
# shellcheck source=/dev/null # retry.sh, installed beside this script
. "$LIB_DIR/retry.sh"

install_once() {
  local refresh=()
  # shellcheck disable=SC2154 # RETRY_ATTEMPT is set by retry (retry.sh).
  if ((RETRY_ATTEMPT > 1)); then refresh=(--force); fi
  "$LIB_DIR/apt-update" "${refresh[@]}" &&
    apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      install -y -q --no-install-recommends "$@"
}

retry apt-install "${APT_ATTEMPTS:-4}" 10 install_once "$@"
