#!/bin/bash
# run-script FILE: runs a template's own script (setup.script, post_start_script) with the
# interpreter its shebang names, or bash when it has none, with the app's environment
# (/etc/linode-build/app.env) exported. The env file is read as data, never sourced.
set -euo pipefail
file=$1
ENV_FILE=${LINODE_BUILD_ETC:-/etc/linode-build}/app.env
if [ -r "$ENV_FILE" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      [A-Za-z_]*=*) export "${line%%=*}=${line#*=}" ;;
    esac
  done <"$ENV_FILE"
fi
if [ "$(head -c 2 "$file")" = '#!' ]; then
  exec "$file"
fi
exec bash "$file"
