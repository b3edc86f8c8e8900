#!/usr/bin/env bash
# Cluster benchmark (docs/benchmarks.md, Cluster): the same fan-out against one node and against
# two nodes sharing Redis and PostgreSQL, plus the raw rates of one Redis and one PostgreSQL.
# Servers, Redis and PostgreSQL share core 0; the generator has core 1.
#
#   loadtest/cluster-bench.sh            # needs release binaries (BUILD=1 builds them)
#
# Environment: SCRATCH (.build-lt), SERVER / LT (binaries), OUT (report root), SERVER_CORE (0), GEN_CORE (1).
set -euo pipefail
cd "$(dirname "$0")/.."

SCRATCH=${SCRATCH:-.build-lt}
SERVER=${SERVER:-$SCRATCH/release/realtime-server}
LT=${LT:-$SCRATCH/release/rts-loadtest}
OUT=${OUT:-loadtest/reports/cluster-$(date -u +%Y%m%d-%H%M%S)}
SERVER_CORE=${SERVER_CORE:-0}
GEN_CORE=${GEN_CORE:-1}
if [[ -n "${BUILD:-}" ]]; then
    swift build --scratch-path "$SCRATCH" --product realtime-server -c release
    swift build --scratch-path "$SCRATCH" --product rts-loadtest -c release
fi
ulimit -n 20000
mkdir -p "$OUT"

eval "$(scripts/services.sh start)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; done
    scripts/services.sh stop
}
trap cleanup EXIT
# Redis and PostgreSQL run on the servers' core: the generator keeps core 1 to itself.
for pid in $(pgrep -f "redis-server 127.0.0.1:$RTS_TEST_REDIS_PORT") $(pgrep -f "postgres -D $RTS_TEST_PGDATA"); do
    taskset -a -p -c "$SERVER_CORE" "$pid" > /dev/null
done

database=0
# start_nodes N [REDIS]: N nodes on a fresh database, ports 9401…; prints nothing, fills $pids and $urls.
start_nodes() {
    local count=$1 redis=${2:-} n port
    database=$((database + 1))
    local db="rts_bench_$database"
    psql "$RTS_TEST_DATABASE_URL" -qc "CREATE DATABASE $db" > /dev/null
    local url="${RTS_TEST_DATABASE_URL/\/postgres\?/\/$db?}"
    urls=()
    for n in $(seq 1 "$count"); do
        port=$((9400 + n))
        env RTS_PORT=$port RTS_HOST=127.0.0.1 RTS_NODE_ID="bench-$n" RTS_DATABASE_URL="$url" ${redis:+RTS_REDIS_URL=$redis} \
            RTS_DATA_DIR="$(mktemp -d /tmp/rts-cbench.XXXXXX)" RTS_LOG_LEVEL=warning \
            RTS_CONN_RATE_PER_IP=100000 RTS_CONN_BURST_PER_IP=100000 RTS_MAX_CONNECTIONS_PER_IP=1000000 \
            RTS_SEND_RATE=100000 RTS_SEND_BURST=100000 RTS_FRAME_RATE=100000 RTS_FRAME_BURST=100000 \
            RTS_ROOM_RATE=100000 RTS_ROOM_BURST=100000 RTS_SIGNAL_RATE=100000 RTS_SIGNAL_BURST=100000 \
            RTS_SUBSCRIBE_RATE=100000 RTS_SUBSCRIBE_BURST=100000 \
            taskset -c "$SERVER_CORE" "$SERVER" > "$OUT/node-$database-$n.log" 2>&1 &
        pids+=($!)
        urls+=(--url "ws://127.0.0.1:$port/ws")
        for _ in $(seq 100); do (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break; sleep 0.1; done
    done
}
stop_nodes() {
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; done
    pids=()
}
# Highest zero-loss fan-out (1 room × 500, 10 publishers, p99 relaxed to 250 ms).
ramp() { # name
    taskset -c "$GEN_CORE" "$LT" ramp "${urls[@]}" --members 500 --publishers 10 --ramp-start 100 --ramp-factor 1.2 \
        --step-seconds 5 --p99-target-ms 250 --set half_rate_check=false --out "$OUT/$1" || true
}

echo "== one node (PostgreSQL store, no Redis)"
start_nodes 1
ramp one-node
stop_nodes
echo "== two nodes (PostgreSQL + Redis), clients split between them"
start_nodes 2 "$RTS_TEST_REDIS_URL"
ramp two-nodes
stop_nodes

# best RUN: the highest passing step of a ramp (offered msgs/s, deliveries/s, p50, p99, generator CPU).
best() {
    python3 - "$OUT/$1/result.json" << 'PY'
import json, sys
steps = [s for s in json.load(open(sys.argv[1]))["steps"] if s["passed"]]
s = max(steps, key=lambda s: s["offeredRate"]) if steps else None
print(f"{s['offeredRate']:.0f} {s['deliveriesPerSecond']:.0f} {s['latency']['p50']:.2f} {s['latency']['p99']:.2f} {s['generatorCPUPercent']:.0f}" if s else "0 0 0 0 0")
PY
}
read -r one_rate one_deliveries _ _ _ <<< "$(best one-node)"
read -r two_rate two_deliveries _ _ _ <<< "$(best two-nodes)"
echo "one node: $one_rate msgs/s ($one_deliveries deliveries/s); two nodes: $two_rate msgs/s ($two_deliveries deliveries/s)" | tee "$OUT/summary.txt"
# Half of the two-node maximum, for p99 send→deliver across nodes.
half=$(( two_rate > 1 ? two_rate / 2 : 1 ))
echo "== two nodes at half the maximum ($half msgs/s)"
start_nodes 2 "$RTS_TEST_REDIS_URL"
taskset -c "$GEN_CORE" "$LT" fanout "${urls[@]}" --members 500 --publishers 10 --rate "$half" --duration 10 --warmup 2 \
    --out "$OUT/two-nodes-half" || true
stop_nodes

echo "== one Redis: PUBLISH of 200-byte payloads (16 pipelined, 4 clients)"
redis-benchmark -p "$RTS_TEST_REDIS_PORT" -n 200000 -c 4 -P 16 -q PUBLISH rts:bench "$(head -c 200 /dev/zero | tr '\0' x)" \
    | tee "$OUT/redis-publish.txt"
echo "reports: $OUT"
