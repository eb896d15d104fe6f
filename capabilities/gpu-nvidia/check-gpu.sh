#!/usr/bin/env bash
# Fails early, with the reason, when the instance has no NVIDIA GPU (e.g. a standard plan was
# chosen): installing a driver there only fails later with a less helpful message.
# Env: INSTANCE_TYPE (for the message).
set -euo pipefail

devices="$(lspci -d 10de: 2>/dev/null)"
if [[ -z "$devices" ]]; then
  echo "gpu-nvidia: no NVIDIA device on this instance (type ${INSTANCE_TYPE:-unknown})" >&2
  echo "deploy on a GPU plan (g1-gpu-*/g2-gpu-*) or remove gpu-nvidia from capabilities.features" >&2
  exit 1
fi
echo "gpu-nvidia: found NVIDIA device(s):"
echo "$devices"
