#!/usr/bin/env python3
"""moderation.py: issue 3 end to end over HTTP: the partner's share form (validation, limits,
CSRF, honeypot, rate limit, near-duplicates), the private link (status, change, withdraw),
moderator sign-in (throttling, session fixation, cookie attributes, logout), the moderation
routes' access rules (logged out, focal points outside their country), the moderation actions
(approve with the safeguarding checklist, reject with a reason, edit, batch approve), the audit
log, and the `awareday user` commands.

Run through tests/http/run.py, which starts a fresh demo server with the test accounts and an
SMTP sink:

    tests/http/run.py --bin build/awareday --users --smtp --exec python3 tests/http/moderation.py

Environment (set by run.py): AW_BASE_URL, AW_BIN, AW_DB, AW_MAILDIR (one N.eml per mail),
AW_PASSWORD. Python standard library only.

Every request comes from a loopback source address (127.0.0.N): the server keys its rate limits
(the settings share_per_hour and login_*, read with `awareday check-config --print`) by client
address, so each check that sends forms gets addresses of its own and the checks do not use up
each other's budget.

Output: "ok N - name" or "not ok N - name: reason" per check, then "N passed, M failed".
Exit status 1 when a check failed."""

import email
import email.policy
import hashlib
import html
import html.parser
import json
import os
import re
import secrets
import subprocess
import sys
import time
import types
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from awtest import (ADMIN, BASE, BIN, DB, FOCAL_BE, FOCAL_FR, MAILDIR, MODERATOR,  # noqa: E402
                    PASSWORD, Client, DbError, ExtraServer, Fail, Forms, Skip, activity_form,
                    check, cli, write_conf,
                    csrf_in, db_columns, db_exec, db_one, db_rows, expect, expect_eq, expect_kept,
                    field_errors, is_pg, new_addr, run_checks, table, text_of, visible_text)

# The limits of src/app/app_form.c that the checks probe at their edges; the rate limits are
# settings (setting() below).
TITLE_MAX = 200
SUMMARY_MAX = 5000
TITLE_BYTE_CAP = 1024  # aw_form_http_fields: beyond it the HTTP layer answers 413

CHECKLIST = [("check_child", "yes"), ("check_victim", "yes"), ("check_explicit", "yes"),
             ("check_links", "yes")]


def effective_settings(conf=None):
    """{name: value} of every setting as `awareday serve` would run with the settings of conf
    ({name: value}, written to a config file) over the defaults: `check-config --print` without
    the AWAREDAY_* variables and without a user config file, as run.py starts the server."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="aw-conf-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWAREDAY_")}
        env["XDG_CONFIG_HOME"] = tmp
        if conf:
            env["AWAREDAY_CONFIG"] = write_conf(tmp, conf)
        r = subprocess.run([BIN, "check-config", "--print"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60, env=env)
    out = r.stdout.decode("utf-8", "replace")
    expect(r.returncode == 0, "check-config: %s" % r.stderr.decode("utf-8", "replace"))
    return dict(line.split(" = ", 1) for line in out.splitlines() if " = " in line)


def setting(name):
    """An integer setting of the server under test (the defaults: run.py sets none)."""
    if not hasattr(S, "settings"):
        S.settings = effective_settings()
    expect(name in S.settings, "no setting %s in check-config --print" % name)
    return int(S.settings[name])


def wait_text(seconds):
    """What aw_page_wait_text() says for a wait of `seconds` (English)."""
    minutes = max(1, -(-seconds // 60))
    if minutes <= 90:
        return "%d minute%s" % (minutes, "" if minutes == 1 else "s")
    hours = -(-seconds // 3600)
    return "%d hour%s" % (hours, "" if hours == 1 else "s")


def expect_retry_after(r, window):
    """r's Retry-After: a whole number of seconds from 1 to the window. Returns it."""
    ra = r.header("Retry-After")
    expect(ra is not None and ra.isdigit() and 1 <= int(ra) <= window,
           "Retry-After %r: expected whole seconds from 1 to %d" % (ra, window))
    return int(ra)


# ---------------------------------------------------------------------------------------------
# Database (read-only), mail, command line


def snapshot():
    """What the moderation routes may change: submissions, activities, shares."""
    return (db_rows("SELECT id, status, title, payload, country_code, reason FROM submissions "
                    "ORDER BY id"),
            db_rows("SELECT id, status, title, updated_at FROM activities ORDER BY id"),
            db_rows("SELECT id, activity_id FROM shares ORDER BY id"))


def submission(sub_id):
    rows = db_rows("SELECT id, kind, status, title, country_code, payload, reason, activity_id, "
                   "share_id, source FROM submissions WHERE id = ?", sub_id)
    expect(rows, "no submission %s in the database" % sub_id)
    keys = ("id", "kind", "status", "title", "country", "payload", "reason", "activity_id",
            "share_id", "source")
    return types.SimpleNamespace(**dict(zip(keys, rows[0])))


def read_mails():
    out = []
    if not MAILDIR or not os.path.isdir(MAILDIR):
        return out
    for f in sorted(os.listdir(MAILDIR)):
        if not f.endswith(".eml") or f.startswith("."):
            continue
        with open(os.path.join(MAILDIR, f), "rb") as fh:
            msg = email.message_from_bytes(fh.read(), policy=email.policy.default)
        part = msg.get_body(("plain",)) or msg
        try:
            body = part.get_content()
        except (KeyError, LookupError):
            body = part.get_payload(decode=True).decode("utf-8", "replace")
        out.append(types.SimpleNamespace(file=f, to=str(msg["To"] or ""),
                                         subject=str(msg["Subject"] or ""), body=body))
    return out


def wait_mail(to, contains, timeout=10.0):
    """The first mail to `to` whose body contains every string of `contains` (polling)."""
    deadline = time.monotonic() + timeout
    while True:
        for m in read_mails():
            if to in m.to and all(c in m.body for c in contains):
                return m
        if time.monotonic() > deadline:
            seen = ["%s to %s: %s" % (m.file, m.to, m.subject) for m in read_mails()]
            raise Fail("no mail to %s containing %r within %.0f s (mails: %s)"
                       % (to, contains, timeout, "; ".join(seen) or "none"))
        time.sleep(0.1)


# ---------------------------------------------------------------------------------------------
# The share form

S = types.SimpleNamespace()  # state shared by the checks (ids, tokens, sessions)


def current_year():
    if not hasattr(S, "year"):
        body = Client().get("/en/share").body
        m = re.search(r"for the (\d{4}) edition", body)
        expect(m, "the share page does not name its edition")
        S.year = int(m.group(1))
    return S.year


def org_id(name_prefix, country):
    oid = db_one("SELECT id FROM organisations WHERE name LIKE ? AND country_code = ?",
                 name_prefix + "%", country)
    expect(oid, "no organisation %s (%s) in the demo data" % (name_prefix, country))
    return oid


def share_fields(title, country="BE", **over):
    """A valid share form for a new organisation of `country` (None: no country)."""
    year = current_year()
    f = {
        "org_id": "new",
        "org_name": "Test association %s" % (country or "international"),
        "org_kind": "ngo",
        "org_country": country or "",
        "org_website": "https://example.org/assoc",
        "title": title,
        "summary": "Evening workshops for parents about what children meet online.\n\n"
                   "*Free*, in two languages.",
        "kinds": ["workshop", "training"],
        "audiences": ["parents"],
        "country": country or "",
        "place": "Brussels" if country else "",
        "online": None if country else "yes",
        "start": "%d-11-17" % year,
        "end": "%d-11-18" % year,
        "languages": ["fr", "nl"],
        "link_label_1": "Programme",
        "link_url_1": "https://example.org/programme",
        "contact_name": "Ana Tester",
        "contact_email": "ana.tester@example.org",
        "homepage": "",
    }
    f.update(over)
    return f


def share(client, fields, csrf=True):
    token = client.csrf() if csrf is True else csrf
    body = dict(fields)
    if token is not None:
        body = {"csrf": token, **body}
    return client.post("/en/share", body)


TOKEN_RE = re.compile(r"^/en/submissions/([0-9a-f]{64})\?sent=1$")


def share_ok(fields, client=None):
    """Shares a valid activity; returns (submission id, token)."""
    client = client or Client()
    r = share(client, fields)
    expect(r.status == 303, "share: expected 303, got %s" % r.describe())
    m = TOKEN_RE.match(r.location())
    expect(m, "share: redirect %r is not /en/submissions/<64 hex>?sent=1" % r.location())
    token = m.group(1)
    sid = db_one("SELECT s.id FROM submissions s JOIN shares h ON h.id = s.share_id "
                 "WHERE h.token_hash = ? ORDER BY s.id DESC", blake(token))
    expect(sid, "no submission stored for the share just made")
    return sid, token


def share_activity(sub_id):
    """The published activity of a submission's share (a new submission keeps activity_id
    NULL; approval sets it on the share)."""
    return db_one("SELECT h.activity_id FROM shares h JOIN submissions s ON s.share_id = h.id "
                  "WHERE s.id = ?", sub_id)


def blake(token):
    return hashlib.blake2b(token.encode(), digest_size=32).hexdigest()


def count(table, where="1 = 1", *args):
    return db_one("SELECT COUNT(*) FROM %s WHERE %s" % (table, where), *args)


# ---------------------------------------------------------------------------------------------
# Sessions


def login(client, who, password=PASSWORD, headers=None):
    r = client.get("/en/login")
    # signed in already (the login page redirects): the CSRF token of any other form
    token = csrf_in(r.body) if r.status == 200 else client.csrf()
    expect(token, "no csrf field on /en/login (%s)" % r.describe())
    return client.post("/en/login", {"csrf": token, "email": who, "password": password},
                       headers=headers)


def session(who):
    """A signed-in client for `who`, made once and reused (Argon2id costs time)."""
    if not hasattr(S, "sessions"):
        S.sessions = {}
        S.login_addr = new_addr()
    if who not in S.sessions:
        c = Client(S.login_addr)
        r = login(c, who)
        expect(r.status == 303 and r.location() == "/en/moderation",
               "sign-in of %s: %s" % (who, r.describe()))
        S.sessions[who] = c
    return S.sessions[who]


def queue_ids(body):
    return [int(x) for x in re.findall(r'id="pick-(\d+)"', body)]


def queue_counts(body):
    m = re.search(r'<ul class="counts">(.*?)</ul>', body, re.S)
    expect(m, "no counts list on the queue page")
    return {text_of(n): int(c)
            for n, c in re.findall(r'<li><a href="[^"]*">(.*?)</a>: (\d+)</li>', m.group(1))}


def moderate(client, sub_id, fields):
    return client.post("/en/moderation/%d" % sub_id, [("csrf", client.csrf())] + list(fields))


def approve(client, sub_id):
    return moderate(client, sub_id, [("action", "approve")] + CHECKLIST)


