#!/usr/bin/env bash
# Checks a log of server frames (one JSON text per line, as the conformance suite writes with
# RTS_FRAME_LOG) against the JSON Schemas in docs/schema/.
#
#   scripts/validate-frames.sh FRAMES.jsonl
#
# Installs `jsonschema` (PyPI) into .build-conformance/schema-venv on first use.
set -euo pipefail
frames=${1:?usage: scripts/validate-frames.sh FRAMES.jsonl}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.build-conformance/schema-venv"
if ! "$venv/bin/python" -c 'import jsonschema' 2> /dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'jsonschema>=4.18'
fi
"$venv/bin/python" "$root/scripts/validate-frames.py" "$root/docs/schema" "$frames"
