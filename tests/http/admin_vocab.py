"""admin_vocab.py: the vocabularies in the secretariat's workspace (/en/admin/vocabularies,
issue 8): admins add and change terms, every field checked with its own message and what was
typed kept, every change audited with before and after, and the share form follows the lists.

    tests/http/run.py --bin build/awareday --users --exec python3 tests/http/admin_vocab.py

Environment (set by run.py): AW_BASE_URL, AW_BIN, AW_DB, AW_PASSWORD. Output: "ok N - name" /
"not ok N - name: reason", then "N passed, M failed"."""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from awtest import (ADMIN, BIN, DB, MODERATOR, PASSWORD, Client, check, csrf_in,  # noqa: E402
                    db_rows, expect, expect_eq, run_checks, table, visible_text)

VOCAB = "/en/admin/vocabularies"


def signed_in(email):
    c = Client()
    r = c.get("/en/login")
    r = c.post("/en/login", {"csrf": csrf_in(r.body), "email": email, "password": PASSWORD})
    expect_eq(r.status, 303, "sign-in of %s" % email)
    return c


class S:
    admin = None


def add(fields, client=None, list_name="audience", csrf=True):
    c = client or S.admin
    f = {"position": "", "lang": ["en"], "label": ["carers"]}
    f.update(fields)
    if csrf:
        f["csrf"] = csrf_in(c.get(VOCAB).body)
    return c.post("%s/%s" % (VOCAB, list_name), f)


def share_offers(code):
    return ('value="%s"' % code) in Client().get("/en/share").body


def errors(body):
    return [visible_text(m) for m in re.findall(r'<p class="error"[^>]*>(.*?)</p>', body, re.S)]


@check("an anonymous visitor is sent to the sign-in page")
def _():
    r = Client().get("/en/admin")
    expect(r.status in (302, 303), "status %d" % r.status)
    expect("/en/login" in (r.location() or ""), "location %r" % r.location())


@check("a moderator may not see or change the vocabularies (403)")
def _():
    m = signed_in(MODERATOR)
    expect_eq(m.get(VOCAB).status, 403, "GET")
    expect_eq(m.get("/en/admin").status, 403, "GET dashboard")
    r = m.post(VOCAB + "/audience", {"csrf": csrf_in(m.get("/en/share").body), "code": "x",
                                      "position": "", "lang": ["en"], "label": ["x"]})
    expect_eq(r.status, 403, "POST")
    expect(not db_rows("SELECT 1 FROM vocabulary WHERE code = 'x'"), "a term was added")


@check("the admin's dashboard and lists")
def _():
    S.admin = signed_in(ADMIN)
    expect('href="/en/admin"' in S.admin.get("/en/").body, "no link to the workspace")
    expect('href="/en/admin"' not in signed_in(MODERATOR).get("/en/").body,
           "a moderator has a link to the workspace")
    r = S.admin.get("/en/admin")
    expect_eq(r.status, 200, "dashboard")
    expect("Submissions waiting to be checked" in visible_text(r.body), "no waiting count")
    r = S.admin.get(VOCAB)
    expect_eq(r.status, 200, "vocabularies")
    text = visible_text(r.body)
    for want in ["general_public", "the general public", "coe_body", "organiser's",
                 "document_kind"]:
        expect(want in text, "%r not on the page" % want)


@check("a POST without the CSRF token is refused (403), nothing added")
def _():
    r = add({"code": "carers"}, csrf=False)
    expect_eq(r.status, 403, "status")
    expect(not share_offers("carers"), "the term was added")


