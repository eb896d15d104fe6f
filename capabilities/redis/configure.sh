#!/usr/bin/env bash
# Configures the distribution's redis-server package (Ubuntu, Debian): listens on loopback (and on the Docker bridge
# gateway when the app runs in a container), never on a public address; optional memory cap
# and password. Settings go into one file included last by redis.conf, so they win.
# Env: REDIS_BIND (space-separated addresses), REDIS_PROTECTED_MODE (yes|no),
#      REDIS_MAXMEMORY (empty = no cap), REDIS_MAXMEMORY_POLICY, REDIS_REQUIRE_PASSWORD (true|false),
#      REDIS_AFTER_DOCKER (true|false: start after docker.service, which creates the bridge).
set -euo pipefail

: "${REDIS_BIND:?REDIS_BIND must be set}"
: "${REDIS_PROTECTED_MODE:?REDIS_PROTECTED_MODE must be set}"
conf=/etc/redis/redis.conf
include_file=/etc/redis/linode-build.conf
secret_env=/etc/linode-build/redis.env

password=""
if [[ "${REDIS_REQUIRE_PASSWORD:-false}" == true ]]; then
  install -d -m 0700 -o root -g root /etc/linode-build
  if [[ -f "$secret_env" ]]; then
    password="$(sed -n 's/^REDIS_PASSWORD=//p' "$secret_env")"
  fi
  if [[ -z "$password" ]]; then
    password="$(openssl rand -hex 32)"
  fi
  umask 077
  printf 'REDIS_PASSWORD=%s\nREDIS_URL=redis://:%s@host.docker.internal:6379/0\n' "$password" "$password" >"$secret_env.tmp"
  mv "$secret_env.tmp" "$secret_env"
  umask 022
fi

staged="$(mktemp /etc/redis/.linode-build.XXXXXX)"
{
  echo "# Written by linode-build (redis capability). Included last by $conf."
  echo "bind $REDIS_BIND"
  echo "port 6379"
  echo "protected-mode $REDIS_PROTECTED_MODE"
  if [[ -n "${REDIS_MAXMEMORY:-}" ]]; then
    echo "maxmemory $REDIS_MAXMEMORY"
    echo "maxmemory-policy ${REDIS_MAXMEMORY_POLICY:-noeviction}"
  fi
  if [[ -n "$password" ]]; then
    echo "requirepass $password"
  fi
} >"$staged"
install -m 0640 -o root -g redis "$staged" "$include_file"
rm -f "$staged"

if ! grep -qxF "include $include_file" "$conf"; then
  printf '\ninclude %s\n' "$include_file" >>"$conf"
fi

if [[ "${REDIS_AFTER_DOCKER:-false}" == true ]]; then
  install -d -m 0755 /etc/systemd/system/redis-server.service.d
  printf '[Unit]\nAfter=docker.service\nWants=docker.service\n' >/etc/systemd/system/redis-server.service.d/linode-build.conf
  systemctl daemon-reload
fi

systemctl enable redis-server.service
systemctl restart redis-server.service

export REDISCLI_AUTH="$password"
deadline=$((SECONDS + 30))
until [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == PONG ]]; do
  if ((SECONDS >= deadline)); then
    echo "redis: redis-server did not answer PING within 30s" >&2
    journalctl -u redis-server.service -n 20 --no-pager >&2 || true
    exit 1
  fi
  sleep 1
done
echo "redis: ready on ${REDIS_BIND// /, } port 6379"
