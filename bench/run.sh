#!/usr/bin/env bash
# bench/run.sh: measures awareday's speed and memory against a reference run in the same go:
# nginx serving the very bytes awareday sends (fetched from it first), on the same machine,
# with the same wrk settings. Prints Markdown (tables + the exact commands used) on stdout,
# progress on stderr. docs/BENCHMARKS.md shows a run of it.
#
#   bench/run.sh                       # defaults: DURATION=10 CONNECTIONS=64
#   DURATION=5 CONNECTIONS=32 bench/run.sh
#
# Environment:
#   DURATION      seconds per measured wrk run (default 10); each run has a 2 s warm-up first
#   CONNECTIONS   wrk connections (default 64)
#   WRK_THREADS   wrk threads (default: number of cores)
#   CALLGRIND     1 (default) to count instructions per request under valgrind, 0 to skip
#   CALLGRIND_REQUESTS  requests in the callgrind run (default 200)
#   BUILD_DIR     build directory (default build-bench in the source tree)
#   KEEP_RAW      a directory to keep the raw wrk/callgrind outputs in (default: not kept)
#
# Loopback only (127.0.0.1). Every server start, wrk run and wait is bounded in time; servers
# and the temporary directory are removed on exit (trap). Needs nginx and wrk (Debian:
# nginx-light wrk, installed by scripts/setup.sh), python3 (free ports), curl; valgrind for the
# optional instruction count.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NPROC=$(nproc)
CLK_TCK=$(getconf CLK_TCK)
DURATION=${DURATION:-10}
DURATION=${DURATION%s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-$NPROC}
WARMUP=2
CALLGRIND=${CALLGRIND:-1}
CALLGRIND_REQUESTS=${CALLGRIND_REQUESTS:-200}
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
KEEP_RAW=${KEEP_RAW:-}
PAGES=(/en/ /en/editions/2017 /en/help /static/style.css)
CG_PAGE=/en/editions/2017

case "$DURATION" in '' | *[!0-9]*) echo "run.sh: DURATION must be whole seconds" >&2; exit 2 ;; esac
case "$CONNECTIONS" in '' | *[!0-9]*) echo "run.sh: CONNECTIONS must be a number" >&2; exit 2 ;; esac
if [ "$DURATION" -lt 1 ] || [ "$DURATION" -gt 120 ]; then
    echo "run.sh: DURATION must be 1..120" >&2
    exit 2
fi
if [ "$CONNECTIONS" -lt "$WRK_THREADS" ] || [ "$CONNECTIONS" -gt 1000 ]; then
    echo "run.sh: CONNECTIONS must be $WRK_THREADS..1000" >&2
    exit 2
fi

for tool in cmake ninja nginx wrk curl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "run.sh: $tool is missing (scripts/setup.sh installs it; Debian: apt-get install -y nginx-light wrk)" >&2
        exit 2
    fi
done
if [ "$CALLGRIND" = 1 ] && ! command -v valgrind >/dev/null 2>&1; then
    echo "run.sh: valgrind missing, skipping the instruction count" >&2
    CALLGRIND=0
fi

# Settings must come from this script only.
while IFS= read -r v; do unset "$v"; done < <(env | sed -n 's/^\(AWAREDAY_[A-Z_]*\)=.*/\1/p')

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }

CMDS=()    # the exact commands, printed at the end
note_cmd() { CMDS+=("$*"); }

T=$(mktemp -d "${TMPDIR:-/tmp}/awareday-bench.XXXXXX")
PIDS=()

stop_pid() { # pid [seconds]: SIGTERM, wait (bounded), then SIGKILL
    local pid=$1 limit=${2:-10} i=0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ "$i" -lt $((limit * 10)) ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid still running after ${limit}s, killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do stop_pid "$pid" 10; done
    if [ -n "$KEEP_RAW" ]; then
        if mkdir -p "$KEEP_RAW"; then cp -r "$T/raw/." "$KEEP_RAW/" 2>/dev/null || true; fi
    fi
    rm -rf "$T"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$T/raw" "$T/www" "$T/nginx"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for_line() { # file pattern seconds pid
    local i=0
    while [ "$i" -lt $(($3 * 10)) ]; do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        kill -0 "$4" 2>/dev/null || { log "process $4 exited; its output:"; cat "$1" >&2; return 1; }
        sleep 0.1
        i=$((i + 1))
    done
    log "timed out waiting for '$2' in $1"
    return 1
}

