#!/usr/bin/env python3
"""import.py: `awareday import FILE [--dry-run] [--skip-invalid] [--publish]` (docs/IMPORT.md)
against a fresh demo database: a dry run reports every error with its row and column and writes
nothing; a file with an invalid row writes nothing unless --skip-invalid; valid rows land in the
moderation queue (seen by a moderator, not by the public) or, with --publish, on the public
pages; the JSON data format works too.

Run through tests/http/run.py, which makes the demo database, the test accounts and the server:

    tests/http/run.py --bin build/awareday --users --smtp --exec python3 tests/http/import.py

Environment (set by run.py): AW_BASE_URL, AW_BIN, AW_DB, AW_PASSWORD. The files imported are in
tests/http/fixtures/import/; variants (BOM and CRLF) are written to a temporary directory.
Output: "ok N - name" or "not ok N - name: reason" per check, then "N passed, M failed"."""

import csv
import html
import json
import os
import re
import shutil
import sys
import tempfile
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from awtest import (BIN, DB, MODERATOR, PASSWORD, Client, check, cli, db_one, db_rows,  # noqa: E402
                    expect, expect_eq, run_checks, visible_text)

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "import")
YEAR = 2025  # the edition the fixtures name (the newest one of data/reference/editions.csv)


def allowed(vocab_list):
    """What a message about an unknown code lists: the codes of the shipped vocabulary's terms
    in use (data/reference/vocabularies.csv), "a, b and c"."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data",
                        "reference", "vocabularies.csv")
    with open(path, newline="", encoding="utf-8") as f:
        codes = [r["code"] for r in csv.DictReader(f)
                 if r["list"] == vocab_list and r["retired"] != "yes"]
    return ", ".join(codes[:-1]) + " and " + codes[-1]


def unknown(noun, value, vocab_list):
    return 'unknown %s "%s" (expected one of %s)' % (noun, value, allowed(vocab_list))


# The broken CSV: one line per problem, exactly as the command prints them.
BROKEN_CSV_ERRORS = [
    'row 2, column start: error: expected a date YYYY-MM-DD',
    'row 3, column kinds: error: item 2: ' + unknown("kind of activity", "dance", "activity_kind"),
    'row 4, column title: error: must not be empty',
    'row 5, column online: error: expected yes or no',
    'row 5, column organisation_kind: error: ' + unknown("kind of partner", "charity", "org_kind"),
    'row 6, column submitter_email: error: expected an email address',
    'row 6, column end: error: before start (2025-11-18)',
    'row 6, column links: error: item 1 (url): expected an http(s) URL',
    'row 7, column edition_year: error: no edition 1999 in the database',
    'row 7, column organisation_country: error: unknown country ZZ (load countries.csv first)',
    'row 7, column audiences: error: item 1: ' + unknown("audience", "kids", "audience"),
    'row 8, column links: error: item 1: expected label|url',
    'row 8, column languages: error: item 2: "fr" given twice',
    'row 8, column country: error: FR is not the country of organisation Import Broken Org',
    'row 9, column -: error: expected 18 fields, found 4',
]

VALID_CSV_TITLES = ["Imported workshops for parents", "Imported webinar on online grooming",
                    "Imported poster campaign in schools"]
VALID_JSON_TITLES = ["JSON import: workshops for parents",
                     "JSON import: webinar for professionals"]
PUBLISH_TITLES = ["Published by import: helpline week",
                  "Published by import: school talks in Lyon"]


# ---------------------------------------------------------------------------------------------


def fixture(name):
    return os.path.join(FIXTURES, name)


def run_import(path, *flags):
    rc, out, err = cli("import", path, *flags)
    return types.SimpleNamespace(rc=rc, out=out, err=err)


def snapshot():
    """Everything an import may write."""
    return tuple(db_rows("SELECT * FROM %s ORDER BY 1" % t)
                 for t in ("submissions", "activities", "organisations", "audit_log",
                           "activity_kinds", "activity_audiences", "activity_languages",
                           "activity_links"))


def error_lines(out):
    return [l for l in out.splitlines() if ": error: " in l]


def describe(r):
    return "exit %d, stdout %r, stderr %r" % (r.rc, r.out[-600:], r.err[-300:])


S = types.SimpleNamespace()


def moderator():
    if not hasattr(S, "mod"):
        c = Client()
        body = c.get("/en/login").body
        m = re.search(r'name="csrf" value="([^"]*)"', body)
        expect(m, "no csrf field on /en/login")
        status = c.post("/en/login", {
            "csrf": html.unescape(m.group(1)), "email": MODERATOR, "password": PASSWORD}).status
        expect(status == 303, "sign-in of the moderator: status %d" % status)
        S.mod = c
    return S.mod


def queue_text():
    r = moderator().get("/en/moderation")
    status, body = r.status, r.body
    expect_eq(status, 200, "status of /en/moderation")
    return visible_text(body)


def public_text():
    c = Client()
    pages = ["/en/editions/%d" % YEAR, "/en/countries/BE", "/en/countries/FR"]
    return " ".join(visible_text(c.get(p).body) for p in pages)


def imported(source):
    return db_rows("SELECT id, kind, status, edition_year, country_code, title, share_id "
                   "FROM submissions WHERE source = ? ORDER BY id", source)


# ---------------------------------------------------------------------------------------------

@check("broken CSV --dry-run: one line per error naming its row and column, exit 1, "
       "nothing written")
def _():
    before = snapshot()
    r = run_import(fixture("broken.csv"), "--dry-run")
    expect(r.rc != 0, "exit status 0 for a file with errors")
    got = error_lines(r.out)
    missing = [l for l in BROKEN_CSV_ERRORS if l not in got]
    extra = [l for l in got if l not in BROKEN_CSV_ERRORS]
    expect(not missing and not extra, "missing lines %r; unexpected lines %r" % (missing, extra))
    rows = {int(m) for m in re.findall(r"^row (\d+), column ", r.out, re.M)}
    cols = set(re.findall(r"^row \d+, column ([a-z_]+): ", r.out, re.M))
    expect(len(rows) >= 5 and len(cols) >= 5, "errors in %d rows and %d columns" % (len(rows),
                                                                                   len(cols)))
    expect('row 1: would create: "Broken file: the valid row" (Import Broken Org, BE, 2025 '
           'edition)' in r.out, "the valid row is not listed: %s" % describe(r))
    expect("9 rows, 1 valid, 8 with errors" in r.out, "counts: %s" % describe(r))
    expect("nothing written" in r.out.splitlines()[-1], "last line %r" % r.out.splitlines()[-1])
    expect(snapshot() == before, "the database changed")


@check("broken CSV without --dry-run: exit 1, nothing written")
def _():
    before = snapshot()
    r = run_import(fixture("broken.csv"))
    expect_eq(r.rc, 1, "exit status (%s)" % describe(r))
    expect(all(l in error_lines(r.out) for l in BROKEN_CSV_ERRORS), "errors not all reported")
    expect("nothing written" in r.out, "the output does not say nothing was written")
    expect(snapshot() == before, "the database changed")


@check("broken CSV --skip-invalid: only the valid row is queued, exit status still not 0")
def _():
    r = run_import(fixture("broken.csv"), "--skip-invalid")
    expect(r.rc != 0, "exit status 0 although rows were invalid")
    rows = imported("import:broken.csv")
    expect_eq([(t, s) for _, _, s, _, _, t, _ in rows],
              [("Broken file: the valid row", "pending")], "submissions written")
    expect("1 queued for moderation" in r.out, "counts: %s" % describe(r))


@check("a file-level problem (unknown, duplicate, missing columns) stops everything, even "
       "with --skip-invalid")
def _():
    before = snapshot()
    r = run_import(fixture("header.csv"), "--skip-invalid")
    expect(r.rc != 0, "exit status 0")
    for line in ("colour: error: unknown column", "title: error: duplicate column",
                 "summary: error: missing column", "kinds: error: missing column",
                 "audiences: error: missing column",
                 "organisation_country: error: missing column"):
        expect(line in r.out.splitlines(), "no line %r: %s" % (line, describe(r)))
    expect(snapshot() == before, "the database changed")


@check("valid CSV --dry-run: \"would create\" for each row, exit 0, nothing written")
def _():
    before = snapshot()
    r = run_import(fixture("valid.csv"), "--dry-run")
    expect_eq(r.rc, 0, "exit status (%s)" % describe(r))
    want = ['row 1: would create: "Imported workshops for parents" (Import Test Network, BE, '
            '2025 edition)',
            'row 2: would create: "Imported webinar on online grooming" (Import Intl Alliance, '
            '2025 edition)',
            'row 3: would create: "Imported poster campaign in schools" (Import Test Network, '
            'BE, 2025 edition)']
    lines = r.out.splitlines()
    for w in want:
        expect(w in lines, "no line %r: %s" % (w, describe(r)))
    expect(not error_lines(r.out), "errors reported: %r" % error_lines(r.out))
    expect("dry run: nothing written" in r.out, "last line %r" % lines[-1])
    expect(snapshot() == before, "the database changed")


@check("valid CSV: 3 pending submissions in the queue, nothing public, an audit entry each")
def _():
    pub_before = db_one("SELECT COUNT(*) FROM activities")
    orgs_before = db_one("SELECT COUNT(*) FROM organisations")
    r = run_import(fixture("valid.csv"))
    expect_eq(r.rc, 0, "exit status (%s)" % describe(r))
    expect("3 rows, 3 valid, 0 with errors; 3 queued for moderation" in r.out,
           "counts: %s" % describe(r))
    rows = imported("import:valid.csv")
    expect_eq([(t, k, s, y, cc, sh) for _, k, s, y, cc, t, sh in rows],
              [("Imported workshops for parents", "new", "pending", YEAR, "BE", None),
               ("Imported webinar on online grooming", "new", "pending", YEAR, None, None),
               ("Imported poster campaign in schools", "new", "pending", YEAR, "BE", None)],
              "submissions (title, kind, status, year, country, share)")
    expect_eq(db_one("SELECT COUNT(*) FROM activities"), pub_before, "activities")
    expect_eq(db_one("SELECT COUNT(*) FROM organisations"), orgs_before, "organisations")
    payload = json.loads(db_one("SELECT payload FROM submissions WHERE id = ?", rows[1][0]))
    expect_eq(payload["activity"]["summary"],
              "A one-hour webinar for professionals.\n\nThe recording stays online.",
              "multi-line summary of row 2")
    expect_eq([l["label"] for l in payload["activity"]["links"]], ["Recording", "Slides"],
              "links of row 2")
    for n, (sid, *_rest) in enumerate(rows, 1):
        detail = db_one("SELECT detail FROM audit_log WHERE actor = 'import' AND action = "
                        "'import' AND object = ?", "submission:%d" % sid)
        expect(detail, "no audit entry for submission %d" % sid)
        d = json.loads(detail)
        expect_eq((d.get("file"), d.get("row")), ("valid.csv", n), "audit detail of row %d" % n)
    d = json.loads(db_one("SELECT detail FROM audit_log WHERE object = ?",
                          "submission:%d" % rows[0][0]))
    expect_eq((d.get("submitter_name"), d.get("submitter_email")),
              ("Anna Peeters", "anna.peeters@example.org"), "submitter in the audit detail")
    S.valid_csv_ids = [row[0] for row in rows]


@check("valid CSV: the moderator's queue lists the imported rows; the public pages do not")
def _():
    text = queue_text()
    for t in VALID_CSV_TITLES:
        expect(t in text, "%r not in the queue" % t)
    pub = public_text()
    for t in VALID_CSV_TITLES:
        expect(t not in pub, "%r is public" % t)


@check("valid CSV: an imported row approved in the queue is published, its organisation "
       "created once")
def _():
    ids = getattr(S, "valid_csv_ids", None)
    expect(ids, "the import check did not run")
    c = moderator()
    r = c.get("/en/moderation/%d" % ids[0])
    status, body = r.status, r.body
    expect_eq(status, 200, "status of the item page")
    token = html.unescape(re.search(r'name="csrf" value="([^"]*)"', body).group(1))
    status = c.post("/en/moderation/%d" % ids[0], [
        ("csrf", token), ("action", "approve"), ("check_child", "yes"), ("check_victim", "yes"),
        ("check_explicit", "yes"), ("check_links", "yes")]).status
    expect_eq(status, 303, "status of approve")
    expect_eq(db_one("SELECT status FROM submissions WHERE id = ?", ids[0]), "approved", "status")
    expect(VALID_CSV_TITLES[0] in public_text(), "not on the public pages after approval")
    expect_eq(db_one("SELECT COUNT(*) FROM organisations WHERE name = 'Import Test Network'"), 1,
              "organisations named Import Test Network")


@check("CSV with a byte order mark and CRLF line ends is accepted")
def _():
    tmp = tempfile.mkdtemp(prefix="aw-import-")
    try:
        with open(fixture("valid.csv"), encoding="utf-8") as f:
            text = f.read()
        path = os.path.join(tmp, "bom-crlf.csv")
        with open(path, "wb") as f:
            f.write(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
        r = run_import(path, "--dry-run")
        expect_eq(r.rc, 0, "exit status (%s)" % describe(r))
        expect(r.out.count("would create") == 3, "rows: %s" % describe(r))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@check("--publish: rows published at once, an existing organisation reused, no queue")
def _():
    cf = "Child Focus (Foundation for Missing and Sexually Exploited Children)"
    pending = db_one("SELECT COUNT(*) FROM submissions WHERE status = 'pending'")
    r = run_import(fixture("publish.csv"), "--publish")
    expect_eq(r.rc, 0, "exit status (%s)" % describe(r))
    expect("2 published" in r.out, "counts: %s" % describe(r))
    expect_eq(db_one("SELECT COUNT(*) FROM submissions WHERE status = 'pending'"), pending,
              "pending submissions")
    for t in PUBLISH_TITLES:
        expect_eq(db_one("SELECT status FROM activities WHERE title = ?", t), "published",
                  "status of %r" % t)
        aid = db_one("SELECT id FROM activities WHERE title = ?", t)
        expect(db_one("SELECT COUNT(*) FROM audit_log WHERE actor = 'import' AND object = ?",
                      "activity:%d" % aid) == 1, "no audit entry for activity %d" % aid)
    expect_eq(db_one("SELECT COUNT(*) FROM organisations WHERE name = ? AND country_code = 'BE'",
                     cf), 1, "organisations named %r" % cf)
    pub = public_text()
    for t in PUBLISH_TITLES:
        expect(t in pub, "%r not on the public pages" % t)


@check("JSON in the demo format: data/demo/2017.json --dry-run has every activity valid")
def _():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    demo = os.path.join(root, "data", "demo", "2017.json")
    with open(demo, encoding="utf-8") as f:
        n = len(json.load(f)["activities"])
    before = snapshot()
    r = run_import(demo, "--dry-run")
    expect_eq(r.rc, 0, "exit status (%s)" % describe(r))
    expect_eq(r.out.count(": would create: "), n, "rows that would be created")
    expect("%d rows, %d valid, 0 with errors" % (n, n) in r.out, "counts: %s" % describe(r))
    expect(snapshot() == before, "the database changed")


@check("JSON with errors --dry-run: row and field path of each error, nothing written")
def _():
    before = snapshot()
    r = run_import(fixture("broken.json"), "--dry-run")
    expect(r.rc != 0, "exit status 0")
    want = ["row 1, column activities[0].end: error: expected a date YYYY-MM-DD",
            "row 1, column activities[0].links[0].url: error: expected an http(s) URL",
            "row 2, column activities[1].title: error: must not be empty",
            'row 2, column activities[1].kinds[0]: error: '
            + unknown("kind of activity", "dance", "activity_kind")]
    expect_eq(sorted(error_lines(r.out)), sorted(want), "error lines")
    expect(snapshot() == before, "the database changed")


@check("JSON: valid file queued (2 pending submissions), nothing public")
def _():
    r = run_import(fixture("valid.json"), "--dry-run")
    expect(r.rc == 0 and r.out.count("would create") == 2, "dry run: %s" % describe(r))
    r = run_import(fixture("valid.json"))
    expect_eq(r.rc, 0, "exit status (%s)" % describe(r))
    rows = imported("import:valid.json")
    expect_eq([(t, s, cc) for _, _, s, _, cc, t, _ in rows],
              [(VALID_JSON_TITLES[0], "pending", "BE"), (VALID_JSON_TITLES[1], "pending", None)],
              "submissions (title, status, country)")
    text = queue_text()
    pub = public_text()
    for t in VALID_JSON_TITLES:
        expect(t in text, "%r not in the queue" % t)
        expect(t not in pub, "%r is public" % t)


@check("JSON --publish twice: the second import updates the same activities (source keys)")
def _():
    tmp = tempfile.mkdtemp(prefix="aw-import-")
    try:
        with open(fixture("valid.json"), encoding="utf-8") as f:
            data = json.load(f)
        for a in data["activities"]:
            a["key"] = a["key"] + "-pub"
            a["title"] = a["title"].replace("JSON import:", "JSON published:")
        path = os.path.join(tmp, "publish.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f)
        r = run_import(path, "--publish")
        expect_eq(r.rc, 0, "first import (%s)" % describe(r))
        n = db_one("SELECT COUNT(*) FROM activities")
        data["activities"][0]["summary"] = "Updated summary."
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f)
        r = run_import(path, "--publish")
        expect_eq(r.rc, 0, "second import (%s)" % describe(r))
        expect_eq(db_one("SELECT COUNT(*) FROM activities"), n, "activities after the second")
        title = data["activities"][0]["title"]
        expect_eq(db_rows("SELECT summary, status FROM activities WHERE title = ?", title),
                  [("Updated summary.", "published")], "the updated activity")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


BIDI_MESSAGE = ("direction controls are not allowed (only isolates U+2066 to U+2069 closed on "
                "the same line, and the marks U+200E, U+200F, U+061C)")
RLO, FSI, PDI = "\u202e", "\u2068", "\u2069"


def write_variant(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


@check("direction controls: the same message in CSV and JSON (the form's rule), per row and "
       "column, nothing written; balanced isolates pass")
def _():
    tmp = tempfile.mkdtemp(prefix="aw-import-")
    try:
        with open(fixture("valid.csv"), encoding="utf-8") as f:
            lines = f.read().split("\n")
        lines[1] = lines[1].replace("Imported workshops for parents",
                                    "Imported workshops " + RLO + "for parents")
        lines[1] = lines[1].replace("Brussels", FSI + "Brussels")
        text = "\n".join(lines).replace("Imported poster campaign",
                                        "Imported " + FSI + "poster" + PDI + " campaign")
        before = snapshot()
        r = run_import(write_variant(tmp, "bidi.csv", text), "--dry-run")
        expect(r.rc != 0, "exit status 0: %s" % describe(r))
        expect_eq(sorted(error_lines(r.out)),
                  sorted(["row 1, column title: error: " + BIDI_MESSAGE,
                          "row 1, column place: error: " + BIDI_MESSAGE]), "CSV error lines")
        expect("3 rows, 2 valid, 1 with errors" in r.out, "counts: %s" % describe(r))
        with open(fixture("valid.json"), encoding="utf-8") as f:
            data = json.load(f)
        data["activities"][0]["title"] = "JSON import: workshops " + RLO + "for parents"
        data["organisations"][1]["name"] = "Import JSON " + PDI + "Network"
        data["activities"][1]["summary"] = FSI + "A one-hour" + PDI + " webinar."
        r = run_import(write_variant(tmp, "bidi.json", json.dumps(data)), "--dry-run")
        expect(r.rc != 0, "exit status 0: %s" % describe(r))
        got = error_lines(r.out)
        expect("row 1, column activities[0].title: error: " + BIDI_MESSAGE in got,
               "JSON error lines %r" % got)
        expect(any(l.endswith("organisations[1].name: error: " + BIDI_MESSAGE) for l in got),
               "JSON error lines %r" % got)
        expect(not any("summary" in l for l in got), "a balanced isolate refused: %r" % got)
        expect(snapshot() == before, "the database changed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@check("a tab at the start of an unquoted CSV cell is refused like in a quoted cell and in "
       "JSON (control characters), not silently removed")
def _():
    tmp = tempfile.mkdtemp(prefix="aw-import-")
    try:
        with open(fixture("valid.csv"), encoding="utf-8") as f:
            lines = f.read().split("\n")
        want = "row 1, column title: error: control characters are not allowed"
        for label, cell in (("unquoted", "\t=1+1"), ("quoted", '"\t=1+1"'),
                            ("unquoted, at the end", "Workshops\t")):
            lines2 = list(lines)
            lines2[1] = lines2[1].replace("Imported workshops for parents", cell)
            r = run_import(write_variant(tmp, "tab.csv", "\n".join(lines2)), "--dry-run")
            expect_eq(error_lines(r.out), [want], "%s cell: error lines" % label)
        with open(fixture("valid.json"), encoding="utf-8") as f:
            data = json.load(f)
        data["activities"][0]["title"] = "\t=1+1"
        r = run_import(write_variant(tmp, "tab.json", json.dumps(data)), "--dry-run")
        expect_eq(error_lines(r.out),
                  ["row 1, column activities[0].title: error: control characters are not allowed"],
                  "JSON error lines")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@check("raw HTML in a summary: the same error in CSV and JSON as in the share form, nothing "
       "written")
def _():
    tmp = tempfile.mkdtemp(prefix="aw-import-")
    try:
        with open(fixture("valid.csv"), encoding="utf-8") as f:
            text = f.read().replace('"Evening workshops in three towns',
                                    '"<b>Evening</b> workshops in three towns')
        before = snapshot()
        r = run_import(write_variant(tmp, "html.csv", text))
        expect_eq(error_lines(r.out),
                  ["row 1, column summary: error: HTML is not kept: write the text in Markdown"],
                  "CSV error lines")
        with open(fixture("valid.json"), encoding="utf-8") as f:
            data = json.load(f)
        data["activities"][1]["summary"] = "<div>\nA one-hour webinar.\n</div>"
        r = run_import(write_variant(tmp, "html.json", json.dumps(data)))
        expect_eq(error_lines(r.out),
                  ["row 2, column activities[1].summary: error: HTML is not kept: write the text "
                   "in Markdown"], "JSON error lines")
        expect(snapshot() == before, "the database changed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@check("a file name with a line break, a tab or a direction control is refused before anything "
       "is written (it would be the submissions' source and go into the audit log)")
def _():
    tmp = tempfile.mkdtemp(prefix="aw-import-")
    try:
        with open(fixture("valid.csv"), encoding="utf-8") as f:
            text = f.read()
        before = snapshot()
        for name, why in (("report\r\n2025.csv", "control characters are not allowed"),
                          ("tab\t.csv", "control characters are not allowed"),
                          ("photo" + RLO + "vsc.csv", "direction controls are not allowed")):
            r = run_import(write_variant(tmp, name, text))
            expect(r.rc != 0, "%r: exit status 0" % name)
            lines = error_lines(r.out)
            expect(any(l.startswith("file name: error: " + why) and "rename the file" in l
                       for l in lines), "%r: error lines %r" % (name, lines))
        expect(snapshot() == before, "the database changed")
        r = run_import(write_variant(tmp, FSI + "isolated" + PDI + " name.csv", text),
                       "--dry-run")
        expect_eq(r.rc, 0, "a name with a closed isolate (%s)" % describe(r))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@check("import: --year for rows without edition_year; unknown --year refused")
def _():
    r = run_import(fixture("valid.csv"), "--dry-run", "--year", "2017")
    expect_eq(r.rc, 0, "exit status (%s)" % describe(r))
    expect('row 3: would create: "Imported poster campaign in schools" (Import Test Network, BE, '
           '2017 edition)' in r.out, "row 3 not in 2017: %s" % describe(r))
    expect('(Import Test Network, BE, 2025 edition)' in r.out, "row 1 lost its own year")
    r = run_import(fixture("valid.csv"), "--dry-run", "--year", "1800")
    expect(r.rc != 0, "--year 1800 accepted")


def edit_fields(payload):
    """The moderator's edit form as the item page fills it from a payload (app_form.c)."""
    org, act = payload["organisation"], payload["activity"]
    f = [("action", "save")]
    if "id" in org:
        f.append(("org_id", str(org["id"])))
    else:
        f += [("org_id", "new"), ("org_name", org.get("name") or ""),
              ("org_kind", org.get("kind") or ""), ("org_country", org.get("country") or ""),
              ("org_website", org.get("website") or "")]
    for k in ("title", "summary", "country", "place", "start", "end"):
        f.append((k, act.get(k) or ""))
    if act.get("online"):
        f.append(("online", "yes"))
    for k in ("kinds", "audiences", "languages"):
        f += [(k, v) for v in act.get(k) or []]
    for i, link in enumerate(act.get("links") or [], 1):
        f += [("link_label_%d" % i, link["label"]), ("link_url_%d" % i, link["url"])]
    return f


