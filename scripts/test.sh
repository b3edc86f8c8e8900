#!/usr/bin/env bash
# Runs the whole test suite: unit and conformance tests (swift test), then the Autobahn
# WebSocket conformance cases against a real server process.
set -euo pipefail
cd "$(dirname "$0")/.."

# The conformance tests also start the real executable (shutdown and restart checks).
swift build --product realtime-server
swift build --build-tests
swift test --skip-build

# Autobahn|Testsuite cases against /echo of a real server on a free loopback port.
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RTS_PORT=$port RTS_CONFORMANCE_ECHO=1 RTS_DB_PATH="$work/autobahn.sqlite" RTS_LOG_LEVEL=warning \
    RTS_CONN_RATE_PER_IP=1000 RTS_CONN_BURST_PER_IP=1000 .build/debug/realtime-server > "$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break
    sleep 0.1
done
./scripts/conformance.sh "$port"
