#!/usr/bin/env python3
"""migrate_data.py: `awareday migrate-data` moves the demo site SQLite -> PostgreSQL -> SQLite.

    tests/cli/migrate_data.py --bin build/awareday --pg DIR

DIR: a cluster that scripts/pg.sh started (ctest's fixture pg). Checks: both hops exit 0 and say
the two databases hold the same rows; the SQLite file at the end holds, table by table, exactly
the rows of the one at the start (read here with Python's sqlite3, independently of awareday);
a destination that is not empty is refused (exit 1, nothing written); ids go on after the
copied ones on PostgreSQL (a new account gets a new id). Output: "ok N - name" / "not ok N -
name: reason", then "N passed, M failed"."""

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "http"))
from awtest import Fail, check, expect, expect_eq, run_checks  # noqa: E402

PASSWORD = "correct horse battery staple"


class S:
    bin = pg = tmp = a = b = url = None


def aw(*args, stdin=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWAREDAY_")}
    env.update({"XDG_CONFIG_HOME": S.tmp, "XDG_DATA_HOME": S.tmp})
    r = subprocess.run([S.bin] + list(args), input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=120)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def createdb(name):
    r = subprocess.run([os.path.join(HERE, "..", "..", "scripts", "pg.sh"), "createdb", S.pg,
                        name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    if r.returncode != 0:
        raise Fail("pg.sh createdb: %s" % r.stdout.decode())
    return r.stdout.decode().strip().splitlines()[-1]


def dump(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table' "
                                            "AND name NOT LIKE 'sqlite%' ORDER BY name")]
        return {t: sorted(con.execute('SELECT * FROM "%s"' % t).fetchall(), key=repr)
                for t in tables if t != "schema_version"}
    finally:
        con.close()


@check("set-up: the demo site and an account in a SQLite file")
def _():
    rc, out, err = aw("init", "--demo", "--db", S.a)
    expect(rc == 0, "init: %s" % err[-300:])
    rc, out, err = aw("user", "add", "admin@example.org", "--role", "admin", "--db", S.a,
                      stdin=(PASSWORD + "\n").encode())
    expect(rc == 0, "user add: %s" % err[-300:])


@check("SQLite -> PostgreSQL: exit 0, the same rows in both")
def _():
    S.url = createdb("migrated_%d" % os.getpid())
    rc, out, err = aw("migrate-data", "--from", S.a, "--to", S.url)
    expect_eq(rc, 0, "exit status (%s)" % err.strip()[-300:])
    expect("the same in both" in out, "output %r" % out)


@check("PostgreSQL -> SQLite: exit 0, the same rows in both")
def _():
    rc, out, err = aw("migrate-data", "--from", S.url, "--to", S.b)
    expect_eq(rc, 0, "exit status (%s)" % err.strip()[-300:])
    expect("the same in both" in out, "output %r" % out)


@check("the SQLite file at the end holds exactly the rows of the one at the start")
def _():
    a, b = dump(S.a), dump(S.b)
    expect_eq(sorted(b), sorted(a), "tables")
    for t in a:
        expect(a[t] == b[t], "table %s: %d rows against %d, or different values"
               % (t, len(a[t]), len(b[t])))
    expect(sum(len(v) for v in a.values()) > 400, "the demo site looks empty")


@check("a destination that is not empty is refused: exit 1, the reason, nothing written")
def _():
    before = dump(S.b)
    rc, out, err = aw("migrate-data", "--from", S.a, "--to", S.b)
    expect_eq(rc, 1, "exit status")
    expect("not empty" in err, "message %r" % err)
    expect(dump(S.b) == before, "the destination changed")


@check("on PostgreSQL after the copy, new rows get new ids (a second account)")
def _():
    rc, out, err = aw("user", "add", "moderator@example.org", "--role", "moderator", "--db",
                      S.url, stdin=(PASSWORD + "\n").encode())
    expect_eq(rc, 0, "user add (%s)" % err.strip()[-300:])
    rc, out, err = aw("user", "list", "--db", S.url)
    expect(rc == 0 and "admin@example.org" in out and "moderator@example.org" in out,
           "user list: %r %r" % (out, err))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--pg", required=True, metavar="DIR")
    args = ap.parse_args()
    S.bin, S.pg = os.path.abspath(args.bin), args.pg
    with tempfile.TemporaryDirectory(prefix="aw-migrate-") as tmp:
        S.tmp = tmp
        S.a, S.b = os.path.join(tmp, "a.db"), os.path.join(tmp, "b.db")
        return run_checks([("bin", S.bin)], "")


if __name__ == "__main__":
    sys.exit(main())
