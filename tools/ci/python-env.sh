#!/usr/bin/env bash
# Creates (once) the Python virtual environment of the full test run and prints its interpreter's path.
# Tests that drive an independent Python client or compare with a reference framework run that interpreter
# (CONVSERVE_PYTHON, exported by tools/ci/test.sh; `python3` when unset). Idempotent: an environment that already
# has every package of requirements-test.txt is reused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${CONVSERVE_PY_VENV:-$HOME/.cache/convserve/py}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
stamp="$venv/.requirements"
if ! cmp -s "$here/requirements-test.txt" "$stamp"; then
  # a machine without internet access configures its local index as pip's extra index: make it the main one, so pip
  # does not retry an unreachable public index for every package first
  local_index=$("$venv/bin/pip" config get global.extra-index-url 2>/dev/null | awk '{print $1}' || true)
  if [ -z "${PIP_INDEX_URL:-}" ] && [ -n "$local_index" ]; then export PIP_INDEX_URL=$local_index; fi
  "$venv/bin/pip" install -q -r "$here/requirements-test.txt" >&2
  cp "$here/requirements-test.txt" "$stamp"
fi
echo "$venv/bin/python"
