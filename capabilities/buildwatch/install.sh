#!/bin/bash
# Installs and starts BuildWatch. The bundle and its checksum arrive with user-data (no
# download); the checksum is verified here and again by the unit before every start.
set -euo pipefail

bundle="${BUILDWATCH_BUNDLE:?}"
unit="${BUILDWATCH_UNIT:?}"

if ! sha256sum --check --quiet "${bundle}.sha256"; then
  echo "BuildWatch: ${bundle} does not match its sha256; refusing to run it" >&2
  exit 1
fi

if ! command -v node >/dev/null 2>&1; then
  echo "BuildWatch: node is not installed (the nodejs package should have been)" >&2
  exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "${node_major}" -lt 12 ]; then
  echo "BuildWatch: needs Node.js 12 or newer, found $(node --version)" >&2
  exit 1
fi
node "${bundle}" --version

systemctl daemon-reload
systemctl enable --now "${unit}"

# Bounded wait: report a watcher that does not come up, with its last log lines.
for _ in $(seq 1 30); do
  if systemctl is-active --quiet "${unit}"; then
    echo "BuildWatch is running"
    exit 0
  fi
  sleep 1
done
echo "BuildWatch did not start; last log lines:" >&2
journalctl -u "${unit}" -n 20 --no-pager >&2 || true
exit 1
