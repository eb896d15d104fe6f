#!/bin/bash
# block-metadata: keeps containers from the metadata service (it serves the user-data, so
# the app's secrets). A DROP in raw PREROUTING, which every container packet passes and dockerd
# never flushes; host packets (cloud-init's) take OUTPUT. Run before docker.service on every
# boot, so it holds before dockerd restarts any container. Idempotent. See docs/security.md.
set -euo pipefail

drop() {
  local tool=$1 address=$2
  "$tool" -w -t raw -C PREROUTING -d "$address" -j DROP 2>/dev/null ||
    "$tool" -w -t raw -I PREROUTING -d "$address" -j DROP
}

drop iptables 169.254.169.254
# The IPv6 metadata address, when the kernel has IPv6 netfilter.
if ip6tables -w -t raw -n -L PREROUTING >/dev/null 2>&1; then
  drop ip6tables fd00:a9fe:a9fe::1
fi
echo "containers blocked from the metadata service"
