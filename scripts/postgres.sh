#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the trace store's tests: started on a free loopback port as a non-root user,
# with a random password, in a folder of /tmp named after this checkout (ORCHESTRATE_PG_DIR to change: its owner
# must reach it, which a checkout under /root does not allow), and removed by `stop`.
#
#   eval "$(scripts/postgres.sh start)"   # exports ORCHESTRATE_TEST_POSTGRES_URL=postgres://orchestrate:…@127.0.0.1:PORT/orchestrate
#   scripts/postgres.sh status            # exit 0 when it runs
#   scripts/postgres.sh stop              # stops it and deletes its files
#   scripts/postgres.sh restart fast|immediate   # pg_ctl restart -m MODE (fault tests)
#   scripts/postgres.sh kill              # SIGKILL to the postmaster, its files kept (fault tests)
#   scripts/postgres.sh resume            # starts the cluster again on its port after a kill
#   scripts/postgres.sh log               # the server's warnings, errors and slow statements (after a failed test)
#
# Needs Debian's postgresql package (apt-get install -y postgresql); as root it runs the cluster as the system user
# orchestrate-pg (created if missing), since PostgreSQL refuses to run as root.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${ORCHESTRATE_PG_DIR:-${TMPDIR:-/tmp}/orchestrate-postgres-$(printf %s "$root" | cksum | cut -d ' ' -f 1)}"
data="$dir/data"

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
    echo "postgres: no PostgreSQL server found under /usr/lib/postgresql (apt-get install -y postgresql)" >&2
    exit 1
fi

# Runs a command as the cluster's owner: this user, or orchestrate-pg when this is root.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u orchestrate-pg -- "$@"
    else
        "$@"
    fi
}

url() {
    echo "postgres://orchestrate:$(cat "$dir/password")@127.0.0.1:$(cat "$dir/port")/orchestrate"
}

case "${1:-}" in
start)
    if [[ -f "$dir/port" ]] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        echo "export ORCHESTRATE_TEST_POSTGRES_URL='$(url)'"
        exit 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    if [[ "$(id -u)" == 0 ]]; then
        id orchestrate-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin orchestrate-pg
        chown orchestrate-pg "$dir"
    fi
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
    echo "$password" >"$dir/password"
    echo "$port" >"$dir/port"
    chmod 600 "$dir/password"
    [[ "$(id -u)" == 0 ]] && chown orchestrate-pg "$dir/password" "$dir/port"
    as_owner "$bin/initdb" -D "$data" -U orchestrate --pwfile="$dir/password" --auth=scram-sha-256 --encoding=UTF8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=400 -c log_min_duration_statement=2000" start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    PGPASSWORD="$password" "$bin/createdb" -h 127.0.0.1 -p "$port" -U orchestrate orchestrate
    echo "postgres: a throwaway cluster listens on 127.0.0.1:$port (data in $data)" >&2
    echo "export ORCHESTRATE_TEST_POSTGRES_URL='$(url)'"
    ;;
status)
    [[ -f "$dir/port" ]] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
    ;;
restart)
    as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -m "${2:-fast}" restart >/dev/null
    ;;
kill)
    kill -9 "$(head -1 "$data/postmaster.pid")"
    ;;
resume)
    # The killed postmaster's children end on their own; the new one waits for its port and shared memory.
    for _ in $(seq 1 50); do
        as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w \
            -o "-p $(cat "$dir/port") -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=400 -c log_min_duration_statement=2000" start >/dev/null 2>&1 && exit 0
        sleep 0.2
    done
    cat "$dir/server.log" >&2
    exit 1
    ;;
log)
    [[ -f "$dir/server.log" ]] && grep -E 'WARNING|ERROR|FATAL|PANIC|duration:|checkpoint complete' "$dir/server.log" | tail -60
    ;;
stop)
    if [[ -d "$data" ]]; then
        as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: scripts/postgres.sh start|status|stop|log|restart fast|immediate|kill|resume" >&2
    exit 2
    ;;
esac
