#!/usr/bin/env bash
# Runs the whole test suite: unit and conformance tests (swift test) with PostgreSQL and Redis
# test services, the conformance suite a second time on PostgreSQL, the frames it saw against
# docs/schema and its HTTP exchanges against docs/openapi.yaml, the JavaScript client's tests,
# the browser tests (web app and JS client in headless Chromium), then the Autobahn WebSocket
# conformance cases against a real server process.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

# PostgreSQL and Redis for the tests that need them (started below, on free loopback ports);
# Node and its `ws` package for the JavaScript client's tests; headless Chromium for the browser tests.
ensure_packages postgresql redis-server nodejs node-ws chromium chromium-driver

# The conformance tests also start the real executable (shutdown and restart checks).
swift build --product realtime-server
swift build --build-tests

work=$(mktemp -d)
server=""
services_started=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    if [ -n "$services_started" ]; then scripts/services.sh stop || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

eval "$(scripts/services.sh start)"
services_started=1
# Tests that need a service fail (instead of skipping) when it is missing.
export RTS_REQUIRE_SERVICES=1
# Every frame the server sends in the conformance runs, checked against docs/schema/ below.
export RTS_FRAME_LOG="$work/frames.jsonl"
# Every /v1/ HTTP exchange of the conformance runs, checked against docs/openapi.yaml below.
export RTS_HTTP_LOG="$work/http.jsonl"

swift test --skip-build
# The single-node conformance suite again, every test server on its own PostgreSQL database
# and with encryption at rest on (a fresh random key).
RTS_CONFORMANCE_ENCRYPTION_KEYS="$(.build/debug/realtime-server keys generate)" \
RTS_CONFORMANCE_DATABASE_URL="$RTS_TEST_DATABASE_URL" swift test --skip-build --filter ConformanceTests \
    --skip ClusterProcessConformanceTests  # those already run their nodes on PostgreSQL
./scripts/validate-frames.sh "$RTS_FRAME_LOG"
./scripts/validate-openapi.sh "$RTS_HTTP_LOG"

# The JavaScript client against real server processes (each test file starts its own).
RTS_SERVER_BIN="$PWD/.build/debug/realtime-server" node --test clients/js/test/*.test.js
# The web app and the JavaScript client in headless Chromium (Selenium from PyPI).
RTS_SERVER_BIN="$PWD/.build/debug/realtime-server" ./scripts/browser-test.sh

# Autobahn|Testsuite cases against /echo of a real server on a free loopback port.
port=$(free_port)
RTS_PORT=$port RTS_CONFORMANCE_ECHO=1 RTS_DB_PATH="$work/autobahn.sqlite" RTS_LOG_LEVEL=warning \
    RTS_CONN_RATE_PER_IP=1000 RTS_CONN_BURST_PER_IP=1000 .build/debug/realtime-server > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break
    sleep 0.1
done
./scripts/conformance.sh "$port"
