#!/usr/bin/env bash
# Regenerates docs/web-app.png: the mentor's window at the end of the two-user web app test
# (Tests/Browser/test_web_app.py WebAppTest), in headless Chromium against a real server.
#
#   scripts/screenshot.sh [OUTPUT.png]   # default docs/web-app.png
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

# Emoji (reactions, streak badge) need a colour emoji font to show in the picture.
ensure_packages fonts-noto-color-emoji

output=${1:-docs/web-app.png}
case $output in /*) ;; *) output="$PWD/$output" ;; esac
SCREENSHOT="$output" scripts/browser-test.sh test_web_app.WebAppTest
ls -l "$output"