def public_pages(country="BE"):
    """The visible text of the current edition's page and of a country page."""
    c = Client()
    return (visible_text(c.get("/en/editions/%d" % current_year()).body),
            visible_text(c.get("/en/countries/%s" % country).body))


def activity_page(act_id):
    c = Client()
    r = c.get("/en/activities/%d" % act_id)
    if r.status == 301:
        r = c.get(r.location())
    return r


def need(*names):
    for n in names:
        expect(getattr(S, n, None) is not None, "an earlier check did not produce %s" % n)
    return [getattr(S, n) for n in names]


# --- share form: CSRF ---


@check("share form: GET has a csrf field and sets the aw_csrf cookie")
def _():
    c = Client()
    r = c.get("/en/share")
    expect_eq(r.status, 200, "status")
    token = csrf_in(r.body)
    expect(token and re.fullmatch(r"[0-9a-f]{64}", token), "csrf field %r" % token)
    ck = r.cookies().get("aw_csrf")
    expect(ck, "no aw_csrf cookie set")
    expect(re.match(r"aw_csrf=[0-9a-f]{64};", ck), "aw_csrf cookie %r" % ck)
    expect("HttpOnly" in ck, "aw_csrf cookie without HttpOnly: %r" % ck)
    r2 = c.get("/en/share")
    expect_eq(csrf_in(r2.body), token, "the token on a second visit with the cookie")
    expect(r2.cookies().get("aw_csrf") is None,
           "the cookie is set again although the browser has it")


def _csrf_case(kind):
    c = Client()
    before = snapshot()
    fields = share_fields("CSRF check %s" % kind)
    if kind == "no csrf field":
        c.get("/en/share")
        r = share(c, fields, csrf=None)
    elif kind == "wrong csrf value":
        c.get("/en/share")
        r = share(c, fields, csrf="0" * 64)
    elif kind == "another browser's csrf token":
        other = Client().csrf()
        c.get("/en/share")
        r = share(c, fields, csrf=other)
    else:  # a token but no cookie
        token = c.csrf()
        c.jar.clear()
        r = share(c, fields, csrf=token)
    expect_eq(r.status, 403, "status")
    expect(snapshot() == before, "something was stored")


table("share POST refused with 403", [
    ("no csrf field", "no csrf field"),
    ("wrong csrf value", "wrong csrf value"),
    ("another browser's csrf token", "another browser's csrf token"),
    ("csrf field without the cookie", "no cookie"),
])(_csrf_case)


# --- share form: validation ---

ALL_WRONG_FIELDS = ["org_id", "title", "summary", "kinds", "audiences", "start", "end",
                    "link_url_1", "contact_email", "contact_name", "place"]

EVIL = 'Kids & "Co" <b>bold</b> \'quoted\''


def _all_wrong(case):
    typed, kept_as = case
    c = Client()
    before = snapshot()
    r = share(c, typed)
    expect_eq(r.status, 422, "status")
    errs = field_errors(r.body)
    expect_eq(sorted(errs), sorted(ALL_WRONG_FIELDS), "fields with an error message")
    for name, msg in errs.items():
        expect(len(msg.strip()) > 10, "message for %s is not a sentence: %r" % (name, msg))
    # the summary at the top links to each field
    summary = re.findall(r'<li><a href="#f-([a-z_0-9]+)">', r.body)
    expect_eq(sorted(summary), sorted(ALL_WRONG_FIELDS), "error summary links")
    expect(EVIL not in r.body, "a typed value is echoed without escaping")
    # one-line values come back trimmed; values that are not among the options cannot be
    # shown as chosen (kept_as says what the form holds instead)
    kept = {k: (v.strip(" ") if isinstance(v, str) and k != "summary" else v)
            for k, v in typed.items() if k != "homepage"}
    kept.update(kept_as)
    expect_kept(r.body, kept)
    expect(snapshot() == before, "something was stored")


table("share: every field wrong at once -> 422, one message per field, input kept", [
    ("empty values", {
        "org_id": "", "org_name": EVIL, "org_kind": "ngo", "org_country": "BE",
        "title": "", "summary": "", "country": "BE", "place": "",
        "start": "2025-02-30", "end": "18/11/2025", "languages": ["fr", "nl"],
        "link_label_1": EVIL, "link_url_1": "ftp://example.org/<x>",
        "contact_name": "", "contact_email": 'not an "email" <x@y>', "homepage": "",
    }, {}),
    ("typed wrong values", {
        "org_id": "999999", "org_name": EVIL, "org_kind": "ngo", "org_country": "FR",
        "title": "T" * (TITLE_MAX + 1), "summary": "bad\x01summary " + EVIL,
        "kinds": ["dance"], "audiences": ["kids"], "country": "FR", "place": "",
        "start": "2025-11-31", "end": "tomorrow", "languages": ["de"],
        "link_label_1": "Programme", "link_url_1": "javascript:alert(1)",
        "contact_name": "   ", "contact_email": "ana@@example.org", "homepage": "",
    }, {"org_id": "", "kinds": [], "audiences": []}),
])(_all_wrong)


@check("share: end date before start date -> message next to the end date only")
def _():
    year = current_year()
    f = share_fields("End before start", start="%d-11-18" % year, end="%d-11-17" % year,
                     contact_name="")
    r = share(Client(), f)
    expect_eq(r.status, 422, "status")
    errs = field_errors(r.body)
    expect_eq(sorted(errs), ["contact_name", "end"], "fields with an error")
    expect("before the start" in errs["end"], "end message %r" % errs["end"])
    expect_kept(r.body, {"start": "%d-11-18" % year, "end": "%d-11-17" % year})


def _country_mismatch(case):
    over = case
    f = share_fields("Country mismatch", **over)
    if over.get("org_id") == "CF":
        f.update(org_id=str(org_id("Child Focus", "BE")), org_name="", org_kind="", org_country="",
                 org_website="")
    before = snapshot()
    r = share(Client(), f)
    expect_eq(r.status, 422, "status")
    errs = field_errors(r.body)
    expect(snapshot() == before, "something was stored")
    expect(errs, "422 without a single message next to a field (the page only says: %r)"
           % re.search(r"<h1>(.*?)</h1>", r.body).group(1))
    expect("country" in errs, "no message next to the country (messages: %r)" % errs)


table("share: activity country other than the organisation's -> message next to the country", [
    ("existing Belgian organisation, activity in France", {"org_id": "CF", "country": "FR"}),
    ("new Belgian organisation, activity in France", {"org_country": "BE", "country": "FR"}),
    ("new international organisation, activity in Belgium", {"org_country": "", "country": "BE"}),
])(_country_mismatch)


@check("share: invalid UTF-8 (%FF) in the title -> UTF-8 message, other fields kept")
def _():
    f = share_fields("x", summary="Une soirée pour les parents.")
    f["title"] = b"Caf\xe9 \xff workshop"
    before = snapshot()
    r = share(Client(), f)
    expect_eq(r.status, 422, "status")
    errs = field_errors(r.body)
    expect_eq(sorted(errs), ["title"], "fields with an error")
    expect("UTF-8" in errs["title"], "title message %r" % errs["title"])
    kept = {k: v for k, v in f.items() if k not in ("title", "homepage")}
    expect_kept(r.body, kept)
    expect(snapshot() == before, "something was stored")
    S.bad_utf8_page = r.raw


@check("share: the page answering invalid UTF-8 is itself valid UTF-8 (charset=utf-8)")
def _():
    (raw,) = need("bad_utf8_page")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        ctx = raw[max(0, e.start - 60):e.end + 20]
        raise Fail("the typed bytes are echoed as they came: %s near %r" % (e.reason, ctx))


def _control(case):
    field, value = case
    f = share_fields("Control characters", contact_name="")  # never stored
    f[field] = value
    r = share(Client(), f)
    expect_eq(r.status, 422, "status")
    errs = field_errors(r.body)
    if "\t" in value or "\n" in value:
        expect(field not in errs, "%s refused: %r" % (field, errs.get(field)))
    else:
        expect(field in errs, "no message for %s (errors: %r)" % (field, errs))
        expect("control character" in errs[field], "%s message %r" % (field, errs[field]))


table("share: control characters", [
    ("%01 in the title -> message", ("title", "Work\x01shop")),
    ("%1B in the place -> message", ("place", "Brussels\x1b[31m")),
    ("%7F in the contact name -> message", ("contact_name", "Ana\x7f")),
    ("%01 in the summary -> message", ("summary", "Line one\x01")),
    ("tab and line breaks in the summary are allowed", ("summary", "Line one\r\n\tLine two")),
])(_control)


# Direction controls (src/core/core_text.c): embeddings and overrides are refused anywhere,
# isolates only when closed on their own line; marks are fine. The sentence is the form's
# wording of the import's message ("direction controls are not allowed ...").
RLO, LRE, PDF, FSI, RLI, PDI, RLM = "\u202e", "\u202a", "\u202c", "\u2068", "\u2067", "\u2069", \
    "\u200f"
BIDI_SENTENCE = ("This contains invisible characters that change the direction of the text around "
                 "them, which are not allowed. Only isolates (U+2066 to U+2069) closed on the same "
                 "line, and direction marks, may be used.")


def _bidi(case):
    field, value, ok = case
    f = share_fields("Direction controls", contact_name="")  # never stored
    f[field] = value
    before = snapshot()
    r = share(Client(), f)
    expect_eq(r.status, 422, "status")
    errs = field_errors(r.body)
    expect("contact_name" in errs or field == "contact_name", "the spoiler error is missing")
    if ok:
        expect(field not in errs, "%s refused: %r" % (field, errs.get(field)))
    else:
        expect(field in errs, "no message for %s (errors: %r)" % (field, errs))
        expect_eq(errs[field], BIDI_SENTENCE, "%s message" % field)
    expect(snapshot() == before, "something was stored")


table("share: direction controls", [
    ("RLO in the organisation name -> message", ("org_name", "Kids " + RLO + "(NGO)", False)),
    ("RLO in the title -> message", ("title", "Workshop " + RLO + "2025-11-18", False)),
    ("LRE ... PDF in the place -> message (embeddings are refused even when closed)",
     ("place", LRE + "Brussels" + PDF, False)),
    ("FSI never closed in a link text -> message", ("link_label_1", FSI + "Programme", False)),
    ("PDI without an isolate in the contact name -> message",
     ("contact_name", "Ana" + PDI, False)),
    ("RLO in the summary -> message", ("summary", "Line one\n" + RLO + "line two", False)),
    ("isolate opened on one line and closed on the next -> message",
     ("summary", "Line " + FSI + "one\nline" + PDI + " two", False)),
    ("RLO in a link address -> message",
     ("link_url_1", "https://example.org/" + RLO + "gpj.exe", False)),
    ("FSI ... PDI closed on its line and RLM in the title are accepted",
     ("title", "Conference " + FSI + "\u0639\u0631\u0628\u064a" + PDI + " 2025 " + RLM, True)),
    ("an isolate on each line of the summary is accepted",
     ("summary", RLI + "One" + PDI + " line.\n\n" + FSI + "Two" + PDI + " lines.", True)),
])(_bidi)


