#!/usr/bin/env bash
# lint.sh: the checks a compiler does not make (curl's checksrc.pl in spirit).
#   format   every *.c / *.h under src/ include/ tests/ is clang-formatted (.clang-format)
#   banned   no sprintf strcpy strcat strtok atoi gets calls in src/ include/ tests/
#            (snprintf, vsnprintf, asprintf, vasprintf are fine)
#   sql      no SQL text in src/ outside src/store/ (SQL lives in src/store/ and sql/)
#   driver   no sqlite3_ call in src/ outside src/store/sql_sqlite.c, no libpq (PQ...) outside
#            src/store/sql_pg.c: a database engine's API only in its driver
#   tx       no transaction opened outside the domain layer and the store: aw_store_begin,
#            aw_store_commit, aw_store_rollback only in src/domain/, src/load/ (the loaders and
#            the bulk import, one unit of work per file) and src/store/ (the web handlers and
#            the command line call a command of include/aw/domain.h or load.h)
#   html     markup only from literals and the Markdown renderer: aw_html__literal() called only
#            through AW_HTML_LIT (include/aw/html.h), struct aw_html defined only in src/html/
#   lang     the thread's language is set and reset in one place: aw_i18n_use only in
#            src/app/app_i18n.c and src/app/app.c (the wrapper around every handler)
#   url      no link printed by hand in src/app/ or src/domain/ (a "/%s/..." format): links come
#            from the route table (aw_page_url / aw_url in src/app/routes.c, reverse routing)
#   output   no libuv (uv_*) outside src/http/, and no writing to standard output
#            (printf, puts, write(1, ...), fprintf(stdout, ...)) in src/ outside src/http/ and
#            the command line (src/main.c, src/cli/): nothing but the output module writes response bytes
# Prints each violation as FILE:LINE: rule: text and exits 1 if there is any.
# A line that must break a rule on purpose says so with a comment containing "lint-allow: RULE"
# (format cannot be waived that way: use // clang-format off/on).
set -euo pipefail
shopt -s lastpipe # `... | report RULE` counts in this shell
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

violations=0

