#!/bin/bash
# block-metadata: keeps containers away from the Linode metadata service, which serves the
# user-data (and so the app's secrets) to anyone on the instance who asks. Rules go into
# Docker's DOCKER-USER chain, which Docker evaluates before its own and never flushes.
# Idempotent; run by linode-build-metadata-block.service after every Docker start.
set -euo pipefail

reject() {
  local tool=$1 address=$2
  "$tool" -w -C DOCKER-USER -d "$address" -j REJECT 2>/dev/null ||
    "$tool" -w -I DOCKER-USER -d "$address" -j REJECT
}

for ((i = 1; i <= 30; i++)); do
  iptables -w -n -L DOCKER-USER >/dev/null 2>&1 && break
  sleep 1
done
reject iptables 169.254.169.254
# IPv6 metadata address; Docker creates the ip6tables chain only when IPv6 filtering is on.
if ip6tables -w -n -L DOCKER-USER >/dev/null 2>&1; then
  reject ip6tables fd00:a9fe:a9fe::1
fi
echo "containers blocked from the metadata service"
