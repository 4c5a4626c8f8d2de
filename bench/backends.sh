#!/usr/bin/env bash
# bench/backends.sh: the same site on SQLite and on PostgreSQL, same machine, same run (issue 7):
# the statements each page type runs (round trips, on a server), the edition page under wrk,
# and durable submissions (bench/submit.sh with DB_URL for PostgreSQL). PostgreSQL is a
# throwaway cluster (scripts/pg.sh) on this machine's disk, fsync on, reached by Unix socket.
#
#   bench/backends.sh                # ~1.5 minutes
#   DURATION=5 bench/backends.sh
#
# Prints Markdown on stdout (docs/BENCHMARKS.md, "SQLite and PostgreSQL", shows a run),
# progress on stderr. Needs wrk, curl, python3, psql and pgbench (postgresql).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
DURATION=${DURATION:-10}
CONNS=${CONNS:-16}
if [ ! -x "$BUILD_DIR/awareday" ]; then
    echo "backends.sh: building $BUILD_DIR" >&2
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD_DIR" --target awareday -j2 >/dev/null
fi
BIN=$BUILD_DIR/awareday
TMP=$(mktemp -d "$BUILD_DIR/backends.XXXXXX")
chmod 755 "$TMP" # the cluster's owner (postgres, when run as root) must reach it
PID=
cleanup() {
    if [ -n "$PID" ]; then
        kill "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    "$ROOT/scripts/pg.sh" stop "$TMP/pg" >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT
"$ROOT/scripts/pg.sh" start "$TMP/pg" >/dev/null
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PAGES=(/en/ /en/editions/2017 /en/countries/BE /en/share /en/help/BE /en/editions)

serve() { # db level -> starts awareday, sets PID and PORT
    PORT=$(free_port)
    env -u AWAREDAY_DB AWAREDAY_LOG_LEVEL="$2" AWAREDAY_ACCESS_LOG=off \
        "$BIN" serve --db "$1" --listen "127.0.0.1:$PORT" 2>"$TMP/serve.log" &
    PID=$!
    for _ in $(seq 100); do curl -fso /dev/null "http://127.0.0.1:$PORT/en/" && return 0 || sleep 0.1; done
    echo "backends.sh: the server did not start" >&2
    cat "$TMP/serve.log" >&2
    exit 1
}
stop() { kill "$PID"; wait "$PID" || true; PID=; }

declare -A QUERIES RPS P50 P99 SUB SUBP99 REF
for backend in sqlite postgresql; do
    if [ "$backend" = sqlite ]; then
        db=$TMP/site.db
        subdb=
    else
        db=$("$ROOT/scripts/pg.sh" createdb "$TMP/pg" site)
        subdb=$("$ROOT/scripts/pg.sh" createdb "$TMP/pg" submissions)
    fi
    echo "backends.sh: $backend: init" >&2
    env -u AWAREDAY_DB "$BIN" init --demo --db "$db" >"$TMP/init.log" 2>&1 || {
        cat "$TMP/init.log" >&2
        exit 1
    }
    # statements per page: the debug line each page logs
    serve "$db" debug
    for p in "${PAGES[@]}"; do curl -fso /dev/null "http://127.0.0.1:$PORT$p"; done
    stop
    QUERIES[$backend]=$(grep -o '[a-z_]*: [0-9]* queries' "$TMP/serve.log" | tail -"${#PAGES[@]}" |
        awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
    # the edition page under load
    serve "$db" warn
    echo "backends.sh: $backend: wrk -t2 -c$CONNS -d${DURATION}s /en/editions/2017" >&2
    wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT/en/editions/2017" \
        >"$TMP/wrk.out"
    stop
    RPS[$backend]=$(awk '/^Requests\/sec/ { printf "%d", $2 }' "$TMP/wrk.out")
    P50[$backend]=$(awk '$1 == "50%" { print $2 }' "$TMP/wrk.out")
    P99[$backend]=$(awk '$1 == "99%" { print $2 }' "$TMP/wrk.out")
    # durable submissions
    echo "backends.sh: $backend: bench/submit.sh" >&2
    DB_URL=$subdb BUILD_DIR=$BUILD_DIR DURATION=$DURATION CONNS=$CONNS \
        bash "$ROOT/bench/submit.sh" >"$TMP/submit.md" 2>"$TMP/submit.err" || {
        cat "$TMP/submit.err" "$TMP/submit.md" >&2
        exit 1
    }
    SUB[$backend]=$(awk -F'|' '/acknowledged \(303\)/ { gsub(/ /, "", $3); print $3 }' "$TMP/submit.md")
    SUBP99[$backend]=$(awk -F'|' '/acknowledged \(303\)/ { print $4 }' "$TMP/submit.md" |
        sed 's/.*p99 \([^;]*\);.*/\1/')
    REF[$backend]=$(awk -F'|' '/reference:/ { gsub(/ /, "", $3); print $3 }' "$TMP/submit.md")
done

echo "## SQLite and PostgreSQL (bench/backends.sh, $(date -u +%Y-%m-%d), $(nproc) cores)"
echo
echo "\`DURATION=$DURATION CONNS=$CONNS bench/backends.sh\`: the demo site on each, Release build,"
echo "PostgreSQL $(psql --version | awk '{ print $3 }') on a Unix socket with fsync on."
echo
echo "| | SQLite | PostgreSQL |"
echo "|---|---|---|"
echo "| statements per page (page: count) | ${QUERIES[sqlite]} | ${QUERIES[postgresql]} |"
echo "| /en/editions/2017, wrk -t2 -c$CONNS: requests/s | ${RPS[sqlite]} | ${RPS[postgresql]} |"
echo "| ... latency p50 / p99 | ${P50[sqlite]} / ${P99[sqlite]} | ${P50[postgresql]} / ${P99[postgresql]} |"
echo "| durable submissions/s (bench/submit.sh) | ${SUB[sqlite]} (p99 ${SUBP99[sqlite]# }) | ${SUB[postgresql]} (p99 ${SUBP99[postgresql]# }) |"
echo "| reference: one row per commit, lone writer | ${REF[sqlite]} (sqlite3) | ${REF[postgresql]} (pgbench) |"