@table("a bad field: 422, its message, the typed values kept, nothing added", [
    ("code with blanks", ({"code": "Bad Code"}, "Enter a code of lowercase letters")),
    ("code too long", ({"code": "a" * 41}, "Enter a code of lowercase letters")),
    ("no label", ({"code": "carers2", "label": [""]}, "Give the term a label")),
    ("label with a control character", ({"code": "carers3", "label": ["ca\x07rers"]},
                                        "This contains control characters, which are not "
                                        "allowed.")),
    ("a language the site does not have", ({"code": "carers4", "lang": ["xx"]},
                                           "A label is for one of the site's languages.")),
    ("position not a number", ({"code": "carers5", "position": "first"},
                               "Enter a whole number from 1 to 100000.")),
    ("position 0", ({"code": "carers6", "position": "0"},
                    "Enter a whole number from 1 to 100000.")),
    ("a code the list has", ({"code": "parents"},
                             "This list has that code already: change that term instead.")),
])
def _(case):
    fields, message = case
    before = db_rows("SELECT COUNT(*) FROM vocabulary")
    r = add(fields)
    expect_eq(r.status, 422, "status")
    errs = errors(r.body)
    expect(errs and all(message in e for e in errs[:1]), "errors %r" % errs)
    if "code" in fields and len(fields["code"]) <= 40:
        expect('value="%s"' % fields["code"] in r.body, "the code typed is lost")
    expect_eq(db_rows("SELECT COUNT(*) FROM vocabulary"), before, "terms")


@check("an admin adds a term: the share form offers it, the audit log has it")
def _():
    expect(not share_offers("carers"), "offered before")
    r = add({"code": "carers", "label": ["unpaid carers"]})
    expect_eq(r.status, 303, "status (%s)" % r.describe())
    expect(share_offers("carers"), "the share form does not offer the new term")
    expect("unpaid carers" in visible_text(Client().get("/en/share").body), "no label")
    rows = db_rows("SELECT actor, detail FROM audit_log WHERE action = 'term_add' AND "
                   "object = 'audience:carers'")
    expect_eq(len(rows), 1, "audit entries")
    d = json.loads(rows[0][1])
    expect(d["before"] is None, "before %r" % d["before"])
    expect_eq(d["after"]["labels"], {"en": "unpaid carers"}, "after")


@check("an admin retires it: no longer offered, kept, audited with before and after")
def _():
    path = VOCAB + "/audience/carers"
    r = S.admin.get(path)
    expect_eq(r.status, 200, "edit page")
    r = S.admin.post(path, {"csrf": csrf_in(r.body), "position": "3", "retired": "yes",
                            "lang": ["en"], "label": ["carers at home"]})
    expect_eq(r.status, 303, "status (%s)" % r.describe())
    expect(not share_offers("carers"), "a retired term is offered")
    expect_eq(db_rows("SELECT position, retired FROM vocabulary WHERE code = 'carers'"),
              [(3, 1)], "row")
    rows = db_rows("SELECT detail FROM audit_log WHERE action = 'term_update' AND "
                   "object = 'audience:carers'")
    expect_eq(len(rows), 1, "audit entries")
    d = json.loads(rows[0][0])
    expect_eq((d["before"]["retired"], d["after"]["retired"]), (False, True), "retired")
    expect_eq(d["after"]["labels"], {"en": "carers at home"}, "labels after")


@check("a bad edit keeps what was typed and changes nothing")
def _():
    path = VOCAB + "/audience/parents"
    r = S.admin.get(path)
    r = S.admin.post(path, {"csrf": csrf_in(r.body), "position": "many", "lang": ["en"],
                            "label": ["mums and dads"]})
    expect_eq(r.status, 422, "status")
    expect('value="mums and dads"' in r.body, "the label typed is lost")
    expect('value="many"' in r.body, "the position typed is lost")
    expect_eq(db_rows("SELECT label FROM vocabulary_labels WHERE code = 'parents' AND "
                      "list = 'audience' AND lang = 'en'"), [("parents",)], "label")


@table("unknown lists and codes are 404", [
    ("list", "/en/admin/vocabularies/colours/red"),
    ("code", "/en/admin/vocabularies/audience/martians"),
])
def _(path):
    expect_eq(S.admin.get(path).status, 404, "status")


if __name__ == "__main__":
    sys.exit(run_checks((("AW_BIN", BIN), ("AW_DB", DB)), "--users --exec"))
