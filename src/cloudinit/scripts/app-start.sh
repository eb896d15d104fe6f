#!/bin/bash
# app-start [stop]: (re)creates the app container from /etc/linode-build/app.conf, for
# linode-build-app.service. Docker's restart policy (in RUN_ARGS) restarts the container when
# it exits; this unit recreates it on boot and on `systemctl restart`. The argv in app.conf was
# quoted by the planner, so values reach docker exactly as written in the template.
set -euo pipefail
CONF=${LINODE_BUILD_ETC:-/etc/linode-build}/app.conf
# shellcheck source=/dev/null
. "$CONF"

if [ "${1:-}" = "stop" ]; then
  docker stop --time 30 "$CONTAINER_NAME" >/dev/null 2>&1 || true
  exit 0
fi

for ((i = 1; i <= 60; i++)); do
  docker info >/dev/null 2>&1 && break
  echo "waiting for the Docker daemon ($i/60)"
  sleep 2
done
docker info >/dev/null

# The image was pulled by the boot step; on later boots a present image is reused.
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  "$(dirname "$(readlink -f "$0")")/pull-image"
fi
docker rm -f "$CONTAINER_NAME" >/dev/null 2>&1 || true
docker run -d --name "$CONTAINER_NAME" "${RUN_ARGS[@]}" "$IMAGE" "${COMMAND[@]}"