# Markdown summaries: cmark's safe mode drops raw HTML, so the form refuses it with this
# sentence rather than publish a summary emptied without a word.
HTML_SENTENCE = ("HTML is not kept on this site, so this text would be published without it. Write "
                 "it in Markdown instead (for example *emphasis*, lists or [a link]"
                 "(https://example.org)), or remove the tags.")


def _summary_html(case):
    value, ok = case
    f = share_fields("Raw HTML", summary=value, contact_name="")  # never stored
    r = share(Client(), f)
    expect_eq(r.status, 422, "status")
    errs = field_errors(r.body)
    if ok:
        expect("summary" not in errs, "summary refused: %r" % errs.get("summary"))
    else:
        expect_eq(errs.get("summary"), HTML_SENTENCE, "summary message")
        expect_kept(r.body, {"summary": value})


table("share: raw HTML in the summary", [
    ("inline tags -> message", ("<b>Free</b> workshops for parents", False)),
    ("a summary made of an HTML block -> message", ("<div>\nWorkshops for parents\n</div>", False)),
    ("an HTML comment -> message", ("Workshops <!-- for parents -->", False)),
    ("Markdown, autolinks, angle brackets that are no tags and a code span are accepted",
     ("*Free* for children < 12 <3, see <https://example.org/p> and `<b>`", True)),
])(_summary_html)


@check("share form: the summary's hint says that HTML is not kept")
def _():
    body = Client().get("/en/share").body
    m = re.search(r'<p class="hint" id="f-summary-hint">(.*?)</p>', body, re.S)
    expect(m and "HTML is not kept" in text_of(m.group(1)), "hint %r" % (m and m.group(1)))


@check("data stored before the text rule: an override in an organisation name stays inside "
       "its <bdi> on the public pages and is dropped from the <title> and the <option>s")
def _():
    oid, name, cc = db_rows("SELECT o.id, o.name, o.country_code FROM organisations o "
                            "JOIN activities a ON a.org_id = o.id WHERE a.status = 'published' "
                            "AND o.country_code = 'AT' ORDER BY o.id LIMIT 1")[0]
    db_exec("UPDATE organisations SET name = ? WHERE id = ?", name + " " + RLO + "x", oid)
    try:
        c = Client()
        r = c.get("/en/organisations/%d" % oid)
        if r.status == 301:
            r = c.get(r.location())
        expect_eq(r.status, 200, "status of the organisation page")
        expect(RLO not in r.body, "the override reaches the page")
        h1 = re.search(r"<h1>(.*?)</h1>", r.body, re.S).group(1)
        expect(h1.startswith("<bdi>") and h1.endswith("</bdi>") and text_of(h1) == name + " x",
               "heading %r" % h1)
        title = re.search(r"<title>(.*?)</title>", r.body, re.S).group(1)
        expect(text_of(title).startswith(name + " x |"), "title %r" % title)
        country = c.get("/en/countries/%s" % cc).body
        expect(RLO not in country, "the override reaches the country page")
        expect(re.search(r'<a href="/en/organisations/%d-[^"]*"><bdi>' % oid, country),
               "the organisation's name on the country page is not isolated")
        share = c.get("/en/share").body
        opt = re.search(r'<option value="%d"[^>]*>(.*?)</option>' % oid, share)
        expect(opt and RLO not in opt.group(1) and "<bdi>" not in opt.group(1),
               "the organisation's option on the share form: %r" % (opt and opt.group(1)))
    finally:
        db_exec("UPDATE organisations SET name = ? WHERE id = ?", name, oid)


# Character limits of the fields (app_form.c), as the form tells them.
MAX_CHARS = {"title": TITLE_MAX, "summary": SUMMARY_MAX, "org_name": 200, "place": 300,
             "link_label_1": 200, "link_url_1": 2000, "org_website": 2000, "contact_name": 200,
             "contact_email": 254}


def _limit(case):
    field, value, ok = case
    # one other field left empty so that nothing is ever stored
    spoiler = "contact_email" if field == "contact_name" else "contact_name"
    f = share_fields("Limits", **{spoiler: ""})
    f[field] = value
    r = share(Client(), f)
    expect_eq(r.status, 422, "status")
    errs = field_errors(r.body)
    expect(spoiler in errs, "the control error on %s is missing" % spoiler)
    if ok:
        expect(field not in errs, "%s of %d characters refused: %r"
               % (field, len(value), errs.get(field)))
    else:
        maxc = MAX_CHARS[field]
        expect(field in errs, "%s of %d characters accepted" % (field, len(value)))
        expect("at most %d characters" % maxc in errs[field], "message %r" % errs[field])
    expect_kept(r.body, {field: value})


table("share: field limits", [
    ("title of 199 characters accepted", ("title", "a" * 199, True)),
    ("title of 200 characters accepted", ("title", "a" * 200, True)),
    ("title of 201 characters refused", ("title", "a" * 201, False)),
    ("title of 200 x \"é\" accepted", ("title", "é" * 200, True)),
    ("title of 201 x \"é\" refused", ("title", "é" * 201, False)),
    ("title of 200 four-byte characters accepted", ("title", "\U0001F600" * 200, True)),
    ("summary of 5000 characters accepted", ("summary", "s" * 5000, True)),
    ("summary of 5001 characters refused", ("summary", "s" * 5001, False)),
    ("summary of 5000 x \"é\" accepted", ("summary", "é" * 5000, True)),
    ("new organisation name of 200 characters accepted", ("org_name", "o" * 200, True)),
    ("new organisation name of 201 characters refused", ("org_name", "o" * 201, False)),
    ("place of 300 characters accepted", ("place", "p" * 300, True)),
    ("place of 301 characters refused", ("place", "p" * 301, False)),
    ("link text of 201 characters refused", ("link_label_1", "l" * 201, False)),
    ("link address of 2000 characters accepted",
     ("link_url_1", "https://example.org/" + "u" * 1980, True)),
    ("link address of 2001 characters refused",
     ("link_url_1", "https://example.org/" + "u" * 1981, False)),
    ("organisation website of 2001 characters refused",
     ("org_website", "https://example.org/" + "w" * 1981, False)),
    ("contact name of 200 characters accepted", ("contact_name", "n" * 200, True)),
    ("contact name of 201 characters refused", ("contact_name", "n" * 201, False)),
    # 254 = 64 (longest local part) + "@" + 189 (labels of at most 63 characters)
    ("contact e-mail of 254 characters accepted",
     ("contact_email", "e" * 64 + "@" + "d" * 63 + "." + "d" * 63 + "." + "d" * 57 + ".org",
      True)),
    ("contact e-mail of 255 characters refused",
     ("contact_email", "e" * 64 + "@" + "d" * 63 + "." + "d" * 63 + "." + "d" * 58 + ".org",
      False)),
])(_limit)


@check("share: a field over its HTTP byte cap -> 413, at the cap -> the form answers")
def _():
    c = Client()
    f = share_fields("x", contact_name="")
    f["title"] = "a" * (TITLE_BYTE_CAP + 1)
    r = share(c, f)
    expect_eq(r.status, 413, "status for a title of %d bytes" % (TITLE_BYTE_CAP + 1))
    f["title"] = "a" * TITLE_BYTE_CAP
    r = share(c, f)
    expect_eq(r.status, 422, "status for a title of %d bytes" % TITLE_BYTE_CAP)
    expect("title" in field_errors(r.body), "no message for a title of %d characters"
           % TITLE_BYTE_CAP)


@check("share: an undeclared field -> 400, nothing stored")
def _():
    before = snapshot()
    f = share_fields("Undeclared field")
    f["website_extra"] = "x"
    r = share(Client(), f)
    expect_eq(r.status, 400, "status")
    expect(snapshot() == before, "something was stored")


# --- share form: a valid submission ---


@check("share: valid -> 303 to /en/submissions/<64 hex>?sent=1, pending in the database")
def _():
    title = "Parents' evening on online safety (valid share)"
    f = share_fields(title, contact_email="valid.sharer@example.org", contact_name="Valid Sharer")
    sid, token = share_ok(f)
    s = submission(sid)
    expect_eq((s.kind, s.status, s.title, s.country, s.source),
              ("new", "pending", title, "BE", "form"), "kind, status, title, country, source")
    payload = json.loads(s.payload)
    expect_eq(payload["activity"]["title"], title, "payload title")
    expect_eq(payload["organisation"].get("name"), f["org_name"], "payload organisation")
    expect("Valid Sharer" not in s.payload and "valid.sharer" not in s.payload,
           "the submitter's contact is in the payload")
    S.valid_id, S.valid_token, S.valid_title = sid, token, title
    S.valid_email = f["contact_email"]


@check("share: the valid submission is not on the public edition page nor the country page")
def _():
    (title,) = need("valid_title")
    ed, country = public_pages("BE")
    expect(title not in ed, "the pending title is on /en/editions/%d" % current_year())
    expect(title not in country, "the pending title is on /en/countries/BE")
    expect_eq(count("activities", "title = ?", title), 0, "activities with that title")


@check("share: the valid submission is in the moderators' queue")
def _():
    (sid,) = need("valid_id")
    for who in (MODERATOR, FOCAL_BE):
        r = session(who).get("/en/moderation")
        expect(sid in queue_ids(r.body), "not in the queue of %s" % who)
    expect(sid not in queue_ids(session(FOCAL_FR).get("/en/moderation").body),
           "in the queue of focal.fr")


@check("share: the private token is stored only as its hash")
def _():
    (token,) = need("valid_token")
    expect_eq(count("shares", "token_hash = ?", blake(token)), 1,
              "shares whose token_hash is BLAKE2b-256(token)")
    where = [w for w in token_locations(token) if w != "mail_outbox.body"]
    expect(not where, "the token itself is in %s" % ", ".join(where))


def token_locations(token):
    """table.column of every text cell holding token."""
    out = []
    for t, col in db_columns():
        # LIKE works the same in both databases here: the token is hex, no wildcard
        n = db_one('SELECT COUNT(*) FROM "%s" WHERE CAST("%s" AS TEXT) LIKE ?' % (t, col),
                   "%" + token + "%")
        if n:
            out.append("%s.%s" % (t, col))
    return out


@check("share: the confirmation mail arrives with the private link")
def _():
    token, to = need("valid_token", "valid_email")
    link = "%s/en/submissions/%s" % (BASE, token)
    m = wait_mail(to, [link])
    expect("keep it to yourself" in m.body, "the mail does not ask to keep the link private")


