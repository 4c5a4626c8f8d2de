#!/usr/bin/env bash
# pg.sh: a throwaway PostgreSQL cluster for the tests, as an unprivileged user, in a directory
# of its own, on a free port, reachable only through a Unix socket in that directory.
#
#   scripts/pg.sh start DIR        initdb + pg_ctl start; prints the base URL on stdout:
#                                  postgresql://USER@/?host=DIR/sock&port=PORT
#   scripts/pg.sh createdb DIR NAME   a fresh database NAME; prints its URL
#   scripts/pg.sh stop DIR         pg_ctl stop (fast) and removes DIR
#   scripts/pg.sh restart DIR      stop whatever a killed run left in DIR, then start
#   scripts/pg.sh pause DIR        stop the server (fast: connections are cut), keep its data
#   scripts/pg.sh resume DIR       start it again, same port
#
# PostgreSQL refuses to run as root: when this runs as root, the cluster belongs to the
# `postgres` user made by Debian's package (DIR is chowned to it). Needs the postgresql package
# (scripts/setup.sh installs it). The server listens on no TCP port (listen_addresses = '').
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || {
    sed -n '2,18p' "$0" >&2
    exit 2
}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bindir/initdb" ] || {
    echo "pg.sh: no PostgreSQL server found (install the postgresql package: scripts/setup.sh)" >&2
    exit 1
}

as_owner() { # runs "$@" as the cluster's owner
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
owner() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }

server_start() {
    # fsync stays on: the durability claims are measured with it.
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses='' -c unix_socket_directories='$dir/sock' -p $(cat "$dir/port") -c max_connections=200" \
        start >/dev/null || {
        cat "$dir/server.log" >&2
        exit 1
    }
}

url_of() { # base URL, from the port file
    local port
    port=$(cat "$dir/port")
    printf 'postgresql://%s@/%s?host=%s&port=%s\n' "$(owner)" "${1:-postgres}" "$dir/sock" "$port"
}

case "$cmd" in
restart) # stop a cluster left by an interrupted run, then start
    if [ -d "$dir/data" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    exec "$0" start "$dir"
    ;;
start)
    mkdir -p "$dir/sock"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "$port" >"$dir/port"
    as_owner "$bindir/initdb" -D "$dir/data" -A trust -E UTF8 --locale=C.UTF-8 -U "$(owner)" \
        >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    server_start
    url_of
    ;;
pause) # the server stops (fast: connections are cut), its data stays
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
resume)
    server_start
    ;;
createdb)
    name=${3:?createdb needs a NAME}
    as_owner "$bindir/createdb" -h "$dir/sock" -p "$(cat "$dir/port")" "$name"
    url_of "$name"
    ;;
stop)
    if [ -d "$dir/data" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "pg.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
