#!/usr/bin/env bash
# bench/submit.sh: durable submissions per second. wrk POSTs the share form (one valid activity,
# its CSRF cookie and token) to a Release build serving a demo database on this machine's disk,
# for DURATION seconds at CONNS connections; every 303 is a submission acknowledged with
# synchronous = FULL (its WAL frame synced before the answer). Afterwards the rows are counted:
# each acknowledged submission must be there. The reference, in the same go and on the same
# disk: Python's sqlite3 committing one row per transaction in WAL mode with synchronous = FULL,
# i.e. what the disk allows a lone writer, without HTTP, forms or awareday.
#
#   bench/submit.sh                         # ~30 s
#   DURATION=20 CONNS=32 bench/submit.sh
#   BUILD_DIR=build bench/submit.sh         # use an existing build
#
# Prints Markdown on stdout (docs/BENCHMARKS.md, "Durable submissions", shows a run), progress on
# stderr. Needs wrk, curl, python3.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
DURATION=${DURATION:-10}
CONNS=${CONNS:-16}
if [ ! -x "$BUILD_DIR/awareday" ]; then
    echo "submit.sh: building $BUILD_DIR" >&2
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD_DIR" --target awareday -j2 >/dev/null
fi
# In the build directory, on the disk a database would live on (not /tmp, which may be a tmpfs
# where a sync costs nothing).
TMP=$(mktemp -d "$BUILD_DIR/submit.XXXXXX")
PID=
cleanup() {
    if [ -n "$PID" ]; then
        kill "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
BIN=$BUILD_DIR/awareday
# DB_URL (postgresql://..., an empty database): the same run on PostgreSQL; its reference is
# then pgbench committing one row per transaction on the same server.
DB=${DB_URL:-$TMP/bench.db}
count() { # SQL -> one number
    if [ -n "${DB_URL:-}" ]; then psql "$DB_URL" -X -A -t -c "$1"; else sqlite3 "$DB" "$1"; fi
}
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT

# As behind a reverse proxy: each POST carries an X-Forwarded-For address of its own, so that
# every submission comes from another partner and meets the default per-address limit
# (share_per_hour = 10) once, as on the Day, instead of lifting the limit for the run.
cat >"$TMP/bench.conf" <<EOF
trusted_proxies = 127.0.0.1
access_log = off
log_level = warn
EOF
env -u AWAREDAY_DB "$BIN" init --demo --db "$DB" >"$TMP/init.log" 2>&1 || { cat "$TMP/init.log" >&2; exit 1; }
echo "submit.sh: serving $DB on $BASE" >&2
"$BIN" serve --config "$TMP/bench.conf" --db "$DB" --listen "127.0.0.1:$PORT" 2>"$TMP/serve.log" &
PID=$!
for _ in $(seq 100); do curl -fso /dev/null "$BASE/en/" && break || sleep 0.1; done

# One browser's CSRF pair: the cookie set by the share page and the token in its form.
page=$(curl -fs -c "$TMP/jar" "$BASE/en/share")
token=$(printf '%s' "$page" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
year=$(printf '%s' "$page" | sed -n 's/.*for the \([0-9]\{4\}\) edition.*/\1/p' | head -1)
cookie=$(awk '$6 == "aw_csrf" { print $7 }' "$TMP/jar")
[ -n "$token" ] && [ -n "$cookie" ] && [ -n "$year" ] || {
    echo "submit.sh: no CSRF token or edition on /en/share" >&2
    exit 1
}
body="csrf=$token&org_id=new&org_name=Bench+association&org_kind=ngo&org_country=BE"
body+="&org_website=https%3A%2F%2Fexample.org%2Fbench&title=Bench+workshop+for+parents"
body+="&summary=Evening+workshops+for+parents.&kinds=workshop&audiences=parents&country=BE"
body+="&place=Brussels&start=$year-11-17&end=$year-11-18&languages=fr"
body+="&contact_name=Ana+Bench&contact_email=ana.bench%40example.org&homepage="
# A test POST first: the form must be accepted (303), or the run would measure error pages.
status=$(curl -s -o /dev/null -w '%{http_code}' -b "aw_csrf=$cookie" -H "X-Forwarded-For: 10.0.0.1" \
    --data "$body" "$BASE/en/share")
[ "$status" = 303 ] || {
    echo "submit.sh: the share form answered $status, not 303" >&2
    exit 1
}

cat >"$TMP/post.lua" <<EOF
local body = "$body"
local cookie = "aw_csrf=$cookie"
local threads, n = {}, 0
function setup(thread)
  n = n + 1
  thread:set("id", n)
  table.insert(threads, thread)
end
function init() acked = 0; other = 0; seq = 0 end
-- a fresh client address per request: 10.<thread>.<seq / 256>.<seq % 256>
function request()
  seq = seq + 1
  return wrk.format("POST", nil, {
    ["Host"] = wrk.host .. ":" .. wrk.port,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
    ["X-Forwarded-For"] = string.format("10.%d.%d.%d", id, math.floor(seq / 256) % 256, seq % 256),
  }, body)
end
function response(status, headers, body)
  if status == 303 then acked = acked + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local a, o = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("acked"); o = o + t:get("other") end
  io.write(string.format("acked %d other %d\n", a, o))
end
EOF
before=$(count "SELECT COUNT(*) FROM submissions")
echo "submit.sh: wrk -t2 -c$CONNS -d${DURATION}s POST /en/share" >&2
wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$TMP/post.lua" "$BASE/en/share" >"$TMP/wrk.out"
kill "$PID"
wait "$PID" || true
PID=
after=$(count "SELECT COUNT(*) FROM submissions")
if [ -n "${DB_URL:-}" ]; then
    sync="PostgreSQL $(count "SHOW server_version" | cut -d' ' -f1), synchronous_commit $(count "SHOW synchronous_commit"), fsync $(count "SHOW fsync")"
else
    sync="SQLite, journal $(sqlite3 "$DB" "PRAGMA journal_mode" | tr -d '\n'), synchronous = FULL"
fi
acked=$(awk '/^acked/ { print $2 }' "$TMP/wrk.out")
other=$(awk '/^acked/ { print $4 }' "$TMP/wrk.out")
p50=$(awk '$1 == "50%" { print $2 }' "$TMP/wrk.out")
p99=$(awk '$1 == "99%" { print $2 }' "$TMP/wrk.out")
stored=$((after - before))
rate=$(python3 -c "print(round($acked / $DURATION))")

if [ -n "${DB_URL:-}" ]; then
    # The reference: pgbench, one client, one row per transaction, same server, same duration.
    count "CREATE TABLE IF NOT EXISTS bench_ref (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)" >/dev/null
    echo "INSERT INTO bench_ref (payload) VALUES (repeat('x', 1500));" >"$TMP/ref.sql"
    ref=$(pgbench -n -c 1 -T "$DURATION" -f "$TMP/ref.sql" "$DB_URL" 2>/dev/null |
        awk '/^tps = / { printf "%d", $3 }')
    refname="pgbench, one row per commit, same server"
else
# The reference: one row per transaction, WAL + FULL, same directory, same duration.
    ref=$(python3 - "$TMP/ref.db" "$DURATION" <<'EOF'
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA journal_mode = WAL")
con.execute("PRAGMA synchronous = FULL")
con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
row = "x" * 1500  # about a submission's payload
n, t0 = 0, time.monotonic()
while time.monotonic() - t0 < float(sys.argv[2]):
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO t (payload) VALUES (?)", (row,))
    con.execute("COMMIT")
    n += 1
print(round(n / (time.monotonic() - t0)))
EOF
)
    refname="sqlite3, one row per commit, WAL + FULL, same disk"
fi

echo "## Durable submissions (bench/submit.sh, $(date -u +%Y-%m-%d), $(nproc) cores)"
echo
echo "\`DURATION=$DURATION CONNS=$CONNS bench/submit.sh\`: wrk -t2 -c$CONNS POSTing the share form"
echo "for ${DURATION} s, each POST from its own X-Forwarded-For address (trusted_proxies = 127.0.0.1); $sync; files on $(df --output=source "$TMP" | tail -1) ($(df --output=fstype "$TMP" | tail -1))."
echo
echo "| | per second | |"
echo "|---|---|---|"
echo "| awareday: submissions acknowledged (303) | $rate | p50 $p50, p99 $p99; $other other answers |"
echo "| reference: $refname | $ref | lone writer, no HTTP |"
echo
# wrk stops at the deadline with up to CONNS requests in flight: the server finishes and stores
# them but nobody reads their 303. So: acked <= stored <= acked + CONNS.
if [ "$acked" -le "$stored" ] && [ "$stored" -le $((acked + CONNS)) ]; then
    echo "Acknowledged $acked, rows added $stored: every acknowledged submission is stored" \
        "($((stored - acked)) more were in flight when wrk stopped)."
else
    echo "Acknowledged $acked, rows added $stored: MISMATCH."
    exit 1
fi
