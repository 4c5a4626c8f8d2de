#!/usr/bin/env bash
# validate.sh [BIN] [--pg DIR]: every page type through an HTML validator (cgit's
# t0010-validate-html.sh); with --pg DIR, the server runs on a fresh database of the PostgreSQL
# cluster that scripts/pg.sh started in DIR.
# Starts a fresh demo server with BIN (default build/awareday) through tests/http/run.py --dump,
# which saves the body of each page type (home, editions, the 2017 edition, a country, an
# activity, an organisation, help, help for a country and the 404 page), checks each page's
# status, then runs Debian's tidy (HTML5 from the doctype) on it. Errors and warnings both
# fail, except the allowlist below. Prints "ok N - page" / "not ok N - page" and closes with
# "N passed, M failed"; exits 1 on any failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/awareday}
db=()
if [ "${2:-}" = "--pg" ]; then
    db=(--pg "${3:?--pg needs the cluster directory}")
fi

# tidy 5.6 (Debian 12) predates parts of HTML5 and ARIA 1.1+. These warnings are false
# positives for valid documents, and only these are ignored:
#   aria-current                 ARIA 1.1 state (the current page in a navigation)
#   autocomplete on select/textarea, inputmode, enterkeyhint   HTML5 form attributes
#   loading, decoding, fetchpriority                           HTML5 attributes of img
ALLOW='proprietary attribute "(aria-current|autocomplete|inputmode|enterkeyhint|loading|decoding|fetchpriority)"'

if ! command -v tidy >/dev/null 2>&1; then
    echo "not ok 1 - tidy is not installed (run scripts/setup.sh)"
    echo "0 passed, 1 failed"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/awareday-validate-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

dump_rc=0
python3 "$here/../http/run.py" --bin "$bin" "${db[@]}" --dump "$tmp/pages" || dump_rc=$?

n=0
failed=0
if [ ! -f "$tmp/pages/pages.tsv" ]; then
    echo "not ok 1 - could not start the server or fetch the pages (see above)"
    echo "0 passed, 1 failed"
    exit 1
fi

while IFS=$'\t' read -r name want got path; do
    [ -n "$name" ] || continue
    n=$((n + 1))
    file="$tmp/pages/$name.html"
    if [ "$got" != "$want" ]; then
        echo "not ok $n - $name ($path): status $got, expected $want"
        failed=$((failed + 1))
        continue
    fi
    if [ ! -s "$file" ]; then
        echo "not ok $n - $name ($path): empty body"
        failed=$((failed + 1))
        continue
    fi
    tidy_rc=0
    out=$(tidy -q -e --show-warnings yes --drop-empty-elements no -utf8 "$file" 2>&1) || tidy_rc=$?
    problems=$(printf '%s\n' "$out" | grep -E '^line [0-9]+ column [0-9]+ - (Warning|Error)' |
        grep -vE "$ALLOW" || true)
    if [ "$tidy_rc" -gt 2 ] || { [ "$tidy_rc" -eq 2 ] && [ -z "$problems" ]; }; then
        problems="tidy exited $tidy_rc: $out"
    fi
    if [ -n "$problems" ]; then
        echo "not ok $n - $name ($path): $(printf '%s\n' "$problems" | wc -l) tidy problem(s)"
        printf '%s\n' "$problems" | sed 's/^/#   /'
        # The offending lines, for context.
        printf '%s\n' "$problems" | sed -nE 's/^line ([0-9]+) column.*/\1/p' | sort -un | head -n 5 |
            while read -r l; do
                printf '#   %s:%s: %s\n' "$name.html" "$l" "$(sed -n "${l}p" "$file" | cut -c1-160)"
            done
        failed=$((failed + 1))
    else
        echo "ok $n - $name ($path)"
    fi
done <"$tmp/pages/pages.tsv"

n=$((n + 1))
if [ "$dump_rc" -eq 0 ]; then
    echo "ok $n - server started, served every page and stopped cleanly"
else
    echo "not ok $n - server or page fetch failed (run.py --dump exited $dump_rc, see above)"
    failed=$((failed + 1))
fi

echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
