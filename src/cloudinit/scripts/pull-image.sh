#!/bin/bash
# pull-image: pulls the app image named in /etc/linode-build/app.conf, retrying transient
# registry and network failures with backoff.
set -euo pipefail
CONF=${LINODE_BUILD_ETC:-/etc/linode-build}/app.conf
# shellcheck source=/dev/null
. "$CONF"
attempts=${PULL_ATTEMPTS:-5}
delay=10
for ((attempt = 1; ; attempt++)); do
  if docker pull "$IMAGE"; then
    exit 0
  fi
  if ((attempt >= attempts)); then
    echo "pull-image: could not pull $IMAGE after $attempt attempts" >&2
    exit 1
  fi
  echo "pull-image: attempt $attempt failed; retrying in ${delay}s" >&2
  sleep "$delay"
  delay=$((delay * 2))
done
