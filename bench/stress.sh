#!/usr/bin/env bash
# bench/stress.sh: awareday under hostile clients and the Day's peak, with the figures of
# issue 6: tests/stress/stress.py's three scenarios (CI runs them with small numbers) at full
# size. Prints Markdown on stdout (what each run measured, and the command), progress and the
# scenarios' own lines on stderr. docs/BENCHMARKS.md, "Hostile clients", shows a run of it.
#
#   bench/stress.sh                    # ~2.5 minutes
#   BUILD_DIR=build bench/stress.sh    # use an existing build
#
# Runs: limits at max_connections 512 and 1024 (+10 clients each); 1,000 bodies trickled at one
# byte per 2 s from 20 addresses with the default body_timeout (20 s), then 1,030 of them
# against the default max_connections (1024); 512 connections on /en/editions/2017 while a
# static file and the home page are probed. Needs wrk and python3.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [ ! -x "$BUILD_DIR/awareday" ]; then
    echo "stress.sh: building $BUILD_DIR" >&2
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD_DIR" --target awareday -j2 >/dev/null
fi
BIN=$BUILD_DIR/awareday
S="python3 $ROOT/tests/stress/stress.py --bin $BIN"

run() { # name, args...
    local name=$1
    shift
    echo "stress.sh: $name: stress.py $*" >&2
    local rc=0
    $S --json "$TMP/$name.json" "$@" >"$TMP/$name.out" 2>&1 || rc=$?
    cat "$TMP/$name.out" >&2
    {
        echo "### $name"
        echo
        echo '```'
        echo "\$ tests/stress/stress.py --bin build-bench/awareday $*"
        grep -E '^(#|ok|not ok|[0-9]+ passed)' "$TMP/$name.out"
        echo '```'
        echo
    }
    return 0
}

echo "## Hostile clients (bench/stress.sh, $(date -u +%Y-%m-%d), load before: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
run limits-512 limits --max-connections 512 --duration 8
run limits-1024 limits --max-connections 1024 --duration 8
run slowbody-1000 slowbody --conns 1000 --addrs 20 --interval 2 --body-timeout 20
run slowbody-1030-full slowbody --conns 1030 --addrs 20 --interval 2 --body-timeout 20 --max-connections 1024
run starve-512 starve --conns 512 --duration 12
