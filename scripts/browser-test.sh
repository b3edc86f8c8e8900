#!/usr/bin/env bash
# Browser tests: the web app (/app) and the JavaScript client in headless Chromium, against a real
# server process that the tests start on a free loopback port (Tests/Browser/test_web_app.py).
#
#   scripts/browser-test.sh [TEST...]   # default: every test in Tests/Browser; e.g. test_web_app.WebAppTest
#
# Installs Debian's chromium and chromium-driver when missing, and Selenium (PyPI) into
# .build-conformance/browser-venv on first use. RTS_SERVER_BIN defaults to .build/debug/realtime-server
# (built when missing). Exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_packages chromium chromium-driver python3-venv

venv=.build-conformance/browser-venv
if ! "$venv/bin/python" -c 'import selenium' > /dev/null 2>&1; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check selenium
fi

if [ -z "${RTS_SERVER_BIN:-}" ]; then
    RTS_SERVER_BIN="$PWD/.build/debug/realtime-server"
    [ -x "$RTS_SERVER_BIN" ] || swift build --product realtime-server
fi
export RTS_SERVER_BIN

if (($#)); then
    PYTHONPATH=Tests/Browser "$venv/bin/python" -m unittest -v "$@"
else
    "$venv/bin/python" -m unittest discover -v -s Tests/Browser -p 'test_*.py'
fi
