# shellcheck shell=bash
# retry.sh: sourced by the linode-build helpers (apt-update, apt-install, pull-image).
# retry LABEL ATTEMPTS DELAY COMMAND...: runs COMMAND until it succeeds, at most ATTEMPTS times,
# sleeping DELAY seconds before the second attempt and doubling it each time after. Sets
# RETRY_ATTEMPT (1, 2, …) for COMMAND. Returns COMMAND's last status; never hides a failure.
retry() {
  local label=$1 attempts=$2 delay=$3 status
  shift 3
  for ((RETRY_ATTEMPT = 1; ; RETRY_ATTEMPT++)); do
    "$@" && return 0
    status=$?
    if ((RETRY_ATTEMPT >= attempts)); then
      echo "$label: failed $RETRY_ATTEMPT times (exit $status)" >&2
      return "$status"
    fi
    echo "$label: attempt $RETRY_ATTEMPT failed (exit $status); retrying in ${delay}s" >&2
    sleep "$delay"
    delay=$((delay * 2))
  done
}
