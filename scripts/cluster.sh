#!/usr/bin/env bash
# A 3-node cluster on this machine: Redis and PostgreSQL on free loopback ports (scripts/services.sh),
# then three realtime-server nodes on ports 8081-8083 sharing them. Ctrl-C stops everything.
# Usage: ./scripts/cluster.sh [nodes]   (needs a build: swift build -c release, or ./scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-3}"
binary=.build/release/realtime-server
[ -x "$binary" ] || binary=.build/debug/realtime-server
[ -x "$binary" ] || { echo "cluster: build first (./scripts/setup.sh)" >&2; exit 1; }

eval "$(./scripts/services.sh start)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
    ./scripts/services.sh stop
}
trap cleanup EXIT INT TERM

for n in $(seq 1 "$count"); do
    port=$((8080 + n))
    RTS_PORT=$port RTS_NODE_ID="node-$n" RTS_REDIS_URL="$RTS_TEST_REDIS_URL" RTS_DATABASE_URL="$RTS_TEST_DATABASE_URL" \
        RTS_DATA_DIR="data/cluster-node-$n" "$binary" > "$RTS_TEST_SERVICES_DIR/node-$n.log" 2>&1 &
    pids+=($!)
    echo "cluster: node-$n on ws://127.0.0.1:$port/ws (log: $RTS_TEST_SERVICES_DIR/node-$n.log)"
done
echo "cluster: Redis $RTS_TEST_REDIS_URL, PostgreSQL $RTS_TEST_DATABASE_URL; Ctrl-C stops all"
wait -n "${pids[@]}" || true
echo "cluster: a node exited; stopping" >&2
