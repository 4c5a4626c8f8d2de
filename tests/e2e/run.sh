#!/usr/bin/env bash
# run.sh [BIN] [--pg DIR]: browser tests. Installs playwright-core and axe-core from package-lock.json when
# node_modules is missing or older than the lock (npm ci; no browser is downloaded: Debian's
# /usr/bin/chromium is used), then starts a fresh demo server with BIN (default build/awareday)
# on a free port through tests/http/run.py --exec, and runs pages.mjs against it; then the
# moderation scenario, moderation.mjs, against another fresh server with the test accounts and
# an SMTP sink (run.py --users --smtp). Both always run; the exit status is the first failing
# one's (0 when both passed). With --pg DIR, both servers run on fresh databases of the
# PostgreSQL cluster that scripts/pg.sh started in DIR.
# Screenshots land in tests/e2e/artifacts/ (gitignored).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/build/awareday}
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
db=()
if [ "${2:-}" = "--pg" ]; then
    db=(--pg "${3:?--pg needs the cluster directory}")
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -f "$here/node_modules/.package-lock.json" ] ||
    [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    echo "e2e: npm ci"
    (cd "$here" && npm ci --no-audit --no-fund)
fi
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    echo "not ok 1 - ${CHROMIUM:-/usr/bin/chromium} not found (run scripts/setup.sh)"
    echo "0 passed, 1 failed"
    exit 1
fi
mkdir -p "$here/artifacts"
rc=0
python3 "$root/tests/http/run.py" --bin "$bin" "${db[@]}" --exec node "$here/pages.mjs" || rc=$?
python3 "$root/tests/http/run.py" --bin "$bin" "${db[@]}" --users --smtp \
    --exec node "$here/moderation.mjs" || { s=$?; [ "$rc" -ne 0 ] || rc=$s; }
exit "$rc"
