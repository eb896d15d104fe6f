#!/usr/bin/env bash
# Checks that the Docker daemon runs with docker-optimize's settings (they live in the
# daemon.json the docker capability writes). Env: EXPECT_LIVE_RESTORE=true|false.
set -euo pipefail

: "${EXPECT_LIVE_RESTORE:?EXPECT_LIVE_RESTORE must be set}"

actual="$(docker info --format '{{.LiveRestoreEnabled}}')"
if [[ "$actual" != "$EXPECT_LIVE_RESTORE" ]]; then
  echo "docker-optimize: live-restore is '$actual', expected '$EXPECT_LIVE_RESTORE'" >&2
  echo "check /etc/docker/daemon.json and 'journalctl -u docker'" >&2
  exit 1
fi
echo "docker-optimize: daemon settings active (live-restore=$actual)"
