#!/usr/bin/env bash
# Checks a log of HTTP exchanges (one JSON line each, as the conformance suite writes with
# RTS_HTTP_LOG) against docs/openapi.yaml.
#
#   scripts/validate-openapi.sh EXCHANGES.jsonl
#
# Installs `jsonschema` and `PyYAML` (PyPI) into .build-conformance/schema-venv on first use.
set -euo pipefail
exchanges=${1:?usage: scripts/validate-openapi.sh EXCHANGES.jsonl}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.build-conformance/schema-venv"
if ! "$venv/bin/python" -c 'import jsonschema, yaml' 2> /dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'jsonschema>=4.18' 'PyYAML>=6'
fi
"$venv/bin/python" "$root/scripts/validate-openapi.py" "$root/docs/openapi.yaml" "$exchanges"