@check("private token: not readable in mail_outbox.body once the mail is sent")
def _():
    (token,) = need("valid_token")
    deadline = time.monotonic() + 10
    while count("mail_outbox", "body LIKE ? AND sent_at IS NULL", "%" + token + "%") and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    where = token_locations(token)
    expect(not where, "after sending, the token is still in %s (the private link can be read "
           "from any copy of the database)" % ", ".join(where))


@check("share: honeypot filled -> 200 thank-you page, nothing stored")
def _():
    before = snapshot()
    r = share(Client(), share_fields("Honeypot share", homepage="https://spam.example"))
    expect_eq(r.status, 200, "status")
    expect("received" in visible_text(r.body), "not a thank-you page: %s" % r.describe())
    expect(snapshot() == before, "something was stored")


@check("share: rate limit: share_per_hour POSTs of the hour from one address are processed, "
       "the next gets a polite 429 with Retry-After and the form as typed")
def _():
    limit = setting("share_per_hour")
    c = Client()
    bad = share_fields("Rate limit", contact_name="")  # invalid: every attempt counts
    for i in range(1, limit + 1):
        r = share(c, bad)
        expect(r.status == 422, "POST %d: expected 422, got %s" % (i, r.describe()))
    before = snapshot()
    typed = share_fields("Rate limit, valid")
    r = share(c, typed)
    expect_eq(r.status, 429, "status of POST %d" % (limit + 1))
    ra = expect_retry_after(r, 3600)
    text = visible_text(r.body)
    expect("So many activities" in text and "Nothing you sent before is lost" in text,
           "not the polite notice: %r" % text[:300])
    expect_kept(r.body, {**typed, "org_id": None})
    expect("(%d at most)" % limit in text, "the page does not say the limit: %r" % text[:400])
    expect("Please try again in %s." % wait_text(ra) in text,
           "the page does not say the time left (Retry-After %d): %r" % (ra, text[:400]))
    expect((r.header("Content-Type") or "").startswith("text/html"), "not an HTML page")
    expect(snapshot() == before, "the refused POST stored something")
    # another address is not affected
    r = share(Client(), share_fields("Rate limit, other address", contact_name=""))
    expect_eq(r.status, 422, "status from another address")
    S.limited_client = c


@check("share: rate limit: a change through the private link counts too (429)")
def _():
    c, token = need("limited_client", "valid_token")
    r = c.get("/en/submissions/%s" % token)
    fields = activity_form(r.body)
    fields["title"] = ["Changed while limited"]
    before = snapshot()
    r = c.post("/en/submissions/%s" % token, fields)
    expect_eq(r.status, 429, "status")
    expect(snapshot() == before, "the change was stored")
    expect_eq(activity_form(r.body).get("title"), ["Changed while limited"],
              "the change typed, in the form again")


@check("share: near-duplicate title of the same organisation in the edition -> warning, "
       "then accepted once confirmed")
def _():
    cf = org_id("Child Focus", "BE")
    title = "Safer Internet workshops for parents in Brussels"
    f = share_fields(title, org_id=str(cf), org_name="", org_kind="", org_country="",
                     org_website="", contact_email="dup.sharer@example.org")
    sid, _ = share_ok(f)
    r = approve(session(MODERATOR), sid)
    expect(r.status == 303, "approving the first one: %s" % r.describe())
    expect_eq(submission(sid).status, "approved", "status of the first one")
    before = snapshot()
    c = Client()
    near = "Safer internet workshops for parents, in Brussels!"
    f2 = dict(f, title=near)
    r = share(c, f2)
    expect_eq(r.status, 200, "status of the near-duplicate")
    expect('class="notice"' in r.body and "very similar title" in r.body,
           "no duplicate warning: %s" % r.describe())
    expect(re.search(r'<input type="checkbox" id="f-confirm_duplicate" name="confirm_duplicate" '
                     r'value="yes">', r.body), "no confirmation checkbox")
    act = share_activity(sid)
    expect('href="/en/activities/%d"' % act in r.body, "the warning does not link activity %d"
           % act)
    expect_kept(r.body, {"title": near, "org_id": str(cf)})
    expect(snapshot() == before, "the near-duplicate was stored before confirmation")
    r = share(c, dict(f2, confirm_duplicate="yes"))
    expect(r.status == 303 and TOKEN_RE.match(r.location()),
           "confirmed near-duplicate: %s" % r.describe())
    expect_eq(count("submissions", "title = ? AND status = 'pending'", near), 1,
              "pending submissions with the near-duplicate title")
    # a clearly different title of the same organisation is not a duplicate
    r = share(Client(), dict(f, title="Poster competition in secondary schools"))
    expect(r.status == 303, "a different title: %s" % r.describe())


@check("duplicate: a near-duplicate of a pending (not yet published) share of the same "
       "organisation gets the warning")
def _():
    cf = org_id("Child Focus", "BE")
    f = share_fields("Online quiz on safe chatting for pupils", org_id=str(cf), org_name="",
                     org_kind="", org_country="", org_website="")
    share_ok(f)
    r = share(Client(), dict(f, title="Online quiz on safe chatting for pupils!"))
    expect(r.status == 200 and "very similar title" in r.body and "waits to be checked" in r.body,
           "the same title sent again while the first waits: %s" % r.describe())


# --- the private link ---


def _unknown_token(tok):
    r = Client().get("/en/submissions/%s" % tok)
    expect_eq(r.status, 404, "status")


table("private link: unknown token -> 404", [
    ("random 64 hex", secrets.token_hex(32)),
    ("uppercase hex of a real shape", "A" * 64),
    ("too short", "abc123"),
])(_unknown_token)


@check("private link: GET shows the waiting status, not cached")
def _():
    token, title = need("valid_token", "valid_title")
    r = Client().get("/en/submissions/%s?sent=1" % token)
    expect_eq(r.status, 200, "status")
    text = visible_text(r.body)
    expect("waits to be checked" in text, "no waiting status: %r" % text[:400])
    expect(title in text, "the title is not shown")
    expect("no-store" in (r.header("Cache-Control") or ""), "Cache-Control %r"
           % r.header("Cache-Control"))
    expect("valid.sharer@example.org" not in r.body, "the contact address is on the page")


@check("private link: the pending activity as it will be published, its Markdown rendered as "
       "on the public pages")
def _():
    (token,) = need("valid_token")
    body = Client().get("/en/submissions/%s" % token).body
    m = re.search(r'<h2>As it will be published</h2>\s*<div class="preview">(.*?)</div>', body,
                  re.S)
    expect(m, "no preview on the private link")
    expect("<em>Free</em>" in m.group(1) and "<p>Evening workshops" in m.group(1),
           "the summary is not rendered as Markdown: %r" % m.group(1)[:600])
    expect("Brussels" in text_of(m.group(1)), "the place is not in the preview")


@check("private link: POST without csrf -> 403; change and withdraw need it")
def _():
    token, sid = need("valid_token", "valid_id")
    c = Client()
    before = snapshot()
    fields = activity_form(c.get("/en/submissions/%s" % token).body)
    fields.pop("csrf", None)
    expect_eq(c.post("/en/submissions/%s" % token, fields).status, 403, "change without csrf")
    expect_eq(c.post("/en/submissions/%s/withdraw" % token, {}).status, 403,
              "withdraw without csrf")
    expect(snapshot() == before, "something changed")


# --- sign-in ---


@check("login: wrong password -> 401 with a generic message, same as an unknown account")
def _():
    c = Client()
    r1 = login(c, FOCAL_FR, "wrong password, clearly")
    expect_eq(r1.status, 401, "status for a wrong password")
    r2 = login(c, "nobody.at.all@example.org", "wrong password, clearly")
    expect_eq(r2.status, 401, "status for an unknown account")
    m1 = re.search(r'<div class="error-summary" role="alert"><p>(.*?)</p>', r1.body)
    m2 = re.search(r'<div class="error-summary" role="alert"><p>(.*?)</p>', r2.body)
    expect(m1 and m2, "no error message")
    expect_eq(m1.group(1), m2.group(1), "message for an unknown account")
    expect("wrong" in m1.group(1), "message %r" % m1.group(1))
    expect("aw_session" not in r1.cookies(), "a session cookie after a failed sign-in")


@check("login: the attempt after login_per_account for one account from one address within "
       "login_window -> 429, even with the right password; the owner elsewhere still signs in")
def _():
    limit, window = setting("login_per_account"), setting("login_window")
    rc, out, err = cli("user", "add", "throttled@example.org", "--role", "moderator",
                       stdin=PASSWORD + "\n")
    expect(rc == 0, "user add: %d %s" % (rc, err))
    c = Client()
    for i in range(1, limit + 1):
        r = login(c, "throttled@example.org", "not the password %d" % i)
        expect(r.status == 401, "attempt %d: %s" % (i, r.describe()))
    r = login(c, "throttled@example.org", PASSWORD)
    expect_eq(r.status, 429, "status of attempt %d" % (limit + 1))
    ra = expect_retry_after(r, window)
    expect("Please wait %s and try again" % wait_text(ra) in visible_text(r.body),
           "the message does not say the time left (Retry-After %d)" % ra)
    expect("aw_session" not in r.cookies(), "a session cookie although throttled")
    # a stranger failing on purpose cannot lock the owner out: from another address
    # (the Client of another check) the right password still works
    r = login(Client(), "THROTTLED@example.org", PASSWORD)
    expect_eq(r.status, 303, "status for the same account in other case, other address")


@check("login: the attempt after login_per_address from one address within login_window -> 429")
def _():
    limit = setting("login_per_address")
    c = Client()
    for i in range(1, limit + 1):
        r = login(c, "nobody%d@example.org" % i, "wrong password")
        expect(r.status == 401, "attempt %d: %s" % (i, r.describe()))
    r = login(c, MODERATOR, PASSWORD)
    expect_eq(r.status, 429, "status of attempt %d" % (limit + 1))
    expect_retry_after(r, setting("login_window"))
    expect("aw_session" not in r.cookies(), "a session cookie although throttled")


@check("login: session fixation: the session cookie and the CSRF cookie change at sign-in")
def _():
    c = Client()
    planted = secrets.token_hex(32)
    c.jar["aw_session"] = planted
    c.get("/en/login")
    csrf_before = c.jar.get("aw_csrf")
    expect(csrf_before, "no CSRF cookie before sign-in")
    r = login(c, MODERATOR)
    expect(r.status == 303 and r.location() == "/en/moderation", "sign-in: %s" % r.describe())
    after = c.jar.get("aw_session")
    expect(after and after != planted, "the session id was not replaced")
    expect(c.jar.get("aw_csrf") and c.jar["aw_csrf"] != csrf_before,
           "the CSRF cookie was not rotated")
    expect_eq(c.get("/en/moderation").status, 200, "queue with the new session")
    stale = Client()
    stale.jar["aw_session"] = planted
    expect_eq(stale.get("/en/moderation").status, 303, "queue with the planted id")
    # a real session of the attacker planted in the victim's browser is not upgraded
    attacker = Client()
    expect_eq(login(attacker, FOCAL_FR).status, 303, "the attacker's own sign-in")
    victim = Client()
    victim.jar["aw_session"] = attacker.jar["aw_session"]
    expect_eq(login(victim, MODERATOR).status, 303, "the victim's sign-in")
    expect(victim.jar["aw_session"] != attacker.jar["aw_session"], "the victim kept the id")
    r = attacker.get("/en/moderation")
    expect(r.status == 303 or 'id="filter-country"' not in r.body,
           "the attacker's planted session now has the moderator's rights")
    # a non-hex planted value is replaced as well
    c2 = Client()
    c2.jar["aw_session"] = "attacker-chosen"
    r = login(c2, MODERATOR)
    expect(r.status == 303 and c2.jar.get("aw_session") not in (None, "attacker-chosen"),
           "sign-in with a non-hex planted cookie: %s" % r.describe())


