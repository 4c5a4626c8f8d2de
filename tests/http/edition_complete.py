#!/usr/bin/env python3
"""edition_complete.py: the 2017 edition page carries everything the demo data
(data/demo/2017.json, entered from the published page) holds: every country
section the seed has, each with every activity and statement listed under it,
the other partners, the Council of Europe section and the related documents,
and the joint statement's counts. Run through tests/http/run.py --exec, which
starts a fresh demo server and sets AW_BASE_URL."""
import html
import html.parser
import json
import os
import pathlib
import sys
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The member states whose sections the 2017 seed page has, in its order.
SEED_COUNTRIES = ["AL", "AT", "BE", "BG", "HR", "DK", "EE", "FI", "FR", "DE", "GR", "HU",
                  "PL", "SM", "SK", "SI", "ES", "SE", "UA"]


class Sections(html.parser.HTMLParser):
    """Collects the text of each <section> by id or aria-labelledby, nested
    sections included in their parents."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.text = {}
        self.order = []

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            a = dict(attrs)
            key = a.get("id") or a.get("aria-labelledby") or "?"
            self.stack.append(key)
            self.text.setdefault(key, [])
            self.order.append(key)

    def handle_endtag(self, tag):
        if tag == "section" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for key in self.stack:
            self.text[key].append(data)


def main():
    base = os.environ["AW_BASE_URL"]
    data = json.loads((ROOT / "data/demo/2017.json").read_text(encoding="utf-8"))
    body = urllib.request.urlopen(base + "/en/editions/2017", timeout=10).read().decode()
    p = Sections()
    p.feed(body)
    text = {k: " ".join("".join(v).split()) for k, v in p.text.items()}
    orgs = {o["key"]: o for o in data["organisations"]}
    checks = []

    def check(name, ok):
        checks.append((name, ok))

    found = [k[len("country-"):] for k in p.order if k.startswith("country-")]
    check("every seed country has a section (%d expected, %d found)"
          % (len(SEED_COUNTRIES), len(found)), sorted(found) == sorted(SEED_COUNTRIES))
    for a in data["activities"]:
        title = " ".join(a["title"].split())
        org = orgs[a["organisation"]]
        if a["country"]:
            where = "country-" + a["country"]
        elif org["kind"] == "coe_body":
            where = "coe"
        else:
            where = "other-partners"
        check("activity %s listed under %s" % (a["key"], where), title in text.get(where, ""))
    for s in data["statements"]:
        org = orgs[s["organisation"]]
        where = ("country-" + org["country"] if org["country"]
                 else "coe" if org["kind"] == "coe_body" else "other-partners")
        who = s["speaker"] or org["name"]
        check("statement %s listed under %s" % (s["key"], where), who in text.get(where, ""))
    for d in data["documents"]:
        check("document %s listed" % d["key"], " ".join(d["title"].split()) in text.get("documents", ""))
    for t in data["tools"]:
        check("tool %s listed" % t["key"], " ".join(t["title"].split()) in text.get("tools", ""))
    check("joint statement: issued by 4, supported by 35",
          "issued by 4 member states (Andorra, Luxembourg, Monaco and Slovenia) and supported "
          "by 35 others" in text.get("member-states", ""))
    # Countries in alphabetical order of their English names.
    names = []
    for code in found:
        start = body.index('id="country-%s"' % code)
        names.append(html.unescape(body[body.index(">", body.index("<a ", start)) + 1:
                                        body.index("</a>", start)]))
    check("countries in alphabetical order", names == sorted(names))
    failed = 0
    for i, (name, ok) in enumerate(checks, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        failed += not ok
    print("%d passed, %d failed" % (len(checks) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
