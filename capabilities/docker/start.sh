#!/usr/bin/env bash
# Enables and starts Docker (installed from Ubuntu's docker.io package just before this step),
# then waits, bounded, until the daemon answers. /etc/docker/daemon.json was written by
# cloud-init before the package was installed, so the first daemon start already uses it.
# Env: DOCKER_WAIT_SECONDS (default 120).
set -euo pipefail

wait_seconds="${DOCKER_WAIT_SECONDS:-120}"

if [[ -f /etc/docker/daemon.json ]] && dockerd --help 2>&1 | grep -q -- '--validate'; then
  dockerd --validate --config-file /etc/docker/daemon.json
fi

systemctl enable docker.service
systemctl start docker.service

deadline=$((SECONDS + wait_seconds))
until docker info >/dev/null 2>&1; do
  if ((SECONDS >= deadline)); then
    echo "docker: the daemon did not answer within ${wait_seconds}s" >&2
    systemctl --no-pager --lines=20 status docker.service >&2 || true
    exit 1
  fi
  sleep 2
done
echo "docker: $(docker version --format 'server {{.Server.Version}}') is running"