@check("login: session cookie is HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP")
def _():
    c = Client()
    r = login(c, MODERATOR, headers={"X-Forwarded-Proto": "https"})
    expect_eq(r.status, 303, "status")
    ck = r.cookies().get("aw_session")
    expect(ck, "no session cookie")
    attrs = [a.strip().lower() for a in ck.split(";")[1:]]
    expect("httponly" in attrs, "no HttpOnly: %r" % ck)
    expect("samesite=lax" in attrs, "not SameSite=Lax: %r" % ck)
    expect("path=/" in attrs, "not Path=/: %r" % ck)
    expect("secure" not in attrs,
           "Secure over plain HTTP (X-Forwarded-Proto is not trusted by default): %r" % ck)
    expect(not any(a.startswith("max-age") or a.startswith("expires") for a in attrs),
           "not a session cookie: %r" % ck)


@check("login: from a trusted proxy (trusted_proxies = 127.0.0.0/8: every test client), X-Forwarded-Proto: https makes "
       "the session cookie Secure; from an address not in the list it is ignored (a second "
       "server on the same database)")
def _():
    with ExtraServer({"AWAREDAY_TRUSTED_PROXIES": "10.0.0.0/8, ::2"}) as port:
        c = Client()
        c.port = port
        r = login(c, MODERATOR, headers={"X-Forwarded-Proto": "https"})
        expect_eq(r.status, 303, "status from an untrusted peer")
        ck = r.cookies().get("aw_session") or ""
        expect(ck and "secure" not in [a.strip().lower() for a in ck.split(";")[1:]],
               "a peer not in trusted_proxies claimed https: %r" % ck)
    with ExtraServer({"AWAREDAY_TRUSTED_PROXIES": "127.0.0.0/8"}) as port:
        c = Client()
        c.port = port
        r = login(c, MODERATOR, headers={"X-Forwarded-Proto": "https"})
        expect_eq(r.status, 303, "status behind the proxy")
        ck = r.cookies().get("aw_session") or ""
        attrs = [a.strip().lower() for a in ck.split(";")[1:]]
        expect("secure" in attrs and "httponly" in attrs and "samesite=lax" in attrs,
               "session cookie over https: %r" % ck)
        c2 = Client()
        c2.port = port
        r = login(c2, MODERATOR, headers={"X-Forwarded-Proto": "http"})
        ck = r.cookies().get("aw_session") or ""
        expect(ck and "secure" not in [a.strip().lower() for a in ck.split(";")[1:]],
               "session cookie over http behind the proxy: %r" % ck)




# Non-default rate limits on a second server that shares the test database (and so the rate
# log with the first one).
EXTRA_LIMITS = {"share_per_hour": 3, "login_window": 120, "login_per_account": 2,
                "login_per_account_all": 50, "login_per_address": 4}


@check("rate limits: 40 POSTs at once from one address through two instances on one database: "
       "exactly share_per_hour get through, the rest 429")
