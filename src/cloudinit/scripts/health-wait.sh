#!/bin/bash
# health-wait: waits until the app answers its health check (settings in
# /etc/linode-build/app.conf, from the template's health block): probes HEALTH_INTERVAL seconds
# apart, each limited to HEALTH_TIMEOUT; it gives up after HEALTH_MAX_RETRIES failed probes
# counted from the end of HEALTH_INITIAL_DELAY.
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

# Probe from the start: an app that is ready early is reported ready early. Failures count
# only after the initial delay (model downloads, migrations), then HEALTH_MAX_RETRIES of them.
echo "checking $HEALTH_TYPE health every ${HEALTH_INTERVAL}s; failures count after ${HEALTH_INITIAL_DELAY}s"
grace_ends=$((SECONDS + HEALTH_INITIAL_DELAY))
failures=0
while :; do
  if probe; then
    echo "healthy after ${SECONDS}s"
    exit 0
  fi
  if ((SECONDS >= grace_ends)); then
    failures=$((failures + 1))
    echo "check $failures/$HEALTH_MAX_RETRIES: not healthy yet"
    ((failures < HEALTH_MAX_RETRIES)) || break
  else
    echo "not healthy yet (within the initial ${HEALTH_INITIAL_DELAY}s)"
  fi
  sleep "$HEALTH_INTERVAL"
done
echo "health-wait: the app did not become healthy after $HEALTH_MAX_RETRIES checks past the initial ${HEALTH_INITIAL_DELAY}s" >&2
if [ "$RUNTIME" = "docker" ]; then
  docker ps -a --filter "name=^$CONTAINER_NAME\$" >&2 || true
  docker logs --tail 20 "$CONTAINER_NAME" >&2 || true
fi
exit 1
