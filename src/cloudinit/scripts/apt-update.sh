#!/bin/bash
# apt-update: refreshes the apt package lists for linode-build boot steps. Skips the download
# when the lists are newer than every apt source (so many capabilities can call it cheaply),
# waits for the apt/dpkg locks, and retries transient mirror failures with backoff.
# `apt-update --force` always refreshes.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
LIB_DIR=$(dirname "$(readlink -f "$0")")
# shellcheck source=/dev/null # retry.sh, installed beside this script
. "$LIB_DIR/retry.sh"
STAMP_DIR=${LINODE_BUILD_RUN:-/run/linode-build}
STAMP="$STAMP_DIR/apt-updated"
mkdir -p "$STAMP_DIR"

if [ "${1:-}" != "--force" ] && [ -e "$STAMP" ] &&
  [ -z "$(find /etc/apt/sources.list /etc/apt/sources.list.d -newer "$STAMP" 2>/dev/null | head -n 1)" ]; then
  exit 0
fi
retry apt-update "${APT_ATTEMPTS:-5}" 5 apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 update -q
touch "$STAMP"
