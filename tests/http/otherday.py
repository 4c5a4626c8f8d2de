"""otherday.py: another awareness day from settings and data alone (issue 8). The instance runs
the made-up "World Day for Safe Play" of tests/data/otherday/: its own vocabularies (kinds of
partner, of activity, audiences, tool and document kinds), countries, editions and help services,
named by the settings data_dir, day_name, day_date, organiser and convention, with the code and
templates of the European Day. The pages must speak of that day only, and the share form must
offer and accept its lists only.

    tests/http/run.py --bin build/awareday --setting data_dir=tests/data/otherday \\
        --setting "day_name=World Day for Safe Play" ... --exec python3 tests/http/otherday.py

Environment (set by run.py): AW_BASE_URL, AW_BIN. Output: "ok N - name" / "not ok N - name:
reason", then "N passed, M failed"."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from awtest import (BIN, Client, check, expect, expect_eq, field_errors, run_checks,  # noqa: E402
                    share_form, table, visible_text)

DAY = "World Day for Safe Play"
ORGANISER = "Safe Play Alliance"
# What only the European Day says: none of it may appear on the other day's pages.
EUROPEAN = ["European Day", "Council of Europe", "Lanzarote", "18 November",
            "Ministry or state body", "Non-governmental organisation", "Workshop",
            "the general public", "General leaflet"]

PAGES = ["/en/", "/en/editions", "/en/editions/2025", "/en/countries/IS", "/en/help",
         "/en/help/IS", "/en/share"]


def page(path):
    r = Client().get(path)
    expect_eq(r.status, 200, "status of %s" % path)
    return visible_text(r.body), r.body


@table("no word of the European Day", [(p, p) for p in PAGES])
def _(path):
    text, _body = page(path)
    found = [w for w in EUROPEAN if w in text]
    expect(not found, "%s says %s" % (path, found))


@check("the home page names the day and its date")
def _():
    text, _ = page("/en/")
    expect(DAY in text, "no day name on the home page")
    expect("11 June" in text, "no day date (11 June) on the home page")


@check("the edition page labels activities from the day's vocabularies")
def _():
    text, _ = page("/en/editions/2025")
    for want in ["Play spaces for every child", "Checking the club's playgrounds",
                 "Playground audit", "caregivers and coaches", "Safety checklist"]:
        expect(want in text, "%r not on the edition page" % want)


@check("the organiser's own activities are under the organiser's name (organiser flag)")
def _():
    _, body = page("/en/editions/2025")
    i = body.find('id="coe-title"')
    expect(i >= 0, "no organiser section")
    section = visible_text(body[i:])
    expect(section.lstrip("> ").startswith(ORGANISER) or ORGANISER in section[:80],
           "the organiser section is not headed %r" % ORGANISER)
    # a retired term still labels what uses it
    expect("The Alliance's play fair" in section, "the Alliance's activity is elsewhere")
    expect("Play fair (no longer used)" in section, "the retired kind has no label")


@check("an edition with only the organiser's activities does not say nothing was recorded")
def _():
    text, _ = page("/en/editions/2024")
    expect("The first Safe Play Day" in text, "the organiser's activity is not listed")
    expect("No activities have been recorded for this edition" not in text,
           "the page says nothing was recorded")
    expect("No activity of a member state has been recorded for this edition" in text,
           "the member-state section does not say what it lacks")


@check("the country page speaks of the organiser and no treaty (convention is empty)")
def _():
    text, _ = page("/en/countries/IS")
    expect("%s member since" % ORGANISER in text, "no membership line")
    expect("ratified" not in text, "a treaty line is shown")


@check("the help page lists the day's verified services")
def _():
    text, _ = page("/en/help/IS")
    expect("Playline Iceland" in text, "the service is not listed")


@check("the share form offers the day's lists, not retired terms")
def _():
    text, body = page("/en/share")
    for label in ["Sports club", "Alliance office", "Playground audit", "caregivers"]:
        expect(label in text, "label %r not on the form" % label)
    for code in ["sports_club", "alliance_office", "playground_audit", "caregivers", "pupils"]:
        expect('value="%s"' % code in body, "%s not offered" % code)
    for code in ["old_fair", "ngo", "workshop", "parents"]:
        expect('value="%s"' % code not in body, "%s offered" % code)


def form(**over):
    f = share_form(2025, org_kind="sports_club", org_country="IS", country="IS",
                   kinds=["playground_audit"], audiences=["caregivers"], start="2025-06-11",
                   languages=["is"], title="Swings checked in Akureyri")
    f.update(over)
    return f


@check("a share with the day's terms is accepted")
def _():
    c = Client()
    f = form()
    f["csrf"] = c.csrf()
    r = c.post("/en/share", f)
    expect_eq(r.status, 303, "status (%s)" % r.describe())


@table("a share with another day's term is refused, field by field", [
    ("kind of partner ngo", ("org_kind", "ngo", "Choose a kind of organisation from the list.")),
    ("kind of activity workshop", ("kinds", ["workshop"],
                                   "Choose kinds of activity from the list.")),
    ("audience parents", ("audiences", ["parents"], "Choose audiences from the list.")),
])
def _(case):
    field, value, message = case
    c = Client()
    f = form(**{field: value})
    f["csrf"] = c.csrf()
    r = c.post("/en/share", f)
    expect_eq(r.status, 422, "status")
    errs = field_errors(r.body)
    expect(errs.get(field) == message, "errors: %r" % errs)


if __name__ == "__main__":
    sys.exit(run_checks((("AW_BIN", BIN),), "--setting data_dir=... --exec"))
