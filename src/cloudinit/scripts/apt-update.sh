#!/bin/bash
# apt-update: refreshes the apt package lists for linode-build boot steps. Skips the download
# when the lists are newer than every apt source (so many capabilities can call it cheaply),
# waits for the apt/dpkg locks, and retries transient mirror failures with backoff.
# `apt-update --force` always refreshes.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
STAMP_DIR=${LINODE_BUILD_RUN:-/run/linode-build}
STAMP="$STAMP_DIR/apt-updated"
mkdir -p "$STAMP_DIR"

if [ "${1:-}" != "--force" ] && [ -e "$STAMP" ] &&
  [ -z "$(find /etc/apt/sources.list /etc/apt/sources.list.d -newer "$STAMP" 2>/dev/null | head -n 1)" ]; then
  exit 0
fi

attempts=${APT_ATTEMPTS:-5}
delay=5
for ((attempt = 1; ; attempt++)); do
  if apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 update -q; then
    touch "$STAMP"
    exit 0
  fi
  if ((attempt >= attempts)); then
    echo "apt-update: apt-get update failed $attempt times" >&2
    exit 1
  fi
  echo "apt-update: attempt $attempt failed; retrying in ${delay}s" >&2
  sleep "$delay"
  delay=$((delay * 2))
done
