#!/usr/bin/env bash
# Runs the benchmark targets of docs/benchmarks.md: a fresh realtime-server per scenario
# pinned to core 0 (empty database, load-test rate limits), the generator pinned to core 1.
#
#   loadtest/bench.sh                 # all scenarios
#   ONLY="idle storm" loadtest/bench.sh
#   BUILD=1 loadtest/bench.sh         # build both release binaries first
#   ONLY=soak SOAK_MINUTES=5 loadtest/bench.sh   # the soak: on demand only, never in the default list
#
# Environment: SCRATCH (.build-lt), SERVER / LT (binaries), OUT (report root), PORT (9300),
# SERVER_CORE (0), GEN_CORE (1), SOAK_MINUTES (30), RTS_SQLITE_SYNCHRONOUS (the server's, default full).
set -euo pipefail
cd "$(dirname "$0")/.."

SCRATCH=${SCRATCH:-.build-lt}
SERVER=${SERVER:-$SCRATCH/release/realtime-server}
LT=${LT:-$SCRATCH/release/rts-loadtest}
OUT=${OUT:-loadtest/reports/bench-$(date -u +%Y%m%d-%H%M%S)}
PORT=${PORT:-9300}
SERVER_CORE=${SERVER_CORE:-0}
GEN_CORE=${GEN_CORE:-1}
ONLY=${ONLY:-"idle fanout500 throughput500 fanout1000 throughput1000 storm mentoring mentoring-ramp"}

if [[ -n "${BUILD:-}" ]]; then
    swift build --scratch-path "$SCRATCH" --product realtime-server -c release
    swift build --scratch-path "$SCRATCH" --product rts-loadtest -c release
fi
# Both sides hold one descriptor per connection.
ulimit -n 20000
mkdir -p "$OUT"

SERVER_PID=""
start_server() {
    local dir
    dir=$(mktemp -d /tmp/rts-bench.XXXXXX)
    RTS_PORT=$PORT RTS_HOST=127.0.0.1 RTS_DB_PATH=$dir/db.sqlite RTS_DATA_DIR=$dir RTS_LOG_LEVEL=warning \
    RTS_CONN_RATE_PER_IP=100000 RTS_CONN_BURST_PER_IP=100000 RTS_MAX_CONNECTIONS_PER_IP=1000000 RTS_SEND_RATE=100000 RTS_SEND_BURST=100000 \
    RTS_FRAME_RATE=100000 RTS_FRAME_BURST=100000 RTS_ROOM_RATE=100000 RTS_ROOM_BURST=100000 \
    RTS_SIGNAL_RATE=100000 RTS_SIGNAL_BURST=100000 RTS_HISTORY_RATE=100000 RTS_HISTORY_BURST=100000 \
    RTS_REACT_RATE=100000 RTS_REACT_BURST=100000 RTS_EDIT_RATE=100000 RTS_EDIT_BURST=100000 \
    RTS_SUBSCRIBE_RATE=100000 RTS_SUBSCRIBE_BURST=100000 \
        taskset -c "$SERVER_CORE" "$SERVER" >"$dir/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return; fi
        sleep 0.1
    done
    echo "server did not start; see $dir/server.log" >&2
    exit 1
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}

# Let the previous scenario's thousands of sockets in TIME_WAIT (60 s) clear first, so each
# scenario starts from the same state.
settle_sockets() {
    command -v ss > /dev/null || return 0
    for _ in $(seq 70); do
        (( $(ss -tan state time-wait | wc -l) < 1000 )) && return 0
        sleep 1
    done
}

# run NAME SCENARIO [options…]: one scenario against a fresh server.
run() {
    local name=$1
    shift
    [[ " $ONLY " == *" $name "* ]] || return 0
    echo "== $name: $*"
    settle_sockets
    start_server
    taskset -c "$GEN_CORE" "$LT" "$@" --url "ws://127.0.0.1:$PORT/ws" --server-pid "$SERVER_PID" --out "$OUT/$name" || true
    stop_server
}

# Idle memory per authenticated connection at 5 000 and 10 000.
run idle idle --connections 5000,10000 --settle 5
# 1 room × 500: the capacity search (p99 < 10 ms, no loss), then p99 at half the max rate.
run fanout500 ramp --members 500 --publishers 10 --ramp-start 25 --ramp-factor 1.3 --step-seconds 5 --max-steps 20
# 1 room × 500: highest zero-loss throughput, latency relaxed to 250 ms.
run throughput500 ramp --members 500 --publishers 10 --ramp-start 200 --ramp-factor 1.15 --step-seconds 5 --p99-target-ms 250 --set half_rate_check=false
# 1 room × 1 000 at 300 msgs/s = 300 000 deliveries/s offered.
run fanout1000 fanout --members 1000 --publishers 10 --rate 300 --duration 10 --warmup 2
# 1 room × 1 000: highest zero-loss throughput, latency relaxed to 250 ms.
run throughput1000 ramp --members 1000 --publishers 10 --ramp-start 100 --ramp-factor 1.2 --step-seconds 5 --p99-target-ms 250 --set half_rate_check=false
# 5 000 clients (50 rooms × 100 + 50 publishers) reconnect at once and recover with since.
run storm storm --rooms 50 --members 101 --publishers 50 --rate 100 --storm-after 3 --duration 6
# 100 mentors × 20 students (direct rooms) + 20 groups of 25, 6 msgs/min per user.
run mentoring mentoring --mentors 100 --students-per-mentor 20 --groups 20 --group-size 25 --duration 20
# The same topology ramped (p99 < 50 ms): capacity at ~5 deliveries per message, for the plan.
run mentoring-ramp ramp --set ramp_topology=mentoring --mentors 100 --students-per-mentor 20 --groups 20 --group-size 25 \
    --ramp-start 100 --ramp-factor 1.3 --step-seconds 5 --p99-target-ms 50
# Mixed traffic with clients leaving and coming back; RSS and open-fd slopes (only when named in ONLY).
run soak run --config loadtest/scenarios/soak.yaml --duration $((${SOAK_MINUTES:-30} * 60))

# The capacity plan from the idle and the ramp runs (U, A, S as in the defaults of `plan`).
plans=()
for name in idle fanout500 throughput500 throughput1000 mentoring-ramp; do
    [[ -f "$OUT/$name/result.json" ]] && plans+=("$OUT/$name/result.json")
done
if ((${#plans[@]} > 0)); then
    "$LT" plan "${plans[@]}" | tee "$OUT/plan.md" || true
fi
echo "reports: $OUT"
