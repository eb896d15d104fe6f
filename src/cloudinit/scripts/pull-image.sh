#!/bin/bash
# pull-image: pulls the app image named in /etc/linode-build/app.conf, retrying transient
# registry and network failures with backoff.
set -euo pipefail
LIB_DIR=$(dirname "$(readlink -f "$0")")
# shellcheck source=/dev/null # retry.sh, installed beside this script
. "$LIB_DIR/retry.sh"
CONF=${LINODE_BUILD_ETC:-/etc/linode-build}/app.conf
# shellcheck source=/dev/null
. "$CONF"
retry pull-image "${PULL_ATTEMPTS:-5}" 10 docker pull "$IMAGE"
