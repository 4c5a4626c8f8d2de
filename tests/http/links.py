#!/usr/bin/env python3
"""links.py: every internal link of every page type is answered by a route (reverse routing:
links are built from src/app/routes.c, never printed by hand).

Starting from /en/ (and /en/login), as a visitor, as a partner holding a private link and as a
signed-in administrator (who sees every moderation page), it follows every href, src and form action that stays on the site, breadth first, and
requests each target once: a page or a static file must answer 200 (or a redirect to a page
that does), a POST form's target must be a POST route (sent without a CSRF token, which its
handler refuses with 403: 404 or 405 would mean no such route). Every page type must have been reached, so a page that stops linking to
another is noticed too.

    tests/http/run.py --bin build/awareday --users --exec python3 tests/http/links.py

Environment (set by run.py): AW_BASE_URL, AW_DB. Output: "ok N - name" / "not ok N - name:
reason", then "N passed, M failed"."""

import html.parser
import os
import re
import sys
import urllib.parse
from collections import deque

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from awtest import (ADMIN, BASE, DB, PASSWORD, Client, check, csrf_in, edition_year,  # noqa
                    expect, expect_eq, run_checks, share_form)

MAX_PAGES = 2000  # the demo site has a few hundred; a loop in the links would stop here

# Every page type (its route name in routes.c) and a pattern its paths match.
PAGE_TYPES = {
    "home": r"^/en/$",
    "editions": r"^/en/editions$",
    "edition": r"^/en/editions/\d{4}$",
    "activity": r"^/en/activities/\d+(-[a-z0-9-]+)?$",
    "country": r"^/en/countries/[A-Z]{2}$",
    "organisation": r"^/en/organisations/\d+(-[a-z0-9-]+)?$",
    "help": r"^/en/help$",
    "help_country": r"^/en/help/[A-Z]{2}$",
    "share": r"^/en/share$",
    "submission": r"^/en/submissions/[0-9a-f]{64}$",
    "submission_withdraw": r"^/en/submissions/[0-9a-f]{64}/withdraw$",
    "login": r"^/en/login$",
    "logout": r"^/en/logout$",
    "moderation": r"^/en/moderation$",
    "moderation_approve": r"^/en/moderation/approve$",
    "moderation_log": r"^/en/moderation/log$",
    "moderation_item": r"^/en/moderation/\d+$",
    "static": r"^/static/",
}


class Links(html.parser.HTMLParser):
    """The targets of a page: (kind, url) with kind "link" (a, link, img, script) or "form"."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("a", "link") and a.get("href"):
            self.out.append(("link", a["href"]))
        elif tag in ("img", "script", "source") and a.get("src"):
            self.out.append(("link", a["src"]))
        elif tag == "form":
            get = (a.get("method") or "get").lower() == "get"
            self.out.append(("link" if get else "form", a.get("action") or ""))


def internal(url, page):
    """The path (and query) of url when it stays on the site, else None."""
    full = urllib.parse.urljoin(BASE + page, url)
    u = urllib.parse.urlsplit(full)
    b = urllib.parse.urlsplit(BASE)
    if (u.scheme, u.netloc) != (b.scheme, b.netloc):
        return None
    return u.path + ("?" + u.query if u.query else "")


def crawl(client, start, seen_types, problems, visited):
    queue = deque(start)
    while queue and len(visited) < MAX_PAGES:
        kind, path, where = queue.popleft()
        bare = path.split("?")[0]
        if (kind, bare) in visited or (kind == "link" and ("form", bare) in visited):
            continue
        visited.add((kind, bare))
        for name, pat in PAGE_TYPES.items():
            if re.search(pat, bare):
                seen_types.add(name)
        if kind == "form":
            # a POST route must take it: without a CSRF token its handler answers 403 (or the
            # HTTP layer 400 for the fields); 404 or 405 mean no POST route has this path
            r = client.post(path, {})
            if r.status in (404, 405):
                problems.append("form action %s (on %s): %d, no POST route" % (path, where,
                                                                             r.status))
            continue
        if bare.endswith("/logout"):
            continue
        r = client.get(path)
        hops = 0
        while r.status in (301, 302, 303) and hops < 5:
            loc = internal(r.location() or "", bare)
            if loc is None:
                break
            r = client.get(loc)
            hops += 1
        if r.status != 200:
            problems.append("%s (linked from %s): %d" % (path, where, r.status))
            continue
        ctype = r.header("Content-Type") or ""
        if "text/html" not in ctype:
            continue
        p = Links()
        p.feed(r.body)
        for k, url in p.out:
            target = internal(url, bare)
            if target is not None and not url.startswith("#"):
                queue.append((k, target, bare))


def private_link():
    """A partner's private link: share an activity through the form."""
    c = Client()
    r = c.get("/en/share")
    token = csrf_in(r.body)
    expect(token, "no csrf on /en/share")
    form = share_form(edition_year(c), title="Links test", contact_email="links@example.org")
    form["csrf"] = token
    r = c.post("/en/share", form)
    expect_eq(r.status, 303, "share")
    return c, r.location().split("?")[0]


@check("every link, image and form of every page type is answered by a route")
def _():
    seen, problems, visited = set(), [], set()
    # /en/login is the moderators' address, linked from no public page
    crawl(Client(), [("link", "/en/", "start"), ("link", "/en/login", "start")], seen, problems,
          visited)
    partner, link = private_link()
    crawl(partner, [("link", link, "the share form's redirect")], seen, problems, visited)
    mod = Client()
    r = mod.get("/en/login")
    r = mod.post("/en/login", {"csrf": csrf_in(r.body), "email": ADMIN,
                               "password": PASSWORD})
    expect_eq(r.status, 303, "sign-in")
    for k in [k for k in visited if k[1].startswith("/en/moderation") or k[1] == "/en/login"]:
        visited.discard(k)
    crawl(mod, [("link", "/en/moderation", "the sign-in")], seen, problems, visited)
    expect(not problems, "%d broken: %s" % (len(problems), "; ".join(problems[:10])))
    missing = sorted(set(PAGE_TYPES) - seen)
    expect(not missing, "page types no link led to: %s" % ", ".join(missing))
    print("#   %d targets requested, %d page types" % (len(visited), len(seen)))


sys.exit(run_checks([("AW_BASE_URL", BASE), ("AW_DB", DB)], "--users"))