def import_edit_rows():
    if not hasattr(S, "edit_ids"):
        r = run_import(fixture("edit.csv"))
        expect_eq(r.rc, 0, "import of edit.csv (%s)" % describe(r))
        S.edit_ids = [row[0] for row in imported("import:edit.csv")]
        expect_eq(len(S.edit_ids), 2, "rows imported from edit.csv")
    return S.edit_ids


@check("an imported row's languages (zh, accepted by the import) survive a moderator's edit")
def _():
    sid = import_edit_rows()[0]
    r = moderator().get("/en/moderation/%d" % sid)
    status, body = r.status, r.body
    expect_eq(status, 200, "status of the item page")
    boxes = set(re.findall(r'name="languages" value="([a-z]+)"[^>]* checked', body))
    expect(boxes == {"zh", "nl"},
           "the edit form holds languages %r of the imported [zh, nl]: saving any edit drops "
           "the others" % sorted(boxes))


@check("an imported place of 250 characters (the limit is 300 for imports and the form) "
       "does not block an edit of the submission")
def _():
    sid = import_edit_rows()[1]
    c = moderator()
    body = c.get("/en/moderation/%d" % sid).body
    token = html.unescape(re.search(r'name="csrf" value="([^"]*)"', body).group(1))
    payload = json.loads(db_one("SELECT payload FROM submissions WHERE id = ?", sid))
    fields = [(k, v if k != "title" else v + " (checked)") for k, v in edit_fields(payload)]
    r = c.post("/en/moderation/%d" % sid, [("csrf", token)] + fields)
    status, body = r.status, r.body
    errs = re.findall(r'<p class="error" id="f-([a-z_0-9]+)-error">(.*?)</p>', body)
    expect(status == 303, "saving only a new title: status %d, messages %r" % (status, errs))


# ---------------------------------------------------------------------------------------------


def main():
    return run_checks((("AW_BIN", BIN), ("AW_DB", DB)), "--users --exec")


if __name__ == "__main__":
    sys.exit(main())