status_kb() { # pid field -> kB (VmRSS, VmHWM, Threads from status; Pss from smaps_rollup)
    local f=/proc/$1/status
    [ "$2" = Pss ] && f=/proc/$1/smaps_rollup
    awk -v f="$2:" '$1 == f { print $2 }' "$f" 2>/dev/null || echo 0
}

cpu_ticks() { # pids... -> utime+stime (clock ticks) summed over the processes and their threads
    local sum=0 p t
    for p in "$@"; do
        t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')
        sum=$((sum + ${t:-0}))
    done
    echo "$sum"
}

children_seconds() { # user+system CPU seconds of this shell's finished children, from a file
    # written by `times >FILE` in the shell itself (in a $(...) subshell, times sees nothing)
    awk 'NR == 2 {
        n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] }
        print n }' "$1"
}

machine_ticks() { # -> "busy total" from the cpu line of /proc/stat (busy excludes idle, iowait)
    awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat
}

nginx_kb() { # master pid, field: sum over master + workers
    local total sum=0 p
    for p in "$1" $(pgrep -P "$1" || true); do
        total=$(status_kb "$p" "$2")
        sum=$((sum + ${total:-0}))
    done
    echo "$sum"
}

# How busy the machine is before anything starts: the figures assume it is otherwise idle.
m0=$(machine_ticks)
sleep 2
m1=$(machine_ticks)
IDLE_BEFORE=$(echo "$m0 $m1" | awk '{ if ($4 > $2) printf "%.0f", ($3 - $1) / ($4 - $2) * 100; else print "-" }')
log "machine ${IDLE_BEFORE}% busy before the run (2 s sample)"
if [ "$IDLE_BEFORE" != - ] && [ "$IDLE_BEFORE" -gt 10 ]; then
    log "warning: the machine is not idle; the throughput figures will be disturbed"
fi

# --- build and database ----------------------------------------------------------------------

log "building $BUILD_DIR (Release)"
note_cmd cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$T/raw/cmake.log" 2>&1 ||
    { cat "$T/raw/cmake.log" >&2; exit 1; }
note_cmd cmake --build "$BUILD_DIR" -j"$NPROC" --target awareday
timeout 900 cmake --build "$BUILD_DIR" -j"$NPROC" --target awareday >>"$T/raw/cmake.log" 2>&1 ||
    { tail -40 "$T/raw/cmake.log" >&2; exit 1; }
BIN=$BUILD_DIR/awareday

DB=$T/bench.db
note_cmd "$BIN" init --demo --db "$DB"
timeout 120 "$BIN" init --demo --db "$DB" >"$T/raw/init.log" 2>&1 || { cat "$T/raw/init.log" >&2; exit 1; }

# threads: one per core (what threads = 0 means, written out); all wrk connections come from
# 127.0.0.1, so the per-address limit (default 64) is raised above CONNECTIONS.
cat >"$T/awareday.conf" <<EOF
threads = $NPROC
max_connections = $((CONNECTIONS * 2 > 1024 ? CONNECTIONS * 2 : 1024))
max_connections_per_ip = $((CONNECTIONS + 64))
EOF

AW_PID=
start_awareday() { # access_log-value conf stderr-file
    AW_PORT=$(free_port)
    note_cmd AWAREDAY_ACCESS_LOG="$1" "$BIN" serve --config "$2" --db "$DB" --listen "127.0.0.1:$AW_PORT" "2>$3"
    AWAREDAY_ACCESS_LOG="$1" "$BIN" serve --config "$2" --db "$DB" --listen "127.0.0.1:$AW_PORT" 2>"$3" &
    AW_PID=$!
    PIDS+=("$AW_PID")
    wait_for_line "$3" "listening on" 30 "$AW_PID"
}

log "starting awareday (access log off, $NPROC threads)"
start_awareday off "$T/awareday.conf" "$T/raw/awareday.stderr"
AW_RSS_IDLE=$(status_kb "$AW_PID" VmRSS)
AW_THREADS_IDLE=$(status_kb "$AW_PID" Threads)