# report RULE: reads grep -n output (FILE:LINE:TEXT) and prints it with the rule name, skipping
# lines that waive the rule.
report() {
    local rule=$1 line file rest
    while IFS= read -r line; do
        case "$line" in
        *"lint-allow: $rule"*) continue ;;
        esac
        file=${line%%:*}
        rest=${line#*:}
        echo "$file:${rest%%:*}: $rule: $(printf '%s' "${rest#*:}" | sed -E 's/^[[:space:]]+//')"
        violations=$((violations + 1))
    done
}

# C sources under the given directories (never node_modules, build trees or test data).
c_files() {
    find "$@" -type d \( -name node_modules -o -name 'build*' -o -name corpus \) -prune -o \
        -type f \( -name '*.c' -o -name '*.h' \) -print 2>/dev/null | sort
}

mapfile -t all_c < <(c_files src include tests)

# (a) format
if ! command -v clang-format >/dev/null 2>&1; then
    echo "lint: clang-format not found (run scripts/setup.sh)" >&2
    exit 2
fi
for f in "${all_c[@]}"; do
    if ! out=$(clang-format --dry-run --Werror "$f" 2>&1); then
        # One line per place clang-format would change, as FILE:LINE:COL.
        lines=$(printf '%s\n' "$out" | grep -E '^[^ ]+:[0-9]+:[0-9]+: error' |
            sed -E 's/^([^:]+):([0-9]+):[0-9]+: error: .*/\1:\2:code should be clang-formatted/' ||
            true)
        [ -n "$lines" ] || lines="$f:1:clang-format failed: $(printf '%s' "$out" | head -n 1)"
        printf '%s\n' "$lines" | report format
    fi
done

# (b) banned functions: a call (or declaration) of the name itself; \b keeps snprintf,
# vsnprintf, asprintf, vasprintf and strtok_r out.
if [ "${#all_c[@]}" -gt 0 ]; then
    grep -nHE '\b(sprintf|strcpy|strcat|strtok|atoi|gets)[[:space:]]*\(' "${all_c[@]}" |
        report banned || true
fi

# (c) SQL outside the store
mapfile -t non_store < <(c_files src | grep -v '^src/store/' || true)
if [ "${#non_store[@]}" -gt 0 ]; then
    grep -nHE 'SELECT |INSERT INTO|UPDATE .* SET|DELETE FROM' "${non_store[@]}" |
        report sql || true
fi

# (c2) a database engine's API outside its driver (src/store/sql.h): sqlite3_ only in
# src/store/sql_sqlite.c, libpq (PQ...) only in its own driver
mapfile -t non_sqlite < <(c_files src | grep -vx 'src/store/sql_sqlite.c' || true)
if [ "${#non_sqlite[@]}" -gt 0 ]; then
    grep -nHE '\bsqlite3_[a-z0-9_]+[[:space:]]*\(|<sqlite3.h>|\bsqlite3_stmt\b' "${non_sqlite[@]}" |
        report driver || true
fi
mapfile -t non_pg < <(c_files src | grep -vx 'src/store/sql_pg.c' || true)
if [ "${#non_pg[@]}" -gt 0 ]; then
    grep -nHE '\bPQ[a-z][A-Za-z]*[[:space:]]*\(|<libpq-fe.h>|\bPGresult\b|\bPGconn\b' "${non_pg[@]}" |
        report driver || true
fi

# (c3) transactions only in the domain layer (src/domain/, src/load/) and the store itself
mapfile -t non_domain < <(c_files src | grep -vE '^src/(domain|load|store)/' || true)
if [ "${#non_domain[@]}" -gt 0 ]; then
    grep -nHE '\baw_store_(begin|begin_nondurable|commit|rollback)[[:space:]]*\(' "${non_domain[@]}" |
        report tx || true
fi

# (c5) trusted markup is made in src/html/ only
mapfile -t non_html < <(c_files src include tests | grep -vE '^src/html/' || true)
if [ "${#non_html[@]}" -gt 0 ]; then
    grep -nHE 'aw_html__literal[[:space:]]*\(|struct aw_html[[:space:]]*\{' "${non_html[@]}" |
        grep -v '^include/aw/html.h:[0-9]*:#define AW_HTML_LIT' |
        grep -v '^include/aw/html.h:[0-9]*:const struct aw_html \*aw_html__literal' | report html || true
fi

# (c6) the language wrapper is the only place that switches the thread's language
mapfile -t non_i18n < <(c_files src | grep -vxE 'src/app/app_i18n.c|src/app/app.c' || true)
if [ "${#non_i18n[@]}" -gt 0 ]; then
    grep -nHE '\baw_i18n_use[[:space:]]*\(' "${non_i18n[@]}" | report lang || true
fi

# (c4) links from the route table, not printed by hand
mapfile -t linkers < <(c_files src/app src/domain || true)
if [ "${#linkers[@]}" -gt 0 ]; then
    grep -nHE '"/%s(/|")' "${linkers[@]}" | report url || true
fi

# (d) output outside the output module
mapfile -t non_http < <(c_files src | grep -v '^src/http/' || true)
if [ "${#non_http[@]}" -gt 0 ]; then
    grep -nHE '\buv_[a-z_]+[[:space:]]*\(|<uv.h>' "${non_http[@]}" | report output || true
    mapfile -t handlers < <(printf '%s\n' "${non_http[@]}" | grep -vxE 'src/main.c|src/cli/.*' || true)
    if [ "${#handlers[@]}" -gt 0 ]; then
        grep -nHE '(^|[^[:alnum:]_])(printf|vprintf|puts|putchar)[[:space:]]*\(|\bwrite[[:space:]]*\([[:space:]]*(1|STDOUT_FILENO)[[:space:]]*,|\b(fprintf|vfprintf|fputs|fputc|putc|fwrite|fflush)[[:space:]]*\(([^;]*,)?[[:space:]]*stdout[[:space:]]*[,)]' \
            "${handlers[@]}" | report output || true
    fi
fi

if [ "$violations" -gt 0 ]; then
    echo "lint: $violations violation(s)"
    exit 1
fi
echo "lint: OK (${#all_c[@]} files)"
