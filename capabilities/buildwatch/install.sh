#!/bin/bash
# Installs and starts BuildWatch. The bundle and its checksum arrive with user-data; the
# watcher's own Node.js is downloaded here from a pinned URL and checked against its pinned
# sha256 before it is unpacked (the image's nodejs, if any, is never used). Both are checked
# again by the unit before every start.
set -euo pipefail

bundle="${BUILDWATCH_BUNDLE:?}"
unit="${BUILDWATCH_UNIT:?}"
node_url="${BUILDWATCH_NODE_URL:?}"
node_sha256="${BUILDWATCH_NODE_SHA256:?}"
node_dir="${BUILDWATCH_NODE_DIR:?}"
node_sha256_file="${BUILDWATCH_NODE_SHA256_FILE:?}"
node_min_major="${BUILDWATCH_NODE_MIN_MAJOR:?}"
node="${node_dir}/bin/node"

if ! sha256sum --check --quiet "${bundle}.sha256"; then
  echo "BuildWatch: ${bundle} does not match its sha256; refusing to run it" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
archive="${work}/node-archive"
echo "BuildWatch: downloading Node.js from ${node_url}"
if ! curl --fail --silent --show-error --location --proto '=https,http' --retry 3 --retry-delay 2 \
  --connect-timeout 20 --max-time 600 --output "${archive}" "${node_url}"; then
  echo "BuildWatch: cannot download Node.js from ${node_url} (set the buildwatch config's node.url and node.sha256 to a reachable copy)" >&2
  exit 1
fi
if ! printf '%s  %s\n' "${node_sha256}" "${archive}" | sha256sum --check --quiet --status; then
  echo "BuildWatch: ${node_url} has sha256 $(sha256sum "${archive}" | cut -d' ' -f1), not the pinned ${node_sha256}; refusing to run it" >&2
  exit 1
fi
# Only <top directory>/bin/node is kept: the watcher needs neither npm nor the headers.
mkdir "${work}/node"
if ! tar -xf "${archive}" -C "${work}/node" --strip-components=1 --no-same-owner --no-same-permissions \
  --wildcards '*/bin/node' || [ ! -x "${work}/node/bin/node" ]; then
  echo "BuildWatch: ${node_url} holds no <dir>/bin/node" >&2
  exit 1
fi
node_version="$("${work}/node/bin/node" --version)"
node_major="${node_version#v}"
node_major="${node_major%%.*}"
if [ "${node_major}" -lt "${node_min_major}" ]; then
  echo "BuildWatch: needs Node.js ${node_min_major} or newer, ${node_url} has ${node_version}" >&2
  exit 1
fi
chmod 0755 "${work}/node" "${work}/node/bin" "${work}/node/bin/node"
rm -rf "${node_dir}"
mkdir -p "$(dirname "${node_dir}")"
mv "${work}/node" "${node_dir}"
sha256sum "${node}" >"${node_sha256_file}"
echo "BuildWatch: Node.js ${node_version} in ${node_dir}"
"${node}" "${bundle}" --version

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