# --- the bytes awareday sends ------------------------------------------------------------------

declare -A CTYPE SIZE_ID SIZE_GZ HDR_AW
i=0
for p in "${PAGES[@]}"; do
    i=$((i + 1))
    url="http://127.0.0.1:$AW_PORT$p"
    code=$(curl -sS --max-time 10 -D "$T/www/p$i.hdr" -o "$T/www/p$i" -w '%{http_code}' "$url")
    [ "$code" = 200 ] || { log "GET $p: HTTP $code"; exit 1; }
    code=$(curl -sS --max-time 10 -H 'Accept-Encoding: gzip' -D "$T/www/p$i.gzhdr" -o "$T/www/p$i.gz" \
        -w '%{http_code}' "$url")
    [ "$code" = 200 ] || { log "GET $p (gzip): HTTP $code"; exit 1; }
    grep -qi '^content-encoding: *gzip' "$T/www/p$i.gzhdr" || { log "$p: no gzip variant"; rm -f "$T/www/p$i.gz"; }
    CTYPE[$p]=$(sed -n 's/^[Cc]ontent-[Tt]ype: *\(.*\)\r$/\1/p' "$T/www/p$i.hdr")
    SIZE_ID[$p]=$(stat -c %s "$T/www/p$i")
    SIZE_GZ[$p]=$(stat -c %s "$T/www/p$i.gz" 2>/dev/null || echo -)
    HDR_AW[$p]=$(stat -c %s "$T/www/p$i.hdr")
done
note_cmd "curl -sS -D pN.hdr -o pN http://127.0.0.1:$AW_PORT/PAGE; curl -sS -H 'Accept-Encoding: gzip' -o pN.gz http://127.0.0.1:$AW_PORT/PAGE   # for each page"

# --- nginx -------------------------------------------------------------------------------------