def _():
    import threading
    limit = 5
    conf = {"share_per_hour": str(limit)}
    addr = new_addr()
    bad = share_fields("Concurrent hits", contact_name="")  # invalid: counted, never stored
    statuses, lock = [], threading.Lock()
    with ExtraServer(conf=conf) as p1, ExtraServer(conf=conf) as p2:
        tokens = {}
        for p in (p1, p2):  # a CSRF token for each server, from another address
            c = Client()
            c.port = p
            tokens[p] = (c.csrf(), dict(c.jar))
        start = threading.Barrier(40)

        def post(port):
            c = Client(addr)
            c.port = port
            token, jar = tokens[port]
            c.jar = dict(jar)
            start.wait()
            r = share(c, bad, csrf=token)
            with lock:
                statuses.append(r.status)
        threads = [threading.Thread(target=post, args=(p1 if i % 2 else p2,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    expect_eq(len(statuses), 40, "answers")
    expect_eq(sorted(set(statuses)), [422, 429], "statuses")
    expect_eq(statuses.count(422), limit, "POSTs that got through (422: counted, not stored)")


@check("rate limits: with share_per_hour = 3 (config file), 3 POSTs pass, the 4th -> 429 with "
       "Retry-After within the hour and the limit on the page; the log is shared with the "
       "other server")
def _():
    eff = effective_settings(EXTRA_LIMITS)
    for name, value in EXTRA_LIMITS.items():
        expect_eq(eff.get(name), str(value), "check-config --print: %s" % name)
    limit = EXTRA_LIMITS["share_per_hour"]
    with ExtraServer(conf=EXTRA_LIMITS) as port:
        c = Client()
        c.port = port
        bad = share_fields("Configured rate limit", contact_name="")
        for i in range(1, limit + 1):
            r = share(c, bad)
            expect(r.status == 422, "POST %d: expected 422, got %s" % (i, r.describe()))
        before = snapshot()
        r = share(c, share_fields("Configured rate limit, valid"))
        expect_eq(r.status, 429, "status of POST %d" % (limit + 1))
        ra = expect_retry_after(r, 3600)
        text = visible_text(r.body)
        expect("(%d at most)" % limit in text, "the page does not say the limit: %r"
               % text[:400])
        expect("Please try again in %s." % wait_text(ra) in text,
               "the page does not say the time left (Retry-After %d): %r" % (ra, text[:400]))
        expect(snapshot() == before, "the refused POST stored something")
        # the hits of one address on the default server count here too (one log in the
        # database): 2 there, then 1 here is the third, the next is refused
        c2 = Client()
        for i in range(2):
            expect_eq(share(c2, bad).status, 422, "POST %d on the default server" % (i + 1))
        c2.port = port
        expect_eq(share(c2, bad).status, 422, "the third POST, on the second server")
        expect_eq(share(c2, bad).status, 429, "the fourth POST, on the second server")


@check("rate limits: with login_window = 120 and login_per_account = 2, the 3rd attempt -> 429 "
       "with Retry-After of at most 120 s and the wait in minutes; login_throttled audited once")
def _():
    rc, out, err = cli("user", "add", "throttled.conf@example.org", "--role", "moderator",
                       stdin=PASSWORD + "\n")
    expect(rc == 0, "user add: %d %s" % (rc, err))
    uid = db_one("SELECT id FROM users WHERE email = ?", "throttled.conf@example.org")
    limit, window = EXTRA_LIMITS["login_per_account"], EXTRA_LIMITS["login_window"]
    with ExtraServer(conf=EXTRA_LIMITS) as port:
        c = Client()
        c.port = port
        for i in range(1, limit + 1):
            r = login(c, "throttled.conf@example.org", "not the password %d" % i)
            expect(r.status == 401, "attempt %d: %s" % (i, r.describe()))
        for i in range(2):
            r = login(c, "throttled.conf@example.org", PASSWORD)
            expect_eq(r.status, 429, "status of attempt %d" % (limit + 1 + i))
            ra = expect_retry_after(r, window)
            expect("Please wait %s and try again" % wait_text(ra) in visible_text(r.body),
                   "the message does not say the time left (Retry-After %d)" % ra)
        expect_eq(count("audit_log", "action = 'login_throttled' AND object = ?",
                        "user:%d" % uid), 1, "login_throttled entries for two refusals")
        # login_per_address = 4: four accounts tried from one address, then the fifth is refused
        c3 = Client()
        c3.port = port
        for i in range(EXTRA_LIMITS["login_per_address"]):
            r = login(c3, "nobody.conf%d@example.org" % i, "wrong password")
            expect(r.status == 401, "address attempt %d: %s" % (i + 1, r.describe()))
        r = login(c3, "nobody.conf@example.org", "wrong password")
        expect_eq(r.status, 429, "status of address attempt %d"
                  % (EXTRA_LIMITS["login_per_address"] + 1))
        expect_retry_after(r, window)


@check("logout: POST without csrf -> 403; with csrf ends the session")
def _():
    c = Client()
    r = login(c, FOCAL_BE)
    expect_eq(r.status, 303, "sign-in")
    sid = c.jar.get("aw_session")
    expect_eq(c.post("/en/logout", {}).status, 403, "logout without csrf")
    expect_eq(c.get("/en/moderation").status, 200, "queue after a refused logout")
    r = c.post("/en/logout", {"csrf": c.csrf()})
    expect(r.status == 303 and r.location() == "/en/", "logout: %s" % r.describe())
    expect("aw_session" not in c.jar, "the session cookie is still in the browser")
    r = c.get("/en/moderation")
    expect(r.status == 303 and r.location() == "/en/login", "queue after logout: %s"
           % r.describe())
    replay = Client()
    replay.jar["aw_session"] = sid
    expect_eq(replay.get("/en/moderation").status, 303, "queue with the old session id replayed")


@check("login: a signed-in moderator visiting /en/login goes to the queue")
def _():
    r = session(MODERATOR).get("/en/login")
    expect(r.status == 303 and r.location() == "/en/moderation", r.describe())


# --- access rules ---


@check("scope setup: pending submissions of BE, FR and of no country")
def _():
    S.be_id, S.be_token = share_ok(share_fields("Scope check in Belgium",
                                                contact_email="be.sharer@example.org"))
    S.fr_id, S.fr_token = share_ok(share_fields("Scope check in France", country="FR",
                                                place="Lyon",
                                                contact_email="fr.sharer@example.org"))
    S.none_id, _ = share_ok(share_fields("Scope check online, no country", country=None))
    expect_eq(submission(S.none_id).country, None, "country of the third")


def _logged_out(route):
    be_id = need("be_id")[0]
    c = Client()
    token = c.csrf()  # a valid CSRF token: only the missing session can be the reason
    method, path, fields = route
    path = path.replace("{id}", str(be_id))
    before = snapshot()
    if method == "GET":
        r = c.get(path)
        expect(r.status == 303 and r.location() == "/en/login", r.describe())
    else:
        f = [("csrf", token)] + [(k, v.replace("{id}", str(be_id))) for k, v in fields]
        r = c.post(path, f)
        expect_eq(r.status, 403, "status")
    expect(snapshot() == before, "the database changed")


LOGGED_OUT_ROUTES = [
    ("GET /en/moderation -> 303 /en/login", ("GET", "/en/moderation", None)),
    ("GET /en/moderation?country=BE -> 303 /en/login", ("GET", "/en/moderation?country=BE", None)),
    ("GET /en/moderation/log -> 303 /en/login", ("GET", "/en/moderation/log", None)),
    ("GET /en/moderation/{id} -> 303 /en/login", ("GET", "/en/moderation/{id}", None)),
    ("POST /en/moderation/{id} action=save -> 403",
     ("POST", "/en/moderation/{id}", [("action", "save"), ("title", "Hijacked"),
                                      ("summary", "x")])),
    ("POST /en/moderation/{id} action=approve -> 403",
     ("POST", "/en/moderation/{id}", [("action", "approve")] + CHECKLIST)),
    ("POST /en/moderation/{id} action=reject -> 403",
     ("POST", "/en/moderation/{id}", [("action", "reject"), ("reason", "off_topic")])),
    ("POST /en/moderation/approve (batch) -> 403",
     ("POST", "/en/moderation/approve", [("ids", "{id}")] + CHECKLIST)),
]

table("logged out", LOGGED_OUT_ROUTES)(_logged_out)


def _focal_denied(case):
    who, target, action = case
    be_id, fr_id, none_id = need("be_id", "fr_id", "none_id")
    sub_id = {"BE": be_id, "FR": fr_id, "none": none_id}[target]
    c = session(who)
    before = snapshot()
    audits = count("audit_log", "action = 'denied'")
    if action == "GET":
        r = c.get("/en/moderation/%d" % sub_id)
    elif action == "batch":
        r = c.post("/en/moderation/approve", [("csrf", c.csrf()), ("ids", str(sub_id))]
                   + CHECKLIST)
    elif action == "save":
        fields = activity_form(session(MODERATOR).get("/en/moderation/%d" % sub_id).body)
        fields["title"] = ["Edited by the wrong focal point"]
        fields.pop("csrf", None)
        r = moderate(c, sub_id, [("action", "save")] + [(k, v) for k, vs in fields.items()
                                                        for v in vs])
    elif action == "approve":
        r = approve(c, sub_id)
    else:
        r = moderate(c, sub_id, [("action", "reject"), ("reason", "off_topic")])
    expect_eq(r.status, 403, "status")
    expect(snapshot() == before, "the database changed")
    expect(count("audit_log", "action = 'denied'") > audits, "no 'denied' entry in the audit log")


table("focal point outside their country -> 403", [
    ("focal.fr GET a BE item", (FOCAL_FR, "BE", "GET")),
    ("focal.fr save a BE item", (FOCAL_FR, "BE", "save")),
    ("focal.fr approve a BE item", (FOCAL_FR, "BE", "approve")),
    ("focal.fr reject a BE item", (FOCAL_FR, "BE", "reject")),
    ("focal.fr batch approve a BE id", (FOCAL_FR, "BE", "batch")),
    ("focal.be GET a FR item", (FOCAL_BE, "FR", "GET")),
    ("focal.be approve a FR item", (FOCAL_BE, "FR", "approve")),
    ("focal.be GET an item of no country", (FOCAL_BE, "none", "GET")),
    ("focal.be approve an item of no country", (FOCAL_BE, "none", "approve")),
])(_focal_denied)


@check("focal point: a batch with an own-country id and a foreign id -> 403, nothing approved")
def _():
    be_id, fr_id = need("be_id", "fr_id")
    c = session(FOCAL_FR)
    before = snapshot()
    r = c.post("/en/moderation/approve", [("csrf", c.csrf()), ("ids", str(fr_id)),
                                          ("ids", str(be_id))] + CHECKLIST)
    expect_eq(r.status, 403, "status")
    expect(snapshot() == before, "the database changed")


@check("focal point: moving an own-country item to another country by editing -> 403")
def _():
    (fr_id,) = need("fr_id")
    c = session(FOCAL_FR)
    r = c.get("/en/moderation/%d" % fr_id)
    expect_eq(r.status, 200, "focal.fr GET its own item")
    fields = activity_form(r.body)
    fields.update({"country": ["BE"], "org_country": ["BE"]})
    fields.pop("csrf", None)
    before = snapshot()
    r = moderate(c, fr_id, [("action", "save")] + [(k, v) for k, vs in fields.items() for v in vs])
    expect_eq(r.status, 403, "status")
    expect(snapshot() == before, "the database changed")


@check("queue: focal.be sees only Belgian items, in the list and in the counts")
def _():
    be_id, fr_id, none_id = need("be_id", "fr_id", "none_id")
    for path in ("/en/moderation", "/en/moderation?country=FR"):
        r = session(FOCAL_BE).get(path)
        expect_eq(r.status, 200, "status of %s" % path)
        ids = queue_ids(r.body)
        want = [i for (i,) in db_rows("SELECT id FROM submissions WHERE status = 'pending' AND "
                                      "country_code = 'BE' ORDER BY created_at, id")]
        expect_eq(ids, want, "items on %s" % path)
        expect(fr_id not in ids and none_id not in ids, "a foreign item is listed")
        expect_eq(queue_counts(r.body), {"Belgium": len(want)}, "counts on %s" % path)
        expect("Pending in your scope: %d." % len(want) in visible_text(r.body),
               "total on %s" % path)
        expect("/en/moderation/log" not in r.body, "link to the audit log for a focal point")


@check("queue: the moderator sees every pending item, oldest first, with counts per country")
def _():
    r = session(MODERATOR).get("/en/moderation")
    expect_eq(r.status, 200, "status")
    want = [i for (i,) in db_rows("SELECT id FROM submissions WHERE status = 'pending' "
                                  "ORDER BY created_at, id")]
    expect_eq(queue_ids(r.body), want, "items")
    counts = queue_counts(r.body)
    by_cc = dict(db_rows("SELECT COALESCE(country_code, ''), COUNT(*) FROM submissions "
                         "WHERE status = 'pending' GROUP BY 1"))
    expect_eq(counts.get("Belgium"), by_cc.get("BE"), "count for Belgium")
    expect_eq(counts.get("France"), by_cc.get("FR"), "count for France")
    expect_eq(counts.get("No country"), by_cc.get(""), "count for no country")
    expect_eq(sum(counts.values()), len(want), "sum of the counts")


@check("queue: filters by country and edition")
def _():
    c = session(MODERATOR)
    ids = queue_ids(c.get("/en/moderation?country=FR").body)
    want = [i for (i,) in db_rows("SELECT id FROM submissions WHERE status = 'pending' AND "
                                  "country_code = 'FR' ORDER BY created_at, id")]
    expect(want, "no pending FR item to filter")
    expect_eq(ids, want, "items for country=FR")
    year = current_year()
    expect_eq(queue_ids(c.get("/en/moderation?edition=2017").body),
              [i for (i,) in db_rows("SELECT id FROM submissions WHERE status = 'pending' AND "
                                     "edition_year = 2017 ORDER BY created_at, id")],
              "items for edition=2017")
    expect_eq(len(queue_ids(c.get("/en/moderation?edition=%d&country=BE" % year).body)),
              count("submissions", "status = 'pending' AND edition_year = ? AND "
                    "country_code = 'BE'", year), "items for edition=%d&country=BE" % year)


def _log_access(case):
    who, want = case
    r = session(who).get("/en/moderation/log")
    expect_eq(r.status, want, "status")


table("audit log page", [
    ("focal.be -> 403", (FOCAL_BE, 403)),
    ("focal.fr -> 403", (FOCAL_FR, 403)),
    ("moderator -> 403", (MODERATOR, 403)),
    ("admin -> 200", (ADMIN, 200)),
])(_log_access)


@check("focal point: may approve in their own country")
def _():
    (fr_id,) = need("fr_id")
    r = approve(session(FOCAL_FR), fr_id)
    expect(r.status == 303, r.describe())
    expect_eq(submission(fr_id).status, "approved", "status")


# --- moderation actions ---


def _approve_incomplete(boxes):
    (sub_id,) = need("valid_id")
    c = session(MODERATOR)
    r = moderate(c, sub_id, [("action", "approve")] + CHECKLIST[:boxes])
    expect_eq(r.status, 422, "status")
    expect("safeguarding checklist" in visible_text(r.body), "no message about the checklist")
    expect_eq(submission(sub_id).status, "pending", "status")


table("approve without the whole checklist -> 422, still pending", [
    ("no box", 0), ("3 of 4 boxes", 3),
])(_approve_incomplete)


@check("approve with the checklist -> published on the edition and country pages, mail sent")
def _():
    sub_id, title, to = need("valid_id", "valid_title", "valid_email")
    r = approve(session(MODERATOR), sub_id)
    expect(r.status == 303 and r.location().startswith("/en/moderation"), r.describe())
    s = submission(sub_id)
    expect_eq(s.status, "approved", "status")
    s.activity_id = share_activity(sub_id)
    expect(s.activity_id, "the share has no published activity")
    expect_eq(db_one("SELECT status FROM activities WHERE id = ?", s.activity_id), "published",
              "activity status")
    ed, country = public_pages("BE")
    expect(title in ed, "not on /en/editions/%d" % current_year())
    expect(title in country, "not on /en/countries/BE")
    expect_eq(activity_page(s.activity_id).status, 200, "activity page")
    wait_mail(to, ["is now published", "/en/activities/%d" % s.activity_id])
    S.valid_act = s.activity_id


@check("a decided item cannot be decided again (409)")
def _():
    (sub_id,) = need("valid_id")
    before = snapshot()
    r = moderate(session(MODERATOR), sub_id, [("action", "reject"), ("reason", "off_topic")])
    expect_eq(r.status, 409, "status")
    expect(snapshot() == before, "the database changed")


@check("private link: a change after publication is pending (kind change); the published "
       "version stays until it is approved")
def _():
    token, act, title = need("valid_token", "valid_act", "valid_title")
    c = Client()
    r = c.get("/en/submissions/%s" % token)
    expect("Published." in visible_text(r.body), "status is not Published")
    fields = activity_form(r.body)
    new_title = "Parents' evening on online safety (second date added)"
    fields["title"] = [new_title]
    fields["place"] = ["Ghent"]
    r = c.post("/en/submissions/%s" % token, fields)
    expect(r.status == 303 and r.location() == "/en/submissions/%s?changed=1" % token,
           r.describe())
    cid = db_one("SELECT id FROM submissions WHERE title = ? ORDER BY id DESC", new_title)
    expect(cid, "no submission with the new title")
    s = submission(cid)
    expect_eq((s.kind, s.status, s.activity_id), ("change", "pending", act),
              "kind, status, activity")
    page = activity_page(act)
    expect(page.status == 200 and title in visible_text(page.body),
           "the published version is no longer shown")
    ed, country = public_pages("BE")
    expect(title in ed and new_title not in ed and new_title not in country,
           "the change is public before approval")
    text = visible_text(c.get("/en/submissions/%s" % token).body)
    expect("published version stays online" in text, "private link status: %r" % text[:300])
    S.change_id, S.change_title = cid, new_title


@check("moderation item: a change shows what it alters in the published version")
def _():
    (cid,) = need("change_id")
    r = session(MODERATOR).get("/en/moderation/%d" % cid)
    expect_eq(r.status, 200, "status")
    m = re.search(r'<table class="diff">(.*?)</table>', r.body, re.S)
    expect(m, "no diff table")
    rows = re.findall(r'<tr( class="changed")?><th scope="row">(.*?)(?: <strong>.*?)?</th>'
                      r'<td>(.*?)</td><td>(.*?)</td></tr>', m.group(1), re.S)
    changed = sorted(text_of(label).strip() for cls, label, _, _ in rows if cls)
    detail = ["%s: %r -> %r" % (text_of(label).strip(), text_of(a), text_of(b))
              for cls, label, a, b in rows if cls]
    expect(changed == ["Place", "Title"], "rows marked changed: %s" % "; ".join(detail))
    expect("Ghent" in m.group(1) and "Brussels" in m.group(1), "old and new place not shown")


@check("approving the change updates the published activity in place")
def _():
    cid, act, new_title = need("change_id", "valid_act", "change_title")
    r = approve(session(MODERATOR), cid)
    expect(r.status == 303, r.describe())
    expect_eq(submission(cid).status, "approved", "status")
    page = activity_page(act)
    expect(page.status == 200 and new_title in visible_text(page.body),
           "the activity page does not show the new title")
    expect_eq(db_one("SELECT place FROM activities WHERE id = ?", act), "Ghent", "place")


@check("reject without a reason -> 422, still pending (table: nothing, 'other' without text, "
       "unknown code)")
def _():
    (be_id,) = need("be_id")
    c = session(MODERATOR)
    for fields in ([], [("reason", "other")], [("reason", "other"), ("reason_text", "  \n ")],
                   [("reason", "no_such_reason")]):
        r = moderate(c, be_id, [("action", "reject")] + fields)
        expect(r.status == 422, "%r: %s" % (fields, r.describe()))
        expect_eq(submission(be_id).status, "pending", "status after %r" % (fields,))


@check("reject with a direction control in the written reason -> 422 naming it, still pending, "
       "no mail")
def _():
    (be_id,) = need("be_id")
    c = session(MODERATOR)
    mails = len(read_mails())
    for text in ("Please " + RLO + "add the dates", "Unclosed " + FSI + "isolate",
                 "Control\x01character"):
        r = moderate(c, be_id, [("action", "reject"), ("reason", "incomplete"),
                                ("reason_text", text)])
        expect(r.status == 422, "%r: %s" % (text, r.describe()))
        m = re.search(r'<div class="error-summary" role="alert"><p>(.*?)</p>', r.body, re.S)
        expect(m and "Written reason or details" in m.group(1),
               "%r: the page does not say what is wrong with the reason" % text)
        expect_eq(submission(be_id).status, "pending", "status after %r" % text)
    expect_eq(len(read_mails()), mails, "mails sent")


@check("reject with a predefined reason -> rejected, the reason mailed to the submitter and "
       "shown on the private link")
def _():
    be_id, token = need("be_id", "be_token")
    reason = "Important information is missing or unclear."
    r = moderate(session(FOCAL_BE), be_id, [("action", "reject"), ("reason", "incomplete"),
                                            ("reason_text", "Please add the dates.")])
    expect(r.status == 303, r.describe())
    s = submission(be_id)
    expect_eq(s.status, "rejected", "status")
    expect(s.reason and reason in s.reason and "Please add the dates." in s.reason,
           "stored reason %r" % s.reason)
    m = wait_mail("be.sharer@example.org", [reason, "Please add the dates."])
    expect("not published" in m.subject.lower() or "not published" in m.body, "mail %r"
           % m.subject)
    text = visible_text(Client().get("/en/submissions/%s" % token).body)
    expect("Not published." in text and reason in text, "private link: %r" % text[:400])


@check("edit with an invalid field -> 422, nothing saved")
def _():
    (sub_id,) = need("none_id")
    c = session(MODERATOR)
    before = submission(sub_id)
    fields = activity_form(c.get("/en/moderation/%d" % sub_id).body)
    fields.pop("csrf", None)
    fields["title"] = [""]
    fields["start"] = ["2025-99-99"]
    r = moderate(c, sub_id, [("action", "save")] + [(k, v) for k, vs in fields.items() for v in vs])
    expect_eq(r.status, 422, "status")
    expect_eq(sorted(field_errors(r.body)), ["start", "title"], "fields with an error")
    after = submission(sub_id)
    expect_eq((after.payload, after.title, after.status), (before.payload, before.title, "pending"),
              "payload, title, status")


@check("edit with valid changes -> payload updated, still pending")
def _():
    (sub_id,) = need("none_id")
    c = session(MODERATOR)
    fields = activity_form(c.get("/en/moderation/%d" % sub_id).body)
    fields.pop("csrf", None)
    fields["title"] = ["Webinar for parents (edited by the moderator)"]
    fields["summary"] = ["A one-hour webinar. Edited."]
    fields["audiences"] = ["parents", "educators"]
    r = moderate(c, sub_id, [("action", "save")] + [(k, v) for k, vs in fields.items() for v in vs])
    expect(r.status == 303 and r.location() == "/en/moderation/%d?saved=1" % sub_id, r.describe())
    s = submission(sub_id)
    expect_eq(s.status, "pending", "status")
    expect_eq(s.title, "Webinar for parents (edited by the moderator)", "title")
    act = json.loads(s.payload)["activity"]
    expect_eq((act["title"], act["summary"], sorted(act["audiences"])),
              ("Webinar for parents (edited by the moderator)", "A one-hour webinar. Edited.",
               ["educators", "parents"]), "payload")
    expect("Your edits are saved" in visible_text(c.get(r.location()).body), "no saved notice")


@check("batch approve of two items -> both published")
def _():
    a, _ = share_ok(share_fields("Batch item one", contact_email="batch@example.org"))
    b, _ = share_ok(share_fields("Batch item two", country="FR", place="Lille",
                                 contact_email="batch@example.org"))
    c = session(MODERATOR)
    before = snapshot()
    r = c.post("/en/moderation/approve", [("csrf", c.csrf()), ("ids", str(a)),
                                          ("ids", str(b))] + CHECKLIST[:3])
    expect(r.status == 303 and "batch_error=1" in r.location(), "without the whole checklist: %s"
           % r.describe())
    expect(snapshot() == before, "something changed without the checklist")
    r = c.post("/en/moderation/approve", [("csrf", c.csrf()), ("ids", str(a)),
                                          ("ids", str(b))] + CHECKLIST)
    expect(r.status == 303 and r.location() == "/en/moderation?approved=2", r.describe())
    for sid, cc, title in ((a, "BE", "Batch item one"), (b, "FR", "Batch item two")):
        s = submission(sid)
        expect_eq(s.status, "approved", "status of %d" % sid)
        ed, country = public_pages(cc)
        expect(title in ed and title in country, "%s not on the public pages" % title)


@check("batch approve: the same id twice publishes one activity, not two")
def _():
    a, _ = share_ok(share_fields("Batch item sent twice", contact_email="batch2@example.org"))
    c = session(MODERATOR)
    acts = count("activities")
    r = c.post("/en/moderation/approve", [("csrf", c.csrf()), ("ids", str(a)), ("ids", str(a))]
               + CHECKLIST)
    made = count("activities") - acts
    state = "answer %d, %d activities created, submission %s" % (r.status, made,
                                                                submission(a).status)
    expect(r.status == 303, state)
    expect(made <= 1 and (made == 1) == (submission(a).status == "approved"), state)


@check("batch approve: an id already decided -> nothing approved (batch_error)")
def _():
    (valid_id,) = need("valid_id")
    b, _ = share_ok(share_fields("Batch with a decided item", contact_email="batch3@example.org"))
    c = session(MODERATOR)
    before = snapshot()
    r = c.post("/en/moderation/approve", [("csrf", c.csrf()), ("ids", str(b)),
                                          ("ids", str(valid_id))] + CHECKLIST)
    expect(r.status == 303 and "batch_error=1" in r.location(), r.describe())
    expect(snapshot() == before, "the database changed")
    expect("Nothing was approved" in visible_text(c.get(r.location()).body), "no message")


@check("moderation item: unknown id -> 404 signed in, redirect to sign-in when not; unknown "
       "action -> 400")
def _():
    c = session(MODERATOR)
    expect_eq(c.get("/en/moderation/999999").status, 404, "unknown id")
    expect_eq(c.get("/en/moderation/abc").status, 404, "non-numeric id")
    r = Client().get("/en/moderation/999999")
    expect(r.status == 303 and r.location() == "/en/login", "logged out: %s" % r.describe())
    (sub_id,) = need("none_id")
    before = snapshot()
    r = moderate(c, sub_id, [("action", "delete")])
    expect_eq(r.status, 400, "action=delete")
    expect(snapshot() == before, "the database changed")


@check("private link: withdraw hides the activity from the public pages, with an audit entry")
def _():
    token, act = need("valid_token", "valid_act")
    c = Client()
    r = c.post("/en/submissions/%s/withdraw" % token, {"csrf": c.csrf()})
    expect(r.status == 303, r.describe())
    expect_eq(db_one("SELECT status FROM activities WHERE id = ?", act), "withdrawn",
              "activity status")
    expect_eq(activity_page(act).status, 404, "activity page")
    title = db_one("SELECT title FROM activities WHERE id = ?", act)
    ed, country = public_pages("BE")
    expect(title not in ed and title not in country, "still on the public pages")
    expect(count("audit_log", "action = 'withdraw' AND detail = ?", "activity:%d" % act) == 1,
           "no withdraw entry in the audit log")
    page = c.get("/en/submissions/%s" % token).body
    expect("Withdraw my activity" not in page, "the private link still offers withdrawal")
    expect("Withdrawn." in page and "Send the change" not in page,
           "the private link does not say Withdrawn, or still offers a change")
    # a change sent anyway does not bring it back
    f = share_fields("Back from the dead")
    for k in ("contact_name", "contact_email", "homepage"):
        f.pop(k, None)
    f["csrf"] = c.csrf()
    r = c.post("/en/submissions/%s" % token, f)
    expect_eq(r.status, 409, "change after withdrawal")
    expect_eq(db_one("SELECT status FROM activities WHERE id = ?", act), "withdrawn",
              "activity status after the refused change")


@check("private token: never written in clear to the access log")
def _():
    (token,) = need("valid_token")
    log = os.environ.get("AW_SERVER_LOG", "")  # set by run.py
    if not os.path.exists(log):
        raise Skip("no server log (AW_SERVER_LOG)")
    with open(log, encoding="utf-8", errors="replace") as fh:
        lines = [l for l in fh if token in l]
    expect(not lines, "%d log lines hold it, e.g. %r" % (len(lines), lines and lines[0][:150]))


# --- audit log ---


def audit_pages(c):
    entries, path = [], "/en/moderation/log"
    for _ in range(100):
        r = c.get(path)
        expect_eq(r.status, 200, "status of %s" % path)
        for row in re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>"
                              r"<td>(.*?)</td><td>(.*?)</td></tr>", r.body):
            entries.append(tuple(text_of(x) for x in row))
        m = re.search(r'<a href="([^"]*)">Older entries</a>', r.body)
        if not m:
            return entries
        path = html.unescape(m.group(1))
    raise Fail("more than 100 pages of audit log")


@check("a summary stored with raw HTML before the rule: the moderation preview and the private "
       "link say that it is not kept; approval is refused until it is edited")
def _():
    sid, token = share_ok(share_fields("Summary stored with HTML", country=None,
                                       contact_email="html.sharer@example.org"))
    planted = "<div>\nEvening workshops\n</div>\n\nFor parents."
    if is_pg():
        db_exec("UPDATE submissions SET payload = jsonb_set(CAST(payload AS jsonb), "
                "'{activity,summary}', to_jsonb(CAST(? AS text)))::text WHERE id = ?", planted, sid)
    else:
        db_exec("UPDATE submissions SET payload = json_set(payload, '$.activity.summary', ?) "
                "WHERE id = ?", planted, sid)
    note = "The summary contains HTML, which is not kept when it is published"
    c = session(MODERATOR)
    body = c.get("/en/moderation/%d" % sid).body
    expect(note in visible_text(body), "no notice on the moderation item")
    m = re.search(r'<div class="preview">(.*?)</div>\s*(?:<h2|$)', body, re.S)
    expect(m and "Evening workshops" not in text_of(m.group(1)) and "For parents." in
           text_of(m.group(1)), "the preview is not what will be published: %r"
           % (m and m.group(1)[:500]))
    expect(note in visible_text(Client().get("/en/submissions/%s" % token).body),
           "no notice on the private link")
    r = approve(c, sid)
    expect_eq(r.status, 422, "approval of a summary with HTML")
    expect_eq(submission(sid).status, "pending", "status")
    r = moderate(c, sid, [("action", "reject"), ("reason", "incomplete")])
    expect_eq(r.status, 303, "rejection (clean-up)")


@check("audit log: shows every step of the scenario (submit, login, edit, approve, reject, "
       "change, withdraw)")
def _():
    valid_id, change_id, be_id, none_id, act = need("valid_id", "change_id", "be_id", "none_id",
                                                     "valid_act")
    entries = audit_pages(session(ADMIN))
    expect_eq(len(entries), count("audit_log"), "entries shown against rows in audit_log")
    ats = [e[0] for e in entries]
    expect(ats == sorted(ats, reverse=True), "not newest first")
    actions = {(e[2], e[3]) for e in entries}
    mod = db_one("SELECT id FROM users WHERE email = ?", MODERATOR)
    want = [("submit", "submission:%d" % valid_id),
            ("login", "user:%d" % mod),
            ("edit", "submission:%d" % none_id),
            ("approve", "submission:%d" % valid_id),
            ("reject", "submission:%d" % be_id),
            ("change", "submission:%d" % change_id),
            ("approve", "submission:%d" % change_id)]
    missing = [w for w in want if w not in actions]
    expect(not missing, "missing entries: %r" % missing)
    expect(any(e[2] == "withdraw" and e[4] == "activity:%d" % act for e in entries),
           "no withdraw entry for activity %d" % act)
    who = {e[2]: e[1] for e in entries}
    expect(who["edit"].endswith(MODERATOR), "actor of the edit: %r" % who["edit"])
    expect_eq(who["submit"], "visitor", "actor of a share")
    expect(all(e[5] for e in entries if e[1] != "cli"), "an entry without an address")


@check("audit log: UPDATE and DELETE are refused by the database (append-only)")
def _():
    n = count("audit_log")
    first = db_rows("SELECT * FROM audit_log ORDER BY id LIMIT 1")
    for sql in ("UPDATE audit_log SET actor = 'nobody'", "DELETE FROM audit_log",
                "DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)"):
        try:
            db_exec(sql)
        except DbError as e:
            expect("append-only" in str(e), "%s failed, but not by the trigger: %s" % (sql, e))
            continue
        raise Fail("%s succeeded" % sql)
    expect_eq(count("audit_log"), n, "rows")
    expect_eq(db_rows("SELECT * FROM audit_log ORDER BY id LIMIT 1"), first, "first row")


# --- the user command ---


@check("user add: password from stdin, the account signs in")
def _():
    rc, out, err = cli("user", "add", "New.Mod@Example.org", "--role", "moderator",
                       stdin=PASSWORD + "\n")
    expect(rc == 0, "exit %d: %s" % (rc, err))
    expect("account created: new.mod@example.org" in out, "output %r" % out)
    r = login(Client(), "new.mod@example.org")
    expect_eq(r.status, 303, "sign-in")
    expect(count("audit_log", "actor = 'cli' AND action = 'user_add' AND object LIKE ?",
                 "%new.mod@example.org%") == 1, "no user_add audit entry")


def _user_add_fails(case):
    args, stdin, want_rc, want_msg = case
    n = count("users")
    rc, out, err = cli("user", "add", *args, stdin=stdin)
    expect_eq(rc, want_rc, "exit status (stderr %r)" % err.strip())
    expect(want_msg in err, "stderr %r does not say %r" % (err.strip(), want_msg))
    expect_eq(count("users"), n, "accounts")


table("user add refused", [
    ("an existing account -> exit 1", ((MODERATOR, "--role", "moderator"), PASSWORD + "\n", 1,
                                       "already exists")),
    ("an existing account in other case -> exit 1",
     (("ADMIN@EXAMPLE.ORG", "--role", "admin"), PASSWORD + "\n", 1, "already exists")),
    ("focal without --country -> exit 2", (("f@example.org", "--role", "focal"),
                                           PASSWORD + "\n", 2, "--country")),
    ("--country for a moderator -> exit 2",
     (("m2@example.org", "--role", "moderator", "--country", "BE"), PASSWORD + "\n", 2,
      "only for focal")),
    ("unknown country -> exit 2", (("f2@example.org", "--role", "focal", "--country", "ZZ"),
                                   PASSWORD + "\n", 2, "unknown country")),
    ("unknown role -> exit 2", (("r@example.org", "--role", "root"), PASSWORD + "\n", 2,
                                "--role")),
    ("not an e-mail address -> exit 2", (("not-an-address", "--role", "admin"),
                                         PASSWORD + "\n", 2, "not an e-mail")),
    ("password of 11 characters -> exit 1", (("short@example.org", "--role", "admin"),
                                             "a" * 11 + "\n", 1, "at least 12")),
    ("no password on stdin -> exit 1", (("nopw@example.org", "--role", "admin"), "", 1,
                                        "no password")),
])(_user_add_fails)


@check("user add: a password of exactly 12 characters is accepted")
def _():
    rc, out, err = cli("user", "add", "twelve@example.org", "--role", "focal", "--country", "FR",
                       stdin="b" * 12 + "\n")
    expect(rc == 0, "exit %d: %s" % (rc, err))
    expect_eq(login(Client(), "twelve@example.org", "b" * 12).status, 303, "sign-in")


@check("user list: every account with its role, country and state")
def _():
    rc, out, err = cli("user", "list")
    expect(rc == 0, "exit %d: %s" % (rc, err))
    rows = {}
    for line in out.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 4:
            rows[parts[0]] = parts[1:4]
    expect_eq(rows.get(ADMIN), ["admin", "-", "active"], ADMIN)
    expect_eq(rows.get(MODERATOR), ["moderator", "-", "active"], MODERATOR)
    expect_eq(rows.get(FOCAL_BE), ["focal", "BE", "active"], FOCAL_BE)
    expect_eq(rows.get(FOCAL_FR), ["focal", "FR", "active"], FOCAL_FR)
    expect_eq(len(rows), count("users"), "rows against accounts")
    expect("never" not in line_of(out, MODERATOR), "the moderator's last login is not shown")


def line_of(out, who):
    for line in out.splitlines():
        if line.startswith(who + " "):
            return line
    return ""


@check("user disable: the open session ends and sign-in fails; enable restores it")
def _():
    who = "disable.me@example.org"
    rc, _, err = cli("user", "add", who, "--role", "focal", "--country", "BE",
                     stdin=PASSWORD + "\n")
    expect(rc == 0, "user add: %s" % err)
    c = Client()
    expect_eq(login(c, who).status, 303, "sign-in")
    expect_eq(c.get("/en/moderation").status, 200, "queue while active")
    rc, out, err = cli("user", "disable", who)
    expect(rc == 0 and "disabled" in out, "disable: %d %s %s" % (rc, out, err))
    r = c.get("/en/moderation")
    expect(r.status == 303 and r.location() == "/en/login", "the open session still works: %s"
           % r.describe())
    expect_eq(login(Client(), who).status, 401, "sign-in of a disabled account")
    expect("disabled" in line_of(cli("user", "list")[1], who), "list does not say disabled")
    rc, _, err = cli("user", "enable", who)
    expect(rc == 0, "enable: %s" % err)
    expect_eq(login(Client(), who).status, 303, "sign-in after enable")


@check("user passwd: the new password works, the old one and the open sessions do not")
def _():
    who = "passwd.me@example.org"
    rc, _, err = cli("user", "add", who, "--role", "moderator", stdin=PASSWORD + "\n")
    expect(rc == 0, "user add: %s" % err)
    c = Client()
    expect_eq(login(c, who).status, 303, "sign-in")
    new = "a brand new passphrase"
    rc, out, err = cli("user", "passwd", who, stdin=new + "\n")
    expect(rc == 0, "passwd: %d %s" % (rc, err))
    expect_eq(c.get("/en/moderation").status, 303, "the open session after passwd")
    expect_eq(login(Client(), who, PASSWORD).status, 401, "sign-in with the old password")
    expect_eq(login(Client(), who, new).status, 303, "sign-in with the new password")
    rc, _, err = cli("user", "passwd", "nobody@example.org", stdin=new + "\n")
    expect_eq(rc, 1, "passwd of an unknown account")
    rc, _, err = cli("user", "passwd", who, stdin="short\n")
    expect_eq(rc, 1, "passwd with a short password")
    expect_eq(login(Client(), who, new).status, 303, "the password after a refused passwd")


# ---------------------------------------------------------------------------------------------


def main():
    return run_checks((("AW_BIN", BIN), ("AW_DB", DB), ("AW_MAILDIR", MAILDIR)),
                      "--users --smtp --exec", timing=True)


if __name__ == "__main__":
    sys.exit(main())
