#!/usr/bin/env python3
"""rules.py: the share form and the CSV import give the same verdict on the same value, each in
its wording of the one rule (include/aw/rules.h): dates and web addresses, as a table.

For each row (value, expected fault) the value is sent once through the share form (the field
`start` or `org_website`) and once in a one-row CSV file through `awareday import --dry-run` (the
column `start` or `organisation_website`); both must accept it, or both refuse it with the
fault's sentence (the form, next to the field) and its message (the import, on the row's line).

    tests/http/run.py --bin build/awareday --users --exec python3 tests/http/rules.py

Environment (set by run.py): AW_BASE_URL, AW_BIN, AW_DB. Output: "ok N - name" / "not ok N -
name: reason", then "N passed, M failed"."""

import csv
import html
import io
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from awtest import (BIN, DB, Client, cli, expect, expect_eq, run_checks, share_form,  # noqa: E402
                    table)

# The wordings of include/aw/rules.h (src/core/core_rules.c): (form sentence, import message).
FAULTS = {
    None: (None, None),
    "date": ("Enter a date as YYYY-MM-DD, for example 2025-11-18.",
             "expected a date YYYY-MM-DD"),
    "url": ("Enter a full web address starting with https:// or http://.",
            "expected an http(s) URL"),
    "host": ("Enter a full web address with the site's name, such as https://example.org/page.",
             "expected an http(s) URL with a host"),
    "chars": ("A web address cannot contain spaces, quotes or any of < > \\ ` { } | ^.",
              "expected an http(s) URL without blanks, quotes or any of < > \\ ` { } | ^"),
}

DATES = [
    ("2025-11-17", None), ("2024-02-29", None), ("2025-02-29", "date"), ("1899-12-31", "date"),
    ("3000-01-01", "date"), ("2025-1-18", "date"), ("18/11/2025", "date"),
    ("2025-13-01", "date"), ("2025-11-31", "date"),
]
URLS = [
    ("https://example.org/p", None), ("HTTPS://example.org/p", None),
    ("http://example.org", None), ("ftp://example.org/p", "url"), ("example.org", "url"),
    ("https://", "host"), ("https:///path", "host"), ("https://.example.org", "host"),
    ("https://example.org/a b", "chars"), ("https://example.org/{x}", "chars"),
    ("https://example.org/a|b", "chars"), ("https://example.org/`x`", "chars"),
    ("https://example.org/x^y", "chars"), ('https://example.org/"x"', "chars"),
]

FORM = share_form(2025, org_name="Rules test association", org_website="https://example.org/rules",
                  title="Rules test", contact_email="bo.rules@example.org")
CSV_HEADER = ["edition_year", "organisation", "organisation_kind", "organisation_country",
              "organisation_website", "country", "title", "summary", "kinds", "audiences",
              "start", "end", "place", "online", "languages", "links", "submitter_name",
              "submitter_email"]
CSV_ROW = {"edition_year": "", "organisation": "Rules test association",
           "organisation_kind": "ngo", "organisation_country": "BE",
           "organisation_website": "https://example.org/rules", "country": "BE",
           "title": "Rules test", "summary": "Evening talks for parents.", "kinds": "workshop",
           "audiences": "parents", "start": "2025-11-17", "end": "", "place": "Ghent",
           "online": "no", "languages": "nl", "links": "", "submitter_name": "",
           "submitter_email": ""}


def form_error(field, value):
    """The error next to `field` when the share form is sent with it (None: no error)."""
    c = Client()
    r = c.post("/en/share", {"csrf": c.csrf(), **FORM, field: value})
    expect(r.status in (303, 422), "share POST: %s" % r.describe())
    m = re.search(r'<p class="error" id="f-%s-error">(.*?)</p>' % field, r.body, re.S)
    return html.unescape(re.sub(r"<[^>]*>", "", m.group(1))).strip() if m else None


def import_error(column, value):
    """The message on the row's line for `column` from a dry-run import (None: no error)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_HEADER, lineterminator="\n")
    w.writeheader()
    w.writerow({**CSV_ROW, column: value})
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as f:
        f.write(buf.getvalue())
    try:
        rc, out, err = cli("import", f.name, "--dry-run")
    finally:
        os.unlink(f.name)
    m = re.search(r"^row 1, column %s: error: (.*)$" % column, out + err, re.M)
    return m.group(1).strip() if m else None


def both(form_field, csv_column, value, fault):
    sentence, message = FAULTS[fault]
    expect_eq(form_error(form_field, value), sentence, "the form on %r" % value)
    expect_eq(import_error(csv_column, value), message, "the import on %r" % value)


@table("dates: the form's start and the import's start", [
    ("%r -> %s" % (v, f or "accepted"), (v, f)) for v, f in DATES])
def _(case):
    both("start", "start", *case)


@table("web addresses: the form's org_website and the import's organisation_website", [
    ("%r -> %s" % (v, f or "accepted"), (v, f)) for v, f in URLS])
def _(case):
    both("org_website", "organisation_website", *case)


if __name__ == "__main__":
    sys.exit(run_checks((("AW_BIN", BIN), ("AW_DB", DB)), "--users --exec"))
