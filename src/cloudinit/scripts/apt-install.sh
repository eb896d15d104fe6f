#!/bin/bash
# apt-install [--together] PACKAGE...: installs apt packages for linode-build boot steps,
# non-interactively and without recommends. Waits for the apt/dpkg locks (unattended-upgrades
# often holds them at first boot) and retries transient failures with backoff, refreshing the
# lists before each retry (a package the refreshed lists still do not have fails at once). A
# package that cannot be installed fails the step: nothing is swallowed.
# --together (packages steps): the boot's first such step installs its packages and the runner's
# LINODE_BUILD_APT_TOGETHER in one apt transaction; later steps only check theirs are installed.
# If that transaction fails, each step installs its own, so the failing step is the one that
# asked for the bad package (docs/plan.md).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
together=0
if [ "${1:-}" = "--together" ]; then
  together=1
  shift
fi
if [ "$#" -eq 0 ]; then
  echo "usage: apt-install [--together] PACKAGE..." >&2
  exit 2
fi
LIB_DIR=$(dirname "$(readlink -f "$0")")
# shellcheck source=/dev/null # retry.sh, installed beside this script
. "$LIB_DIR/retry.sh"
RUN_DIR=${LINODE_BUILD_RUN:-/run/linode-build}
# What the shared transaction installed, one per line (empty: it failed).
SHARED="$RUN_DIR/apt-together"

OUTPUT=$(mktemp)
trap 'rm -f "$OUTPUT"' EXIT

# --no-upgrade: what the image has stays as it is (docs/plan.md, One apt transaction).
apt_get_install() {
  apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    install -y -q --no-install-recommends --no-upgrade "$@"
}

# dpkg has every package installed (`name=version` checked by name).
all_installed() {
  local package state
  for package in "$@"; do
    state=$(dpkg-query -W -f='${db:Status-Status}' "${package%%=*}" 2>/dev/null) || return 1
    [ "$state" = installed ] || return 1
  done
}

if ((together)); then
  mkdir -p "$RUN_DIR"
  if [ -e "$SHARED" ]; then
    shared=1
    for package in "$@"; do grep -qxF -- "$package" "$SHARED" || shared=0; done
    if ((shared)) && all_installed "$@"; then
      echo "apt-install: $* already installed by this boot's shared apt transaction"
      exit 0
    fi
  else
    declare -A seen=()
    all=()
    for package in "$@" ${LINODE_BUILD_APT_TOGETHER:-}; do
      [ -n "${seen[$package]:-}" ] || all+=("$package")
      seen[$package]=1
    done
    if ((${#all[@]} > $#)); then
      echo "apt-install: installing the boot's packages in one apt transaction: ${all[*]}"
      if "$LIB_DIR/apt-update" && apt_get_install "${all[@]}"; then
        printf '%s\n' "${all[@]}" >"$SHARED"
        exit 0
      fi
      : >"$SHARED"
      echo "apt-install: the shared transaction failed; installing this step's packages on their own: $*" >&2
    fi
  fi
fi

install_once() {
  local refresh=() status
  # shellcheck disable=SC2154 # RETRY_ATTEMPT is set by retry (retry.sh).
  if ((RETRY_ATTEMPT > 1)); then refresh=(--force); fi
  "$LIB_DIR/apt-update" "${refresh[@]}" || return
  apt_get_install "$@" 2>&1 | tee "$OUTPUT"
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
