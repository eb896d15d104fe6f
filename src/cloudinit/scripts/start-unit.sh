#!/bin/bash
# start-unit UNIT: enables and starts a systemd unit for a boot step. When the unit does not
# start, prints its last journal lines: systemctl itself only says "see systemctl status",
# and the cause (a docker error, a bad ExecStart) is in the unit's journal.
set -euo pipefail
unit=${1:?usage: start-unit UNIT}
systemctl daemon-reload
if ! systemctl enable --now "$unit"; then
  echo "$unit did not start; its last journal lines:" >&2
  journalctl -u "$unit" -n 30 --no-pager -o cat >&2 || true
  exit 1
fi
