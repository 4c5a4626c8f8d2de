#!/usr/bin/env python3
"""upgrade.py: a database made before the vocabularies (schema 4) upgrades with `awareday init`
and keeps every row and what it meant (sql/sqlite/005_vocabularies.sql).

    tests/cli/upgrade.py --bin build/awareday

The schema-4 database is made here with Python's sqlite3 from sql/sqlite/001..004, independently
of awareday, with an organisation of each kind used, a tool with its languages and an activity
with kinds and audiences. `awareday init` must then: apply 005 (which rebuilds the tables of
organisations and tools, whose CHECK constraints listed the kinds), keep every row, including the
tool's languages (a rebuild with foreign keys on would cascade-delete them), leave no dangling
foreign key, turn every code in use into a term (coe_body with the organiser flag), and add the
shipped terms and labels. Output: "ok N - name" / "not ok N - name: reason", then
"N passed, M failed"."""

import argparse
import glob
import os
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(HERE, "..", "http"))
from awtest import check, expect, expect_eq, run_checks  # noqa: E402


class S:
    bin = db = None
    init = None


def make_v4(path):
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = ON")
    for f in sorted(glob.glob(os.path.join(SRC, "sql", "sqlite", "00[1-4]_*.sql"))):
        with open(f, encoding="utf-8") as fh:
            con.executescript(fh.read())
        n = int(os.path.basename(f)[:3])
        con.execute("INSERT INTO schema_version VALUES (?, '2026-01-01T00:00:00Z')", (n,))
    con.executescript("""
        INSERT INTO countries (code, name_en) VALUES ('BE', 'Belgium');
        INSERT INTO editions (id, year, number) VALUES (1, 2017, 3);
        INSERT INTO organisations (id, slug, name, kind, country_code)
            VALUES (1, 'child-focus', 'Child Focus', 'ngo', 'BE'),
                   (2, 'lanzarote-committee', 'Lanzarote Committee', 'coe_body', NULL);
        INSERT INTO activities (id, slug, edition_id, org_id, country_code, title, status,
                                created_at, updated_at)
            VALUES (1, 'talk', 1, 1, 'BE', 'Talk', 'published', 'x', 'x');
        INSERT INTO activity_kinds VALUES (1, 0, 'workshop');
        INSERT INTO activity_audiences VALUES (1, 0, 'parents');
        INSERT INTO tools (id, edition_id, kind, title) VALUES (1, 1, 'banner', 'Banner');
        INSERT INTO tool_languages VALUES (1, 0, 'en'), (1, 1, 'fr');
        INSERT INTO documents (id, edition_id, org_id, kind, title)
            VALUES (1, 1, 2, 'opinion', 'An opinion');
    """)
    con.commit()
    con.close()


def q(sql, *args):
    con = sqlite3.connect(S.db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


@check("awareday init upgrades a schema-4 database")
def _():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWAREDAY_")}
    env["XDG_CONFIG_HOME"] = os.path.dirname(S.db)
    r = subprocess.run([S.bin, "init", "--db", S.db], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, env=env, timeout=120)
    out = r.stdout.decode("utf-8", "replace")
    expect_eq(r.returncode, 0, "exit status (%s)" % out[-500:])
    expect_eq(q("SELECT MAX(version) FROM schema_version"), [(5,)], "schema version")


@check("every row is kept, the tool's languages too")
def _():
    expect_eq(q("SELECT id, kind FROM organisations ORDER BY id"), [(1, "ngo"), (2, "coe_body")],
              "organisations")
    expect_eq(q("SELECT id, kind, title FROM tools"), [(1, "banner", "Banner")], "tools")
    expect_eq(q("SELECT language FROM tool_languages ORDER BY position"), [("en",), ("fr",)],
              "tool languages")
    expect_eq(q("SELECT org_id FROM activities"), [(1,)], "activity")
    expect_eq(q("SELECT org_id FROM documents"), [(2,)], "document")


@check("no dangling foreign key, an intact file")
def _():
    expect_eq(q("PRAGMA foreign_key_check"), [], "foreign_key_check")
    expect_eq(q("PRAGMA integrity_check"), [("ok",)], "integrity_check")


@check("every code in use is a term; coe_body is the organiser's")
def _():
    for lst, code in [("org_kind", "ngo"), ("org_kind", "coe_body"),
                      ("activity_kind", "workshop"), ("audience", "parents"),
                      ("tool_kind", "banner"), ("document_kind", "opinion")]:
        expect(q("SELECT 1 FROM vocabulary WHERE list = ? AND code = ?", lst, code),
               "%s %s is not a term" % (lst, code))
    expect_eq(q("SELECT organiser FROM vocabulary WHERE list = 'org_kind' AND code = 'coe_body'"),
              [(1,)], "organiser flag")


@check("the shipped terms and labels are added, the seeded terms labelled")
def _():
    expect(q("SELECT 1 FROM vocabulary WHERE list = 'audience' AND code = 'survivors'"),
           "the shipped term survivors is missing")
    expect_eq(q("SELECT label FROM vocabulary_labels WHERE list = 'org_kind' AND code = 'ngo' "
                "AND lang = 'en'"), [("Non-governmental organisation",)], "label of ngo")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    args = ap.parse_args()
    S.bin = os.path.abspath(args.bin)
    with tempfile.TemporaryDirectory(prefix="aw-upgrade-") as tmp:
        S.db = os.path.join(tmp, "v4.db")
        make_v4(S.db)
        return run_checks((("--bin", S.bin),), "--bin build/awareday")


if __name__ == "__main__":
    sys.exit(main())
