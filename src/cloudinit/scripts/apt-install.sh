#!/bin/bash
# apt-install PACKAGE...: installs apt packages for linode-build boot steps, non-interactively
# and without recommends. Waits for the apt/dpkg locks (unattended-upgrades often holds them
# at first boot) and retries transient failures with backoff, refreshing the lists before each
# retry (a package the refreshed lists still do not have fails at once). A package that cannot
# be installed fails the step: nothing is swallowed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ "$#" -eq 0 ]; then
  echo "usage: apt-install PACKAGE..." >&2
  exit 2
fi
LIB_DIR=$(dirname "$(readlink -f "$0")")
# shellcheck source=/dev/null # retry.sh, installed beside this script
. "$LIB_DIR/retry.sh"

OUTPUT=$(mktemp)
trap 'rm -f "$OUTPUT"' EXIT

install_once() {
  local refresh=() status
  # shellcheck disable=SC2154 # RETRY_ATTEMPT is set by retry (retry.sh).
  if ((RETRY_ATTEMPT > 1)); then refresh=(--force); fi
  "$LIB_DIR/apt-update" "${refresh[@]}" || return
  apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    install -y -q --no-install-recommends "$@" 2>&1 | tee "$OUTPUT"
  status=${PIPESTATUS[0]}
  # A package the archive does not have, also with freshly refreshed lists, will not appear
  # by waiting: stop instead of sleeping through the remaining attempts.
  if ((status != 0 && RETRY_ATTEMPT > 1)) &&
    grep -qE 'Unable to locate package|has no installation candidate' "$OUTPUT"; then
    echo "apt-install: not in the archive, also after refreshing the package lists; not retrying" >&2
    exit "$status"
  fi
  return "$status"
}

retry apt-install "${APT_ATTEMPTS:-4}" 10 install_once "$@"
