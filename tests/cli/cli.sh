#!/usr/bin/env bash
# cli.sh BIN: the command line as a person uses it: help everywhere, settings
# from file < environment < flags, check-config naming file and line, init
# creating and re-running without duplicates, serve refusing a missing
# database, user add with the mailer's address rule and '--' before an EMAIL
# that starts with '-', refused arguments named as typed. Prints ok/not ok
# lines and "N passed, M failed".
#
# cli.sh BIN --pg DIR: the commands that use a database (init --demo, user, import) run again on
# fresh databases of the PostgreSQL cluster in DIR (scripts/pg.sh), counted with psql.
set -u
bin=$1
pgdir=
[ "${2:-}" = "--pg" ] && pgdir=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# newdb NAME: where a command's database goes (a file, or a fresh PostgreSQL database)
newdb() {
    if [ -n "$pgdir" ]; then
        bash "$root/scripts/pg.sh" createdb "$pgdir" "cli_$$_$1"
    else
        echo "$tmp/$1.db"
    fi
}
# q DB SQL: the one value a query gives
q() {
    if [ -n "$pgdir" ]; then psql "$1" -X -A -t -c "$2"; else sqlite3 "$1" "$2"; fi
}
# Nothing from the caller's environment or home may change the results.
unset AWAREDAY_DB AWAREDAY_LISTEN AWAREDAY_CONFIG AWAREDAY_LOG_LEVEL AWAREDAY_ACCESS_LOG
export HOME=$tmp/home XDG_DATA_HOME=$tmp/data XDG_CONFIG_HOME=$tmp/config
pass=0 fail=0 n=0
check() { # check NAME COMMAND... ; the command's status decides
    n=$((n + 1))
    local name=$1
    shift
    if "$@" >"$tmp/out" 2>&1; then
        pass=$((pass + 1)); echo "ok $n - $name"
    else
        fail=$((fail + 1)); echo "not ok $n - $name"; sed 's/^/#   /' "$tmp/out" | head -20
    fi
}
out_has() { "${@:2}" 2>&1 | grep -q -- "$1"; }
status_is() { local want=$1; shift; "$@" >/dev/null 2>&1; [ $? -eq "$want" ]; }

check "help lists the commands" out_has "check-config" "$bin" --help
for c in init serve check-config; do
    check "$c --help exits 0 and shows usage" out_has "Usage: awareday $c" "$bin" $c --help
done
check "--version" out_has "awareday 0." "$bin" --version
check "unknown command exits 2" status_is 2 "$bin" frobnicate
check "unknown option exits 2" status_is 2 "$bin" init --nope
check "no command exits 2 with usage" status_is 2 "$bin"

check "check-config OK with defaults" out_has "configuration OK" "$bin" check-config
printf '# comment\n\nlisten = 127.0.0.1:9000\nmax_body_bytes = 12\nthreads = many\n' >"$tmp/bad.conf"
check "check-config names file and line of a bad value" \
    out_has "$tmp/bad.conf:5: threads: expected a whole number" "$bin" check-config --config "$tmp/bad.conf"
check "check-config with a bad file exits 1" status_is 1 "$bin" check-config --config "$tmp/bad.conf"
printf 'colour = blue\n' >"$tmp/unknown.conf"
check "check-config names an unknown setting" \
    out_has "unknown.conf:1: unknown setting \"colour\"" "$bin" check-config --config "$tmp/unknown.conf"
printf 'listen = 127.0.0.1:9000\n' >"$tmp/good.conf"
check "file value is used" out_has "listen = 127.0.0.1:9000" \
    "$bin" check-config --config "$tmp/good.conf" --print
check "environment wins over the file" out_has "listen = 127.0.0.1:9001" \
    env AWAREDAY_LISTEN=127.0.0.1:9001 "$bin" check-config --config "$tmp/good.conf" --print
check "bad environment value is named" out_has "AWAREDAY_LISTEN" \
    env AWAREDAY_LISTEN=nonsense "$bin" check-config
mkdir -p "$tmp/config/awareday" && printf 'log_level = warn\n' >"$tmp/config/awareday/awareday.conf"
check "default config file is read" out_has "log_level = warn" "$bin" check-config --print
check "default database lives in the user's data directory" \
    out_has "db = $tmp/data/awareday/awareday.db" "$bin" check-config --print

check "serve refuses a missing database" \
    out_has "no database at $tmp/none.db" "$bin" serve --db "$tmp/none.db" --listen 127.0.0.1:0
check "serve refuses a bad --listen" out_has "listen: expected ADDR:PORT" \
    "$bin" serve --db "$tmp/none.db" --listen nowhere
check "init creates the default database" out_has "database ready: $tmp/data/awareday/awareday.db" "$bin" init
d=$(newdb d)
check "init --demo loads the demo" out_has "demo data loaded" "$bin" init --demo --db "$d"
check "init --demo again succeeds (updates in place)" "$bin" init --demo --db "$d"
check "re-running init duplicates nothing" test "$(q "$d" 'select count(*) from activities')" = 35
# user add: the mailer's address rule, and an EMAIL that starts with '-'
db=$(newdb u)
"$bin" init --db "$db" >/dev/null 2>&1
pw() { printf '%s\n' 'a long passphrase' | "$bin" "$@"; }
n_users() { q "$db" 'select count(*) from users'; }
check "user add refuses a non-ASCII address the mailer would refuse (exit 2)" \
    status_is 2 pw user add "ané@example.org" --role admin --db "$db"
check "user add says why a non-ASCII address is refused" \
    out_has "is not an e-mail address the mailer can send to" \
    pw user add "ana@exämple.org" --role admin --db "$db"
check "user add refuses an address with a space (exit 2)" \
    status_is 2 pw user add "ana @example.org" --role admin --db "$db"
check "user add: an EMAIL starting with '-' gets its own message naming it, not 'add'" \
    out_has "EMAIL must not start with '-' where options are read: put '--' before it, e.g. awareday user add --role ROLE -- -ana@example.org" \
    pw user add -ana@example.org --role admin --db "$db"
check "user add: the same after the options (exit 2)" \
    status_is 2 pw user add --role admin -ana@example.org --db "$db"
check "user add: '--' ends the options, the account is created" \
    out_has "account created: -ana@example.org (admin)" \
    pw user add --role admin --db "$db" -- -ana@example.org
check "user list shows it" out_has "^-ana@example.org  *admin" "$bin" user list --db "$db"
check "user disable -- EMAIL" out_has "account disabled: -ana@example.org" \
    "$bin" user disable --db "$db" -- -ana@example.org
check "user add: a bad option is named as typed" out_has "unknown option '-xyz'" \
    pw user add ana@example.org -xyz --role admin --db "$db"
check "user add: --role without a value says so" out_has "--role needs a value" \
    pw user add ana@example.org --db "$db" --role
check "import: a FILE starting with '-' is named, with the way out" \
    out_has "unknown option '-list.csv' (a FILE that starts with '-' goes after '--')" \
    "$bin" import -list.csv --db "$db"
check "init: a short option is named as typed" out_has "unknown or misplaced option '-xy'" \
    "$bin" init -xy
check "only the account made after '--' exists" test "$(n_users)" = 1
check "each account change is in the audit log, by the command line" \
    test "$(q "$db" "select count(*) from audit_log where actor = 'cli' and action in ('user_add', 'user_disable')")" = 2
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
