#!/usr/bin/env bash
# Checks that python$PYTHON_VERSION can create a virtual environment with a working pip (the
# -venv package bundles pip for ensurepip), and creates the app's venv when VENV_PATH is set.
# Env: PYTHON_VERSION (e.g. 3.11), VENV_PATH (empty = none).
set -euo pipefail

: "${PYTHON_VERSION:?PYTHON_VERSION must be set}"
python="python${PYTHON_VERSION}"

actual="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [[ "$actual" != "$PYTHON_VERSION" ]]; then
  echo "python: $python reports version $actual, expected $PYTHON_VERSION" >&2
  exit 1
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$python" -m venv "$scratch/venv"
"$scratch/venv/bin/python" -m pip --version

if [[ -n "${VENV_PATH:-}" ]]; then
  if [[ ! -x "$VENV_PATH/bin/python" ]]; then
    "$python" -m venv "$VENV_PATH"
  fi
  "$VENV_PATH/bin/python" -m pip --version
  echo "python: venv ready at $VENV_PATH"
fi
echo "python: $("$python" --version) with venv and pip"
