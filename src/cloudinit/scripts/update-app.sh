#!/bin/bash
# update-app: applies an app update that `linode-build deploy` sends over SSH. The whole update
# arrives as bash's standard input (these functions, then one stage_file per file with its
# content in base64, then apply_update), so no value ever appears in a process list or on disk
# outside its own file. Files are staged first and swapped in only when all of them arrived;
# the app unit is restarted and must pass its health check, else the previous files are put
# back and the app restarted on them.
#
# apply_update exits 0 (updated, healthy), 3 (not healthy; rolled back, healthy again) or
# 4 (not healthy, and the previous version did not come back healthy either).
#
# LB_ROOT and LB_SYSTEMCTL exist for tests only: a private root instead of / and a stand-in
# for systemctl, so the update can run against a test sshd without touching the machine.
set -euo pipefail
LB_ROOT=${LB_ROOT:-}
SYSTEMCTL=${LB_SYSTEMCTL:-systemctl}
LIB="$LB_ROOT/usr/local/lib/linode-build"
export LINODE_BUILD_ETC="$LB_ROOT/etc/linode-build"
WORK="$LB_ROOT/var/lib/linode-build/update"
STAGED="$WORK/staged"
PREVIOUS="$WORK/previous"
APP_UNIT=linode-build-app.service

say() { printf '==> %s\n' "$*"; }

key_of() { printf '%s' "$1" | sha256sum | cut -c1-16; }

begin_update() {
  mkdir -p "$WORK"
  chmod 0700 "$WORK"
  rm -rf "$STAGED"
  mkdir -m 0700 "$STAGED"
  : >"$STAGED/files"
}

# stage_file PATH MODE OWNER, with the file's content in base64 on standard input.
stage_file() {
  local target=$1 mode=$2 owner=$3 staged
  staged="$STAGED/$(key_of "$target")"
  (
    umask 077
    base64 -d >"$staged"
  )
  chmod "$mode" "$staged"
  chown "$owner" "$staged"
  printf '%s\t%s\n' "$staged" "$target" >>"$STAGED/files"
}

# Saves the current version of every staged file (or notes that there was none), then moves
# each staged file into place with a rename, so a reader sees the old or the new file, never
# half of one.
swap_in() {
  rm -rf "$PREVIOUS"
  mkdir -m 0700 "$PREVIOUS"
  : >"$PREVIOUS/files"
  local staged target key
  while IFS=$'\t' read -r staged target; do
    key=$(key_of "$target")
    if [ -e "$LB_ROOT$target" ]; then
      cp -p "$LB_ROOT$target" "$PREVIOUS/$key"
      printf '%s\t%s\n' "$key" "$target" >>"$PREVIOUS/files"
    else
      printf '%s\t%s\n' "-" "$target" >>"$PREVIOUS/files"
    fi
  done <"$STAGED/files"
  while IFS=$'\t' read -r staged target; do
    mkdir -p "$(dirname "$LB_ROOT$target")"
    cp -p "$staged" "$LB_ROOT$target.lb-new"
    mv -f "$LB_ROOT$target.lb-new" "$LB_ROOT$target"
  done <"$STAGED/files"
  rm -rf "$STAGED"
}

restore_previous() {
  local key target
  while IFS=$'\t' read -r key target; do
    if [ "$key" = "-" ]; then
      rm -f "$LB_ROOT$target"
    else
      cp -p "$PREVIOUS/$key" "$LB_ROOT$target.lb-new"
      mv -f "$LB_ROOT$target.lb-new" "$LB_ROOT$target"
    fi
  done <"$PREVIOUS/files"
}

unit_journal() {
  if command -v journalctl >/dev/null 2>&1; then
    journalctl -u "$APP_UNIT" -n 20 --no-pager 2>&1 | sed 's/^/    /' || true
  fi
}

restart_and_check() {
  "$SYSTEMCTL" daemon-reload
  if [ -x "$LIB/pull-image" ]; then
    say "pulling the image"
    "$LIB/pull-image" || return 1
  fi
  say "restarting $APP_UNIT"
  if ! "$SYSTEMCTL" restart "$APP_UNIT"; then
    unit_journal
    return 1
  fi
  if [ -x "$LIB/health-wait" ]; then
    say "waiting for the health check"
    "$LIB/health-wait" || return 1
  fi
  if [ -x "$LIB/hooks/post-start" ]; then
    say "running the post-start script"
    "$LIB/run-script" "$LIB/hooks/post-start" || return 1
  fi
}

apply_update() {
  say "swapping in $(wc -l <"$STAGED/files") files"
  swap_in
  if restart_and_check; then
    rm -rf "$PREVIOUS"
    say "updated: the app is healthy"
    return 0
  fi
  say "the new version is not healthy: rolling back"
  restore_previous
  if restart_and_check; then
    say "rolled back: the previous version is healthy again"
    return 3
  fi
  say "rolled back, but the previous version is not healthy either"
  return 4
}
