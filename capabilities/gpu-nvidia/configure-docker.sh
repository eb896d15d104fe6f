#!/usr/bin/env bash
# Registers the NVIDIA runtime with Docker (nvidia-ctk merges it into /etc/docker/daemon.json,
# keeping every other key), restarts the daemon and checks that it lists the runtime.
# Env: DOCKER_WAIT_SECONDS (default 120).
set -euo pipefail

wait_seconds="${DOCKER_WAIT_SECONDS:-120}"

nvidia-ctk runtime configure --runtime=docker
systemctl restart docker.service

deadline=$((SECONDS + wait_seconds))
until docker info >/dev/null 2>&1; do
  if ((SECONDS >= deadline)); then
    echo "gpu-nvidia: Docker did not come back within ${wait_seconds}s after adding the NVIDIA runtime" >&2
    exit 1
  fi
  sleep 2
done

runtimes="$(docker info --format '{{json .Runtimes}}')"
if [[ "$runtimes" != *'"nvidia"'* ]]; then
  echo "gpu-nvidia: Docker does not list the nvidia runtime (runtimes: $runtimes)" >&2
  echo "check /etc/docker/daemon.json and 'nvidia-ctk runtime configure --runtime=docker'" >&2
  exit 1
fi
echo "gpu-nvidia: Docker has the nvidia runtime"
