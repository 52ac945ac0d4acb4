#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store's tests and the benchmark.
#   scripts/postgres_for_tests.sh [start]   installs Debian's postgresql if missing, starts a private
#                                           cluster on a free 127.0.0.1 port, prints its URL on stdout
#   scripts/postgres_for_tests.sh stop      stops that cluster and deletes its files
# Works unattended (CI=true, no terminal). Messages go to stderr so `URL=$(...)` captures only the URL.
set -euo pipefail

STATE_FILE="${PG_TEST_STATE:-${TMPDIR:-/tmp}/cers-postgres-for-tests.env}"
DB_NAME="${PG_TEST_DB:-cers_test}"

say() { echo "postgres_for_tests: $*" >&2; }

# Run a command as the postgres user when we are root (initdb and postgres refuse to run as root).
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
        echo "$dir"
    fi
}

install_postgres() {
    if [ -n "$(pg_bin)" ]; then
        return
    fi
    if [ "$(id -u)" != 0 ]; then
        say "PostgreSQL is not installed and we are not root: apt-get install postgresql first"
        exit 1
    fi
    say "installing Debian's postgresql (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
}

url_for() { echo "postgresql+psycopg2://postgres@127.0.0.1:$1/$DB_NAME"; }

start() {
    if [ -f "$STATE_FILE" ]; then
        # shellcheck disable=SC1090
        . "$STATE_FILE"
        if [ -d "${PG_DIR:-}" ] && as_pg "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
            say "already running in $PG_DIR"
            url_for "$PG_PORT"
            return
        fi
        rm -f "$STATE_FILE"
    fi
    install_postgres
    local bin dir port
    bin=$(pg_bin)
    # /tmp, not $TMPDIR: the postgres user must be able to reach the folder.
    dir=$(mktemp -d "${PG_TEST_ROOT:-/tmp}/cers-pg.XXXXXX")
    chmod 755 "$dir"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$dir"
    fi
    # A free port: bind port 0 and read what the kernel picked.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    # Durability is pointless for a throwaway cluster: fsync off makes imports much faster.
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >&2 || { cat "$dir/server.log" >&2; exit 1; }
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB_NAME"
    as_pg "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d "$DB_NAME" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" >&2 \
        || say "pg_trgm not available (not needed by the store)"
    printf 'PG_DIR=%q\nPG_PORT=%q\n' "$dir" "$port" >"$STATE_FILE"
    say "started in $dir on 127.0.0.1:$port"
    url_for "$port"
}

stop() {
    if [ ! -f "$STATE_FILE" ]; then
        say "nothing to stop"
        return
    fi
    # shellcheck disable=SC1090
    . "$STATE_FILE"
    local bin
    bin=$(pg_bin)
    if [ -n "$bin" ] && [ -d "$PG_DIR/data" ]; then
        as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >&2 || true
    fi
    case "$PG_DIR" in
        "${PG_TEST_ROOT:-/tmp}"/cers-pg.*) rm -rf "$PG_DIR" ;;
    esac
    rm -f "$STATE_FILE"
    say "stopped"
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    url)
        . "$STATE_FILE"
        url_for "$PG_PORT"
        ;;
    *) echo "usage: $0 [start|stop|url]" >&2; exit 2 ;;
esac