# The headers awareday adds (security headers, Cache-Control, Vary, Content-Language) are added
# by nginx too, so both send about the same bytes; nginx sets its own Date, ETag, length, type.
nginx_headers() { # header file
    local name value
    tr -d '\r' <"$1" | sed 1d | while IFS= read -r line; do
        [ -n "$line" ] || continue
        name=${line%%:*}
        value=${line#*:}
        value=${value# }
        case "${name,,}" in
        date | content-length | content-type | etag | content-encoding | connection | server | \
            transfer-encoding | last-modified | accept-ranges | keep-alive) continue ;;
        esac
        case "$value" in *'$'*) log "header $name has a \$, not copied to nginx"; continue ;; esac
        value=${value//\\/\\\\}
        value=${value//\"/\\\"}
        printf '            add_header %s "%s";\n' "$name" "$value"
    done
}

nginx_locations() {
    local i=0 p base cs
    for p in "${PAGES[@]}"; do
        i=$((i + 1))
        # The type without its parameters (gzip_types matches on it), the charset added back by
        # the charset module, so the header reads as awareday's.
        base=${CTYPE[$p]%%;*}
        printf '        location = %s {\n            types { }\n            default_type "%s";\n' "$p" "$base"
        case "${CTYPE[$p],,}" in
        *charset=*)
            cs=${CTYPE[$p]}
            cs=${cs#*[cC][hH][aA][rR][sS][eE][tT]=}
            printf '            charset %s;\n            charset_types %s;\n' "${cs%%;*}" "$base"
            ;;
        esac
        printf '            try_files /p%d =404;\n' "$i"
        nginx_headers "$T/www/p$i.hdr"
        printf '        }\n'
    done
}

NG_PORT=$(free_port)
NGZ_PORT=$(free_port)
while [ "$NGZ_PORT" = "$NG_PORT" ] || [ "$NGZ_PORT" = "$AW_PORT" ]; do NGZ_PORT=$(free_port); done
USER_LINE=
[ "$(id -u)" -eq 0 ] && USER_LINE="user $(id -un) $(id -gn);" # workers keep our uid
cat >"$T/nginx/nginx.conf" <<EOF
# generated by bench/run.sh
$USER_LINE
worker_processes $NPROC;
daemon off;
master_process on;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 30s;
    keepalive_requests 100000000;
    server_tokens off;
    client_body_temp_path $T/nginx/body;
    proxy_temp_path $T/nginx/proxy;
    fastcgi_temp_path $T/nginx/fastcgi;
    uwsgi_temp_path $T/nginx/uwsgi;
    scgi_temp_path $T/nginx/scgi;
    root $T/www;

    # identity, and gzip_static: the .gz file holds awareday's own gzip bytes
    server {
        listen 127.0.0.1:$NG_PORT;
        gzip off;
        gzip_static on;
$(nginx_locations)
    }

    # gzip on the fly, level 6 like awareday (for the rendered pages)
    server {
        listen 127.0.0.1:$NGZ_PORT;
        gzip on;
        gzip_comp_level 6;
        gzip_min_length 512;
        gzip_types text/css;
        gzip_static off;
$(nginx_locations)
    }
}
EOF
note_cmd nginx -c "$T/nginx/nginx.conf" -p "$T/nginx" -e "$T/nginx/error.log" "&   # config printed below"
log "starting nginx on ports $NG_PORT and $NGZ_PORT"
nginx -c "$T/nginx/nginx.conf" -p "$T/nginx" -e "$T/nginx/error.log" 2>"$T/raw/nginx.stderr" &
NG_PID=$!
PIDS+=("$NG_PID")
ok=0
for _ in $(seq 50); do
    if curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$NG_PORT/en/" &&
        curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$NGZ_PORT/en/"; then
        ok=1
        break
    fi
    kill -0 "$NG_PID" 2>/dev/null || break
    sleep 0.1
done
[ "$ok" = 1 ] || { log "nginx did not start"; cat "$T/raw/nginx.stderr" "$T/nginx/error.log" >&2 2>/dev/null; exit 1; }
NG_RSS_IDLE=$(nginx_kb "$NG_PID" VmRSS)

# Check nginx sends the same bodies and content types.
declare -A HDR_NG SIZE_NGZ
i=0
for p in "${PAGES[@]}"; do
    i=$((i + 1))
    curl -sS --max-time 10 -D "$T/ng.hdr" -o "$T/ng.body" "http://127.0.0.1:$NG_PORT$p"
    cmp -s "$T/ng.body" "$T/www/p$i" || { log "nginx body of $p differs"; exit 1; }
    grep -qiF "content-type: ${CTYPE[$p]}" "$T/ng.hdr" || { log "nginx content type of $p differs"; exit 1; }
    HDR_NG[$p]=$(stat -c %s "$T/ng.hdr")
    if [ -f "$T/www/p$i.gz" ]; then
        curl -sS --max-time 10 -H 'Accept-Encoding: gzip' -o "$T/ng.body" "http://127.0.0.1:$NG_PORT$p"
        cmp -s "$T/ng.body" "$T/www/p$i.gz" || { log "nginx gzip_static body of $p differs"; exit 1; }
        curl -sS --max-time 10 -H 'Accept-Encoding: gzip' -D "$T/ng.hdr" -o "$T/ng.body" "http://127.0.0.1:$NGZ_PORT$p"
        grep -qi '^content-encoding: *gzip' "$T/ng.hdr" || { log "nginx does not gzip $p on the fly"; exit 1; }
        gzip -dc "$T/ng.body" | cmp -s - "$T/www/p$i" || { log "nginx gzip of $p does not decompress to the page"; exit 1; }
        SIZE_NGZ[$p]=$(stat -c %s "$T/ng.body")
    fi
done

# --- wrk ---------------------------------------------------------------------------------------

ROWS=()      # markdown rows
declare -A RATE CPU
AW_RSS_SERIES=()
RUN=0
TOTAL_ERRORS=0

wrk_run() { # key label-server label-encoding url [header]
    local key=$1 server=$2 enc=$3 url=$4 hdr=${5:-} out rps p50 p99 tps non2xx sock err cpu busy other w0 w1
    local args=(-t"$WRK_THREADS" -c"$CONNECTIONS" --latency)
    [ -n "$hdr" ] && args+=(-H "$hdr")
    RUN=$((RUN + 1))
    out=$T/raw/wrk-$RUN.txt
    timeout -k 5 $((WARMUP + 30)) wrk "${args[@]}" -d"${WARMUP}s" "$url" >"$T/raw/warmup-$RUN.txt" 2>&1 ||
        { log "wrk warm-up failed: $url"; cat "$T/raw/warmup-$RUN.txt" >&2; exit 1; }
    if [ -n "$hdr" ]; then
        note_cmd wrk "${args[@]:0:2}" --latency -H "'$hdr'" -d"${DURATION}s" "$url"
    else
        note_cmd wrk "${args[@]:0:2}" --latency -d"${DURATION}s" "$url"
    fi
    local pids=("$SRV_PID") c0 c1 m0 m1 reqs
    [ "$server" = nginx ] && mapfile -t -O 1 pids < <(pgrep -P "$SRV_PID" || true)
    c0=$(cpu_ticks "${pids[@]}")
    m0=$(machine_ticks)
    times >"$T/times"
    w0=$(children_seconds "$T/times")
    timeout -k 5 $((DURATION + 30)) wrk "${args[@]}" -d"${DURATION}s" "$url" >"$out" 2>&1 ||
        { log "wrk failed: $url"; cat "$out" >&2; exit 1; }
    times >"$T/times"
    w1=$(children_seconds "$T/times")
    c1=$(cpu_ticks "${pids[@]}")
    m1=$(machine_ticks)
    reqs=$(awk '/ requests in / { print $1 }' "$out")
    # the server's CPU time per request, and how busy the whole machine was (wrk included)
    cpu=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v n="${reqs:-0}" \
        'BEGIN { if (n > 0) printf "%.0f", d / hz * 1e6 / n; else print "-" }')
    busy=$(echo "$m0 $m1" | awk '{ if ($4 > $2) printf "%.0f", ($3 - $1) / ($4 - $2) * 100; else print "-" }')
    # CPU left over once the server and wrk are taken out: other processes (and unattributed
    # kernel work), as a share of the machine. High values mean the row was disturbed.
    other=$(echo "$m0 $m1 $((c1 - c0)) $w0 $w1" | awk -v hz="$CLK_TCK" '{
        if ($4 <= $2) { print "-"; exit }
        o = ($3 - $1) - $5 - ($7 - $6) * hz; if (o < 0) o = 0
        printf "%.0f", o / ($4 - $2) * 100 }')
    CPU[$key]=$cpu
    WRK_REQS=$(awk '/ requests in / { n += $1 } END { print n + 0 }' "$T/raw/warmup-$RUN.txt" "$out")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    tps=$(awk '/^Transfer\/sec:/ { print $2 }' "$out")
    p50=$(awk '$1 == "50%" { print $2 }' "$out")
    p99=$(awk '$1 == "99%" { print $2 }' "$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
    sock=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$out")
    non2xx=${non2xx:-0}
    sock=${sock:-0}
    err="$non2xx / $sock"
    TOTAL_ERRORS=$((TOTAL_ERRORS + non2xx + sock))
    RATE[$key]=$rps
    log "$(printf '%-18s %-8s %-26s %10s req/s  p50 %-9s p99 %-9s %s/s  non-2xx/socket errors %s' \
        "${url#http://127.0.0.1:*/}" "$server" "$enc" "$rps" "$p50" "$p99" "$tps" "$err")  server CPU ${cpu} us/req, machine ${busy}% busy, others ${other}%"
    ROW_TAIL="| $rps | $p50 | $p99 | $tps | $err | $cpu | $busy % | $other %"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
ratios() { # awareday-key nginx-key: "requests/s ratio | CPU-per-request ratio"
    echo "$(ratio "${RATE[$1]}" "${RATE[$2]}") | $(ratio "${CPU[$2]}" "${CPU[$1]}")"
}

for p in "${PAGES[@]}"; do
    aw="http://127.0.0.1:$AW_PORT$p"
    ng="http://127.0.0.1:$NG_PORT$p"
    ngz="http://127.0.0.1:$NGZ_PORT$p"
    static=0
    case "$p" in /static/*) static=1 ;; esac

    SRV_PID=$AW_PID
    wrk_run "aw-id$p" awareday identity "$aw"
    AW_RSS_SERIES+=("$(status_kb "$AW_PID" VmRSS)")
    ROWS+=("| \`$p\` | awareday | identity $ROW_TAIL | | |")
    SRV_PID=$NG_PID
    wrk_run "ng-id$p" nginx "identity (file)" "$ng"
    ROWS+=("| \`$p\` | nginx | identity (file) $ROW_TAIL | $(ratios "aw-id$p" "ng-id$p") |")

    if [ "$static" = 1 ]; then aw_enc="gzip (precompressed at start)"; else aw_enc="gzip (level 6, per request)"; fi
    SRV_PID=$AW_PID
    wrk_run "aw-gz$p" awareday "$aw_enc" "$aw" 'Accept-Encoding: gzip'
    AW_RSS_SERIES+=("$(status_kb "$AW_PID" VmRSS)")
    ROWS+=("| \`$p\` | awareday | $aw_enc $ROW_TAIL | | |")
    SRV_PID=$NG_PID
    if [ "$static" = 0 ]; then
        wrk_run "ngz-gz$p" nginx "gzip (level 6, on the fly)" "$ngz" 'Accept-Encoding: gzip'
        ROWS+=("| \`$p\` | nginx | gzip (level 6, on the fly) $ROW_TAIL | $(ratios "aw-gz$p" "ngz-gz$p") |")
    fi
    wrk_run "ng-gz$p" nginx "gzip_static (same .gz bytes)" "$ng" 'Accept-Encoding: gzip'
    ROWS+=("| \`$p\` | nginx | gzip_static (same .gz bytes) $ROW_TAIL | $(ratios "aw-gz$p" "ng-gz$p") |")
done

AW_RSS_END=$(status_kb "$AW_PID" VmRSS)
AW_HWM=$(status_kb "$AW_PID" VmHWM)
AW_THREADS_END=$(status_kb "$AW_PID" Threads)
NG_RSS_END=$(nginx_kb "$NG_PID" VmRSS)
NG_HWM=$(nginx_kb "$NG_PID" VmHWM)
AW_PSS_END=$(status_kb "$AW_PID" Pss)
NG_PSS_END=$(nginx_kb "$NG_PID" Pss)
NG_PROCS=$((1 + $(pgrep -P "$NG_PID" | wc -l)))
AW_LOG_PROBLEMS=$(grep -cE ' (warn|error) ' "$T/raw/awareday.stderr" || true)
cp "$T/raw/awareday.stderr" "$T/raw/awareday-logoff.stderr"

# Access log on: the same server, restarted with the log to stderr, stderr to a file.
log "restarting awareday with the access log on (stderr to a file)"
stop_pid "$AW_PID" 30
start_awareday - "$T/awareday.conf" "$T/raw/awareday-logon.stderr"
SRV_PID=$AW_PID
wrk_run "aw-log/en/" awareday "identity, access log on" "http://127.0.0.1:$AW_PORT/en/"
ROWS_LOG="| \`/en/\` | awareday, access log on | identity $ROW_TAIL | $(ratios "aw-log/en/" "aw-id/en/") |"
LOG_REQS=$WRK_REQS
LOG_LINES=$(grep -c '"GET ' "$T/raw/awareday-logon.stderr" || true)
[ "$LOG_LINES" -gt 0 ] || LOG_LINES=$(wc -l <"$T/raw/awareday-logon.stderr")
LOG_BYTES=$(stat -c %s "$T/raw/awareday-logon.stderr")
AW_LOG_HWM=$(status_kb "$AW_PID" VmHWM)
stop_pid "$AW_PID" 30
stop_pid "$NG_PID" 10

# --- instructions per request (callgrind) -------------------------------------------------------

CG_TEXT=
if [ "$CALLGRIND" = 1 ]; then
    printf 'threads = 1\n' >"$T/awareday-cg.conf"
    cg_run() { # name requests [header] -> CG_IR (no subshell: PIDS and CMDS must persist)
        local name=$1 n=$2 hdr=${3:-} pid port out args=() codes
        port=$(free_port)
        out=$T/raw/callgrind.$name.out
        note_cmd AWAREDAY_ACCESS_LOG=off valgrind --tool=callgrind --callgrind-out-file="$out" \
            "$BIN" serve --config "$T/awareday-cg.conf" --db "$DB" --listen "127.0.0.1:$port"
        AWAREDAY_ACCESS_LOG=off timeout -k 5 300 valgrind --tool=callgrind --callgrind-out-file="$out" \
            --log-file="$T/raw/valgrind.$name.log" \
            "$BIN" serve --config "$T/awareday-cg.conf" --db "$DB" --listen "127.0.0.1:$port" \
            2>"$T/raw/cg.$name.stderr" &
        pid=$!
        PIDS+=("$pid")
        wait_for_line "$T/raw/cg.$name.stderr" "listening on" 120 "$pid"
        if [ "$n" -gt 0 ]; then
            for _ in $(seq "$n"); do args+=(-o /dev/null "http://127.0.0.1:$port$CG_PAGE"); done
            [ -n "$hdr" ] && args=(-H "$hdr" "${args[@]}")
            note_cmd curl -s -w "'%{http_code}\n'" ${hdr:+-H "'$hdr'"} "-o /dev/null http://127.0.0.1:$port$CG_PAGE   # x $n, one keep-alive connection"
            codes=$(curl -s --max-time 240 -w '%{http_code}\n' "${args[@]}" | grep -c '^200$' || true)
            [ "$codes" = "$n" ] || log "callgrind $name: $codes of $n requests answered 200"
        fi
        stop_pid "$pid" 120
        CG_IR=$(awk '/^(totals|summary):/ { print $2; exit }' "$out")
        [ -n "$CG_IR" ] || { log "callgrind $name: no totals in $out"; cat "$T/raw/valgrind.$name.log" >&2; exit 1; }
    }
    log "callgrind: startup + shutdown only"
    cg_run none 0
    IR0=$CG_IR
    log "callgrind: $CALLGRIND_REQUESTS x $CG_PAGE identity"
    cg_run identity "$CALLGRIND_REQUESTS"
    IRI=$CG_IR
    log "callgrind: $CALLGRIND_REQUESTS x $CG_PAGE gzip"
    cg_run gzip "$CALLGRIND_REQUESTS" 'Accept-Encoding: gzip'
    IRG=$CG_IR
    per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.0f", (a - b) / n }'; }
    fmt() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
    TOP=$(callgrind_annotate --inclusive=no "$T/raw/callgrind.identity.out" 2>/dev/null |
        awk '/\([ 0-9.]+%\)/ && !/PROGRAM TOTALS/ && n < 12 { print; n++ }' |
        sed -E 's/ \[[^]]*\]$//; s/ [^ ]*:([^ :]+)$/ \1/')
    CG_TEXT=$(
        cat <<EOF
## Instructions per request (callgrind)

\`$CG_PAGE\`, awareday with threads = 1 under \`valgrind --tool=callgrind\`, $CALLGRIND_REQUESTS
requests on one keep-alive connection (curl). Per request = (Ir of the run - Ir of a run with
0 requests) / $CALLGRIND_REQUESTS; the 0-request run is startup + shutdown.

| run | Ir total | Ir per request |
|---|---:|---:|
| startup + shutdown, 0 requests | $(fmt "$IR0") | |
| $CALLGRIND_REQUESTS requests, identity | $(fmt "$IRI") | $(fmt "$(per "$IRI" "$IR0" "$CALLGRIND_REQUESTS")") |
| $CALLGRIND_REQUESTS requests, gzip | $(fmt "$IRG") | $(fmt "$(per "$IRG" "$IR0" "$CALLGRIND_REQUESTS")") |

Top functions by own instructions, identity run (startup included):

\`\`\`
$TOP
\`\`\`
EOF
    )
fi

# --- report --------------------------------------------------------------------------------------

{
    echo "# awareday vs nginx, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $NPROC cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
        "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM," \
        "$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null), kernel $(uname -r)."
    vers="awareday $("$BIN" --version 2>&1 | head -1 | awk '{ print $NF }'), $(nginx -v 2>&1 | sed 's/.*: //')"
    vers="$vers, wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }'), $(curl --version | awk 'NR == 1 { print $1 " " $2 }')"
    [ "$CALLGRIND" = 1 ] && vers="$vers, $(valgrind --version)"
    echo "Versions: $vers."
    echo "Settings: wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s --latency after a ${WARMUP}s" \
        "warm-up (same settings); awareday threads = $NPROC, access log off; nginx" \
        "worker_processes $NPROC, access_log off, sendfile on, keep-alive. Everything on 127.0.0.1," \
        "wrk on the same $NPROC cores as the servers. Machine ${IDLE_BEFORE} % busy in a 2 s sample before the run."
    echo
    echo "## Throughput and latency"
    echo
    echo "errors = wrk's \"Non-2xx or 3xx responses\" / socket errors (connect+read+write+timeout)." \
        "server CPU µs/req = user+system CPU time of the server's processes during the measured run" \
        "÷ requests (less sensitive than requests/s to whatever else runs on the machine);" \
        "machine busy = share of all $NPROC cores not idle during the run (wrk included);" \
        "others = what is left of it after the server's and wrk's CPU time (other processes," \
        "unattributed kernel work): a row with a high figure was disturbed." \
        "awareday/nginx req/s = awareday's requests/s for the same page and encoding ÷ this nginx row's;" \
        "awareday/nginx CPU = this nginx row's CPU per request ÷ awareday's (below 1: awareday costs more)."
    echo
    echo "| page | server | encoding | requests/s | p50 | p99 | transfer/s | errors | server CPU µs/req | machine busy | others | awareday/nginx req/s | awareday/nginx CPU |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo "$ROWS_LOG"
    echo
    echo "Last row: awareday restarted with \`AWAREDAY_ACCESS_LOG=-\` (stderr, redirected to a file):" \
        "$LOG_LINES access-log lines ($LOG_BYTES bytes) for the $LOG_REQS responses wrk counted" \
        "(warm-up + run); its ratios compare it with the access-log-off row of \`/en/\` (req/s: on ÷ off; CPU: off ÷ on)."
    echo
    echo "## Bytes per response"
    echo
    echo "| page | body identity | body gzip (awareday, = nginx gzip_static) | body gzip (nginx on the fly) | awareday headers | nginx headers |"
    echo "|---|---:|---:|---:|---:|---:|"
    for p in "${PAGES[@]}"; do
        echo "| \`$p\` | ${SIZE_ID[$p]} | ${SIZE_GZ[$p]} | ${SIZE_NGZ[$p]:--} | ${HDR_AW[$p]} | ${HDR_NG[$p]} |"
    done
    echo
    echo "## Memory"
    echo
    echo "| | awareday | nginx (master + $((NG_PROCS - 1)) workers) |"
    echo "|---|---:|---:|"
    echo "| RSS idle, after start | $AW_RSS_IDLE kB | $NG_RSS_IDLE kB |"
    echo "| RSS after all runs | $AW_RSS_END kB | $NG_RSS_END kB |"
    echo "| PSS after all runs (shared pages split between processes) | $AW_PSS_END kB | $NG_PSS_END kB |"
    echo "| peak RSS (VmHWM) | $AW_HWM kB | $NG_HWM kB (sum of the processes' peaks) |"
    echo "| threads / processes | $AW_THREADS_IDLE threads idle, $AW_THREADS_END after | $NG_PROCS processes |"
    echo
    echo "awareday RSS after each of its runs (kB): ${AW_RSS_SERIES[*]}; peak RSS of the" \
        "access-log-on instance: $AW_LOG_HWM kB. warn/error lines in awareday's log: $AW_LOG_PROBLEMS." \
        "Total wrk errors over all runs: $TOTAL_ERRORS."
    echo
    [ -n "$CG_TEXT" ] && { echo "$CG_TEXT"; echo; }
    echo "## Commands"
    echo
    echo '```sh'
    printf '%s\n' "${CMDS[@]}"
    echo '```'
    echo
    echo "nginx configuration (generated; \$T is the script's temporary directory):"
    echo
    echo '```nginx'
    sed "s|$T|\$T|g" "$T/nginx/nginx.conf" | grep -v '^$'
    echo '```'
} | sed "s|$T|\$T|g"
log "done"
