#!/bin/bash
# health-wait: waits until the app answers its health check (settings in
# /etc/linode-build/app.conf, from the template's health block): initial delay, then up to
# HEALTH_MAX_RETRIES probes HEALTH_INTERVAL seconds apart, each limited to HEALTH_TIMEOUT.
# Probes run on the instance: http and tcp through the published port on 127.0.0.1 (or the
# container's address for a port that is not published), exec inside the container.
set -euo pipefail
CONF=${LINODE_BUILD_ETC:-/etc/linode-build}/app.conf
# shellcheck source=/dev/null
. "$CONF"

target_host() {
  if [ "$HEALTH_HOST" = "container" ]; then
    docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$CONTAINER_NAME"
  else
    printf '%s\n' "$HEALTH_HOST"
  fi
}

# Prints the HTTP status of URL: curl when installed, else python3 (every cloud-init image has it).
http_status() {
  if command -v curl >/dev/null 2>&1; then
    curl -sS -o /dev/null -w '%{http_code}' --max-time "$HEALTH_TIMEOUT" "$1"
  else
    python3 -I -c '
import sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2])).status)
except urllib.error.HTTPError as error:
    print(error.code)
' "$1" "$HEALTH_TIMEOUT"
  fi
}

probe() {
  local host code
  case "$HEALTH_TYPE" in
    http)
      host=$(target_host) || return 1
      code=$(http_status "http://$host:$HEALTH_PORT$HEALTH_PATH") || return 1
      echo "HTTP $code"
      [[ " $HEALTH_SUCCESS_CODES " == *" $code "* ]]
      ;;
    tcp)
      host=$(target_host) || return 1
      # shellcheck disable=SC2016 # $1 and $2 expand in the inner bash, on purpose.
      timeout "$HEALTH_TIMEOUT" bash -c 'exec 3<>"/dev/tcp/$1/$2"' tcp-probe "$host" "$HEALTH_PORT"
      ;;
    exec)
      if [ "$RUNTIME" = "docker" ]; then
        timeout "$HEALTH_TIMEOUT" docker exec "$CONTAINER_NAME" "${HEALTH_EXEC[@]}"
      else
        timeout "$HEALTH_TIMEOUT" "${HEALTH_EXEC[@]}"
      fi
      ;;
    *)
      echo "health-wait: unknown health type $HEALTH_TYPE" >&2
      return 2
      ;;
  esac
}

echo "waiting ${HEALTH_INITIAL_DELAY}s before the first $HEALTH_TYPE health check"
sleep "$HEALTH_INITIAL_DELAY"
for ((attempt = 1; attempt <= HEALTH_MAX_RETRIES; attempt++)); do
  if probe; then
    echo "healthy after $attempt check(s)"
    exit 0
  fi
  echo "check $attempt/$HEALTH_MAX_RETRIES: not healthy yet"
  sleep "$HEALTH_INTERVAL"
done
echo "health-wait: the app did not become healthy after $HEALTH_MAX_RETRIES checks" >&2
if [ "$RUNTIME" = "docker" ]; then
  docker ps -a --filter "name=^$CONTAINER_NAME\$" >&2 || true
  docker logs --tail 20 "$CONTAINER_NAME" >&2 || true
fi
exit 1
