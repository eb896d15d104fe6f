#!/usr/bin/env bash
# Checks that the installed Node.js is the requested major version (the NodeSource package,
# pinned over Ubuntu's own nodejs) and that npm works.
# Env: NODE_MAJOR (e.g. 22).
set -euo pipefail

: "${NODE_MAJOR:?NODE_MAJOR must be set}"
version="$(node --version)"
if [[ "$version" != "v${NODE_MAJOR}."* ]]; then
  echo "nodejs: node is $version, expected v${NODE_MAJOR}.x (check /etc/apt/preferences.d/nodesource)" >&2
  exit 1
fi
echo "nodejs: node $version, npm $(npm --version)"
