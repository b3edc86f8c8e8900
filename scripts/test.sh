#!/usr/bin/env bash
# Runs the whole test suite: unit and conformance tests (swift test), then the Autobahn
# WebSocket conformance cases against a real server process.
set -euo pipefail
cd "$(dirname "$0")/.."

# The conformance tests start the real executable for shutdown and restart checks.
swift build --product realtime-server
swift build --build-tests
swift test --skip-build
./scripts/conformance.sh
