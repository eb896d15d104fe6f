#!/bin/bash
# linode-build boot runner: runs the deployment's boot steps in order, once, from cloud-init's
# runcmd. Each step is a whole script (bash STEP.sh, with its env file loaded). Progress goes to
# the console, to /var/log/linode-build/boot.log and, as JSON, to
# /var/lib/linode-build/boot-status.json (format: docs/plan.md). A step whose capability failed,
# or depends on one that failed, is skipped and recorded as skipped, naming the step that
# actually failed (not the capability in between); the app steps depend on every capability,
# so the app never starts on a broken base. Exit status: 0 only if every step succeeded.
set -uo pipefail

LIB_DIR=${LINODE_BUILD_LIB:-/usr/local/lib/linode-build}
STATE_DIR=${LINODE_BUILD_STATE:-/var/lib/linode-build}
LOG_DIR=${LINODE_BUILD_LOG:-/var/log/linode-build}
MANIFEST="$LIB_DIR/steps/manifest.tsv"
# CAPABILITY<TAB>DEPENDS<TAB>PACKAGES of each capability with apt packages.
PACKAGES_LIST="$LIB_DIR/steps/packages.tsv"
STATUS_FILE="$STATE_DIR/boot-status.json"
BOOT_LOG="$LOG_DIR/boot.log"

# Steps run with the usual umask (files they create, e.g. apt keyrings, must stay readable);
# the runner's own logs and status may hold secrets printed by a step, so their directories
# are private.
umask 022
mkdir -p "$STATE_DIR" "$LOG_DIR/steps"
chmod 0700 "$STATE_DIR" "$LOG_DIR" "$LOG_DIR/steps"

log() {
  printf '%s\n' "$*" | tee -a "$BOOT_LOG"
}

# Status updates are informational: a failure to write them is logged, never fatal.
status() {
  python3 -I "$LIB_DIR/boot-status.py" "$STATUS_FILE" "$MANIFEST" "$@" || log "warning: could not update $STATUS_FILE"
}

if [ ! -r "$MANIFEST" ]; then
  log "error: step manifest $MANIFEST is missing"
  exit 1
fi

# capability → why its steps (and its dependents') are skipped: "step ID failed", naming the step
# whose failure stopped it (its own or one it depends on), or a reason it cannot run here.
declare -A failed=()
any_failed=0
# Local boot tests (linode-build templates boot-test) list capabilities that cannot run on
# that machine, one "CAPABILITY<TAB>reason" per line (gpu-nvidia without a GPU): their steps,
# and what depends on them, are skipped with that reason instead of failing or being faked.
# Never present on an instance.
SKIP_FILE=${LINODE_BUILD_ETC:-/etc/linode-build}/boot-test-skip
declare -A cannot_run=()
if [ -r "$SKIP_FILE" ]; then
  while IFS=$'\t' read -r skip_capability skip_reason; do
    [ -n "$skip_capability" ] && cannot_run[$skip_capability]="$skip_capability cannot run here: $skip_reason"
  done <"$SKIP_FILE"
fi
# The packages of every capability that can still run (neither it nor what it needs failed or
# cannot run here), for apt-install --together: one apt transaction per boot.
together_packages() {
  [ -r "$PACKAGES_LIST" ] || return 0
  local capability depends packages need blocked list=()
  while IFS=$'\t' read -r capability depends packages; do
    [ -n "$capability" ] || continue
    blocked=${failed[$capability]:-}${cannot_run[$capability]:-}
    if [ "$depends" != "-" ]; then
      IFS=',' read -r -a needs <<<"$depends"
      for need in "${needs[@]}"; do
        blocked+=${failed[$need]:-}${cannot_run[$need]:-}
      done
    fi
    [ -z "$blocked" ] && list+=("$packages")
  done <"$PACKAGES_LIST"
  printf '%s' "${list[*]}"
}

status init
log "==> linode-build boot: $(grep -c . "$MANIFEST") step(s)"

while IFS=$'\t' read -r id capability name depends description; do
  [ -n "$id" ] || continue
  blocker=""
  if [ -n "${cannot_run[$capability]:-}" ] && [ -z "${failed[$capability]:-}" ]; then
    failed[$capability]=${cannot_run[$capability]}
  fi
  if [ -n "${failed[$capability]:-}" ]; then
    blocker=$capability
  elif [ "$depends" != "-" ]; then
    IFS=',' read -r -a needs <<<"$depends"
    for need in "${needs[@]}"; do
      if [ -n "${failed[$need]:-}" ]; then
        blocker=$need
        break
      fi
    done
  fi
  if [ -n "$blocker" ]; then
    reason=${failed[$blocker]}
    failed[$capability]=$reason
    log "==> [$capability] $name: skipped ($reason)"
    status skip "$id" "$reason"
    continue
  fi

  log "==> [$capability] $name: $description"
  status start "$id"
  step_log="$LOG_DIR/steps/$id.log"
  started=$SECONDS
  LINODE_BUILD_APT_TOGETHER=$(together_packages)
  export LINODE_BUILD_APT_TOGETHER
  (
    cd /
    if [ -r "$LIB_DIR/steps/$id.env" ]; then
      # shellcheck source=/dev/null
      . "$LIB_DIR/steps/$id.env"
    fi
    exec bash "$LIB_DIR/steps/$id.sh"
  ) </dev/null 2>&1 | tee "$step_log" | tee -a "$BOOT_LOG"
  code=${PIPESTATUS[0]}
  status finish "$id" "$code" "$step_log"
  if [ "$code" -eq 0 ]; then
    log "==> [$capability] $name: ok ($((SECONDS - started))s)"
  else
    failed[$capability]="step $id failed"
    any_failed=1
    log "==> [$capability] $name: FAILED with exit code $code ($((SECONDS - started))s); last lines:"
    tail -n 20 "$step_log" | sed 's/^/    /' | tee -a "$BOOT_LOG"
  fi
done <"$MANIFEST"

if [ "$any_failed" -ne 0 ]; then
  status end failed
  log "==> linode-build boot: FAILED (see $STATUS_FILE and $LOG_DIR/steps/)"
  exit 1
fi
status end "done"
log "==> linode-build boot: done"
