#!/usr/bin/env bash
# Test services: PostgreSQL and Redis on free loopback ports, in a temporary directory.
#
#   eval "$(scripts/services.sh start)"   # starts both, waits until they answer, prints `export` lines:
#       RTS_TEST_DATABASE_URL   postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable (superuser, trust auth on loopback)
#       RTS_TEST_PGDATA         the data directory (tests may restart the server with pg_ctl -D)
#       RTS_TEST_PG_CTL_USER    the user to run pg_ctl as (postgres when run as root, else empty)
#       RTS_TEST_REDIS_URL      redis://127.0.0.1:PORT
#       RTS_TEST_REDIS_PORT
#       RTS_TEST_SERVICES_DIR   everything above lives here
#   scripts/services.sh stop             # stops both and removes $RTS_TEST_SERVICES_DIR
#
# Needs the Debian packages postgresql and redis-server (scripts/test.sh installs them).
# Everything but the export lines goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"

# initdb and pg_ctl: on PATH, else Debian's versioned directory (newest first).
pg_bin() {
    local tool=$1 dir
    if command -v "$tool" > /dev/null 2>&1; then command -v "$tool"; return; fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/$tool" ]; then echo "$dir/$tool"; return; fi
    done
    echo "services: $tool not found (apt-get install postgresql)" >&2
    return 1
}

# PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user.
pg_user=""
[ "$(id -u)" -eq 0 ] && pg_user=postgres
as_pg() {
    if [ -n "$pg_user" ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}

redis_ping() { # port
    local reply=""
    exec 3<> "/dev/tcp/127.0.0.1/$1" || return 1
    printf 'PING\r\n' >&3
    read -r -t 1 reply <&3 || true
    exec 3>&-
    [[ "$reply" == +PONG* ]]
}

start() {
    local dir pg_port redis_port initdb pg_ctl psql
    initdb=$(pg_bin initdb)
    pg_ctl=$(pg_bin pg_ctl)
    psql=$(pg_bin psql)
    command -v redis-server > /dev/null || { echo "services: redis-server not found (apt-get install redis-server)" >&2; return 1; }

    dir=$(mktemp -d "${TMPDIR:-/tmp}/rts-services.XXXXXX")
    touch "$dir/.rts-services"
    chmod 755 "$dir"
    mkdir -p "$dir/pg" "$dir/pg-socket" "$dir/redis"
    [ -z "$pg_user" ] || chown "$pg_user" "$dir/pg" "$dir/pg-socket"
    pg_port=$(free_port)
    redis_port=$(free_port)

    echo "services: PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port, in $dir" >&2
    as_pg "$initdb" -D "$dir/pg/data" -U postgres --auth=trust --encoding=UTF8 --no-locale > "$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; return 1; }
    as_pg "$pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 30 start \
        -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $dir/pg-socket -c max_connections=400" > /dev/null \
        || { cat "$dir/pg/server.log" >&2; return 1; }

    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" --dir "$dir/redis" > /dev/null

    local ready=""
    for _ in $(seq 1 100); do
        if as_pg "$psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -Atqc 'SELECT 1' > /dev/null 2>&1 \
            && redis_ping "$redis_port" 2> /dev/null; then
            ready=1
            break
        fi
        sleep 0.1
    done
    if [ -z "$ready" ]; then
        echo "services: PostgreSQL or Redis did not answer within 10 s (logs in $dir)" >&2
        return 1
    fi

    echo "export RTS_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable'"
    echo "export RTS_TEST_PGDATA='$dir/pg/data'"
    echo "export RTS_TEST_PG_CTL_USER='$pg_user'"
    echo "export RTS_TEST_REDIS_URL='redis://127.0.0.1:$redis_port'"
    echo "export RTS_TEST_REDIS_PORT='$redis_port'"
    echo "export RTS_TEST_SERVICES_DIR='$dir'"
}

stop() {
    local dir="${RTS_TEST_SERVICES_DIR:-}"
    if [ -z "$dir" ] || [ ! -f "$dir/.rts-services" ]; then
        echo "services: RTS_TEST_SERVICES_DIR does not name a services directory; nothing to stop" >&2
        return 0
    fi
    if [ -f "$dir/pg/data/postmaster.pid" ]; then
        as_pg "$(pg_bin pg_ctl)" -D "$dir/pg/data" -m fast -w -t 30 stop > /dev/null || true
    fi
    if [ -f "$dir/redis/redis.pid" ]; then
        local pid
        pid=$(cat "$dir/redis/redis.pid")
        kill "$pid" 2> /dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    fi
    rm -rf "$dir"
    echo "services: stopped" >&2
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
