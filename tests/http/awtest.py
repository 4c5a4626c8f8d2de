"""awtest.py: what the HTTP test scripts run through tests/http/run.py --exec (moderation.py,
import.py) share: the environment run.py sets, check registration and the "ok N - name" /
"not ok N - name: reason" report closed by "N passed, M failed", an HTTP client with a small
cookie jar and its own loopback source address, the visible text of a page, read-only database
queries and the `awareday` command line. Python standard library only."""

import html
import html.parser
import http.client
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import traceback
import urllib.parse

BASE = os.environ.get("AW_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
_u = urllib.parse.urlsplit(BASE)
HOST, PORT = _u.hostname, _u.port or 80
BIN = os.environ.get("AW_BIN", "")
DB = os.environ.get("AW_DB", "")
MAILDIR = os.environ.get("AW_MAILDIR", "")
PASSWORD = os.environ.get("AW_PASSWORD", "correct horse battery staple")

ADMIN = "admin@example.org"
MODERATOR = "moderator@example.org"
FOCAL_BE = "focal.be@example.org"
FOCAL_FR = "focal.fr@example.org"


class Fail(Exception):
    """A check failed; the message says why."""


class Skip(Exception):
    """A check cannot run here; the message says why."""


def expect(cond, msg):
    if not cond:
        raise Fail(msg)


def expect_eq(got, want, what):
    if got != want:
        raise Fail("%s: expected %r, got %r" % (what, want, got))


# ---------------------------------------------------------------------------------------------
# Checks, in the order they run (later ones use what earlier ones made)

CHECKS = []


def check(name):
    def reg(fn):
        CHECKS.append((name, fn))
        return fn
    return reg


def table(name, rows):
    """One check per row: rows is [(row name, argument)]; the function takes the argument."""
    def reg(fn):
        for label, *args in rows:
            arg = args[0] if len(args) == 1 else tuple(args)
            CHECKS.append(("%s: %s" % (name, label), (lambda a=arg: fn(a))))
        return fn
    return reg


def run_checks(required, hint, timing=False):
    """Runs CHECKS and prints the report; returns the exit status. required: [(variable name,
    value)] of the environment; hint: the run.py options the script needs. With timing, checks
    over 5 s and the whole run print their duration as comments."""
    missing = [n for n, v in required if not v]
    if missing:
        print("not ok 1 - environment: %s not set (run through tests/http/run.py %s)"
              % (", ".join(missing), hint))
        print("0 passed, 1 failed")
        return 1
    passed = failed = 0
    t0 = time.monotonic()
    for n, (name, fn) in enumerate(CHECKS, 1):
        t = time.monotonic()
        try:
            fn()
        except Fail as e:
            failed += 1
            print("not ok %d - %s: %s" % (n, name, e))
        except Skip as e:
            passed += 1
            print("ok %d - %s # SKIP %s" % (n, name, e))
        except Exception as e:  # a broken check, or the server went away
            failed += 1
            tb = traceback.format_exc().strip().splitlines()
            print("not ok %d - %s: %s: %s" % (n, name, type(e).__name__, e))
            print("\n".join("#   " + l for l in tb[-6:]))
        else:
            passed += 1
            print("ok %d - %s" % (n, name))
        if timing and time.monotonic() - t > 5:
            print("#   (%.1f s)" % (time.monotonic() - t))
        sys.stdout.flush()
    if timing:
        print("# %.1f s" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


# ---------------------------------------------------------------------------------------------
# HTTP with a small cookie jar, from a chosen loopback address

_addr_counter = [10]


def new_addr():
    """A loopback address no other client used yet (127.0.0.10, 127.0.0.11, ...)."""
    n = _addr_counter[0]
    _addr_counter[0] += 1
    return "127.0.%d.%d" % (n // 250, n % 250 + 1)


class Resp:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers  # [(name, value)], repeats kept
        self.raw = raw
        self.body = raw.decode("utf-8", "replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def cookies(self):
        """{name: full Set-Cookie value} of the cookies this response sets."""
        out = {}
        for k, v in self.headers:
            if k.lower() == "set-cookie":
                out[v.split("=", 1)[0].strip()] = v
        return out

    def location(self):
        loc = self.header("Location") or ""
        if loc.startswith(BASE):
            loc = loc[len(BASE):]
        return loc

    def describe(self):
        return "status %d, Location %r, body %r" % (self.status, self.header("Location"),
                                                    visible_text(self.body)[:300])


def encode_form(fields):
    """fields: dict or list of pairs; a value may be a str, bytes, a list (several values) or
    None (field left out)."""
    items = fields.items() if isinstance(fields, dict) else fields
    pairs = []
    for k, v in items:
        if v is None:
            continue
        for one in (v if isinstance(v, (list, tuple)) else [v]):
            pairs.append((k, one))
    return urllib.parse.urlencode(pairs).encode("ascii")


class Client:
    """One browser: its own cookies and its own source address."""

    def __init__(self, addr=None):
        self.addr = addr or new_addr()
        self.jar = {}
        self.port = PORT

    def request(self, method, path, fields=None, body=None, headers=None, cookies=True):
        h = {"Host": "%s:%d" % (HOST, self.port), "Accept-Encoding": "identity",
             "Connection": "close"}
        if fields is not None:
            body = encode_form(fields)
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies and self.jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.jar.items())
        h.update(headers or {})
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30,
                                          source_address=(self.addr, 0))
        t0 = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            resp = Resp(r.status, r.getheaders(), r.read())
        finally:
            conn.close()
        if time.monotonic() - t0 > 1.0:
            print("#   slow request: %s %s took %.1f s (status %d)"
                  % (method, path[:60], time.monotonic() - t0, resp.status))
        for name, line in resp.cookies().items():
            value = line.split(";", 1)[0].split("=", 1)[1].strip()
            attrs = [a.strip().lower() for a in line.split(";")[1:]]
            if not value or "max-age=0" in attrs:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, fields, **kw):
        return self.request("POST", path, fields=fields, **kw)

    def csrf(self):
        """The CSRF token of this browser's forms (from the share page, which always has one)."""
        r = self.get("/en/share")
        token = csrf_in(r.body)
        expect(token, "no csrf field on /en/share (%s)" % r.describe())
        return token


def edition_year(client):
    """The year of the edition the share form is for (the newest one)."""
    m = re.search(r"for the (\d{4}) edition", client.get("/en/share").body)
    expect(m, "the share page does not name its edition")
    return int(m.group(1))


def share_form(year, **over):
    """A valid share form for a new organisation in Belgium, for the edition of `year`; over:
    the fields a test wants otherwise (its own title, organisation, address...)."""
    f = {"org_id": "new", "org_name": "Test association", "org_kind": "ngo",
         "org_country": "BE", "org_website": "", "title": "Test activity",
         "summary": "Evening talks for parents.", "kinds": ["workshop"], "audiences": ["parents"],
         "country": "BE", "place": "Ghent", "start": "%d-11-17" % year, "end": "",
         "languages": ["nl"], "contact_name": "Bo Tester",
         "contact_email": "bo.tester@example.org", "homepage": ""}
    f.update(over)
    return f


def csrf_in(body):
    m = re.search(r'<input type="hidden" name="csrf" value="([^"]*)"', body)
    return html.unescape(m.group(1)) if m else None


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        self.parts.append(" ")


def visible_text(body):
    p = _Text()
    p.feed(body)
    p.close()
    return re.sub(r"\s+", " ", "".join(p.parts)).strip()


# ---------------------------------------------------------------------------------------------
# Forms as a browser would send them again


class Forms(html.parser.HTMLParser):
    """What a browser would send from each form of a page: [{attrs, fields: {name: [values]}}].
    Text inputs give their value, checked checkboxes and radios theirs, a select its selected
    options (or its first one), a textarea its text."""

    def __init__(self, body):
        super().__init__(convert_charrefs=True)
        self.forms, self.cur = [], None
        self.select = self.textarea = None
        self.feed(body)
        self.close()

    def add(self, name, value):
        if self.cur is not None and name:
            self.cur["fields"].setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.cur = {"attrs": a, "fields": {}}
            self.forms.append(self.cur)
        elif tag == "input":
            t = (a.get("type") or "text").lower()
            if t in ("checkbox", "radio"):
                if "checked" in a:
                    self.add(a.get("name"), a.get("value") or "on")
            elif t not in ("submit", "button", "reset"):
                self.add(a.get("name"), a.get("value") or "")
        elif tag == "select":
            self.select = {"name": a.get("name"), "first": None, "chosen": []}
        elif tag == "option" and self.select is not None:
            v = a.get("value") or ""
            if self.select["first"] is None:
                self.select["first"] = v
            if "selected" in a:
                self.select["chosen"].append(v)
        elif tag == "textarea":
            self.textarea = {"name": a.get("name"), "text": []}

    def handle_endtag(self, tag):
        if tag == "form":
            self.cur = None
        elif tag == "select" and self.select is not None:
            s = self.select
            for v in s["chosen"] or ([s["first"]] if s["first"] is not None else []):
                self.add(s["name"], v)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.add(self.textarea["name"], "".join(self.textarea["text"]))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["text"].append(data)

    def by_class(self, cls):
        for f in self.forms:
            if cls in (f["attrs"].get("class") or "").split():
                return f["fields"]
        return None


def activity_form(body):
    """The fields of the page's activity form (share, private link, moderation edit)."""
    fields = Forms(body).by_class("activity-form")
    expect(fields is not None, "no activity form on the page")
    return fields


def text_of(fragment):
    """The text of an HTML fragment: tags (the <bdi> that isolates every value) removed,
    entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))


def field_errors(body):
    """{field: message} of the error paragraphs next to fields (class="error" id="f-X-error")."""
    found = re.findall(r'<p class="error" id="f-([A-Za-z0-9_]+)-error">(.*?)</p>', body, re.S)
    out = {}
    for name, msg in found:
        expect(name not in out, "two error messages for field %s" % name)
        out[name] = text_of(msg)
    return out


def expect_kept(body, typed):
    """Every typed value comes back in the activity form as the browser would send it again."""
    state = activity_form(body)
    for name, want in typed.items():
        if want is None:
            continue
        got = state.get(name, [])
        if isinstance(want, list):
            expect(sorted(got) == sorted(want),
                   "field %s: typed %r, the form now holds %r" % (name, want, got))
        else:
            expect(got == [want], "field %s: typed %r, the form now holds %r" % (name, want, got))


# ---------------------------------------------------------------------------------------------
# Database (read-only), command line


class DbError(Exception):
    """A statement the database refused; the message is the database's."""


def is_pg():
    """Whether the server under test runs on PostgreSQL (run.py --pg)."""
    return DB.startswith(("postgresql://", "postgres://"))


def _literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def _bind(sql, args):
    """sql with each ? outside quotes replaced by the next argument as a literal (psql has no
    positional parameters on its command line)."""
    out, quote, it = [], None, iter(args)
    for ch in sql:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            out.append(_literal(next(it)))
            continue
        out.append(ch)
    return "".join(out)


_NULL = "\x01"


def _psql(sql, args):
    psql = shutil.which("psql") or "/usr/bin/psql"
    r = subprocess.run([psql, DB, "-X", "-q", "-A", "-t", "-F", "\x1f", "-R", "\x1e", "-P",
                        "null=" + _NULL, "-v", "ON_ERROR_STOP=1", "-c", _bind(sql, args)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if r.returncode != 0:
        raise DbError(r.stderr.decode("utf-8", "replace").strip())
    text = r.stdout.decode("utf-8")
    if text.endswith("\n"):
        text = text[:-1]
    rows = []
    for rec in text.split("\x1e") if text else []:
        row = []
        for v in rec.split("\x1f"):
            row.append(None if v == _NULL else int(v) if re.fullmatch(r"-?[0-9]+", v) else v)
        rows.append(tuple(row))
    return rows


def db_rows(sql, *args):
    """The rows of a query, read-only, with ? parameters; on SQLite or PostgreSQL alike (write the
    SQL both accept)."""
    if is_pg():
        return _psql(sql, args)
    con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(DB), uri=True, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def db_exec(sql, *args):
    """Runs one statement that writes (a test that plants data), committed; DbError when refused."""
    if is_pg():
        _psql(sql, args)
        return
    con = sqlite3.connect(DB, timeout=10)
    try:
        con.execute(sql, args)
        con.commit()
    except sqlite3.DatabaseError as e:
        raise DbError(str(e))
    finally:
        con.close()


def db_columns():
    """[(table, column)] of every table of the database."""
    if is_pg():
        return db_rows("SELECT table_name, column_name FROM information_schema.columns WHERE "
                       "table_schema = 'public' ORDER BY table_name, ordinal_position")
    out = []
    for (t,) in db_rows("SELECT name FROM sqlite_master WHERE type = 'table'"):
        out += [(t, c) for (c,) in db_rows("SELECT name FROM pragma_table_info(?)", t)]
    return out


def db_one(sql, *args):
    rows = db_rows(sql, *args)
    return rows[0][0] if rows else None


def cli(*args, stdin=""):
    """`awareday ARGS --db DB` without the AWAREDAY_* variables, stdin given; returns (exit
    status, stdout, stderr)."""
    r = subprocess.run([BIN] + list(args) + ["--db", DB], input=stdin.encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60,
                       env={k: v for k, v in os.environ.items() if not k.startswith("AWAREDAY_")})
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------
# A second server on the same database


def write_conf(directory, conf):
    """Writes conf ({name: value}) as a config file in directory; returns its path."""
    path = os.path.join(directory, "awareday.conf")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("".join("%s = %s\n" % kv for kv in conf.items()))
    return path


class ExtraServer:
    """`awareday serve` on the test database with extra settings (env: AWAREDAY_* variables;
    conf: {name: value} written to its config file), on a free port; stopped (SIGTERM, by its
    own pid) when the block ends."""

    def __init__(self, env=None, conf=None):
        self.env = env or {}
        self.conf = conf or {}

    def __enter__(self):
        import socket
        import tempfile
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        self.tmp = tempfile.mkdtemp(prefix="aw-extra-")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWAREDAY_")}
        env.update({"XDG_CONFIG_HOME": self.tmp, "XDG_DATA_HOME": self.tmp}, **self.env)
        if self.conf:
            env["AWAREDAY_CONFIG"] = write_conf(self.tmp, self.conf)
        self.log = open(os.path.join(self.tmp, "server.log"), "wb")
        self.proc = subprocess.Popen([BIN, "serve", "--db", DB, "--listen", "127.0.0.1:%d" % port],
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 10
        while True:
            try:
                c = Client()
                c.port = port
                c.get("/en/")
                return port
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    raise Fail("the second server did not start")
                time.sleep(0.1)

    def __exit__(self, *exc):
        import shutil
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False
