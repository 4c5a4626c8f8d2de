#!/usr/bin/env python3
"""run.py: awareday's HTTP tests as data (curl's tests/data style), run against a real server.

The runner creates a temporary directory, makes a demo database there with
`BIN init --demo --db TMP/t.db`, starts `BIN serve --db TMP/t.db --listen 127.0.0.1:PORT` on a
free port, waits until it answers (10 s at most), runs every case over a raw socket, then sends
SIGTERM and checks that the server exits with status 0 within 10 s (that check is the last test).
It prints "ok N - name" or "not ok N - name: reason" per case and closes with "N passed, M failed".
Exit status: 0 when everything passed, 1 otherwise, 2 for a usage error.

    run.py --bin build/awareday [--cases DIR] [--only NAME]...   run the cases
    run.py --bin build/awareday --dump DIR                       save every page type (validate.sh)
    run.py --bin build/awareday --exec CMD [ARGS...]             run CMD against a fresh server
                                                                 (AW_BASE_URL, AW_PORT in its env)
    run.py --setting NAME=VALUE ...                              a line of the instance's config
                                                                 file (repeatable)
    run.py --server 127.0.0.1:8080 ...                           use a server that is already up
    run.py --pg DIR ...                                          the same on PostgreSQL: a fresh
                                                                 database of the cluster that
                                                                 scripts/pg.sh started in DIR

Case files (tests/http/cases/*.test), one case per file, UTF-8:

    # First comment line: what the case checks (comments only before the first section).
    --- request
    GET /en/editions/2017 HTTP/1.1
    Host: {{host}}
    Accept-Encoding: identity

    --- expect status
    200
    --- expect headers
    Content-Type: text/html; charset=utf-8
    Content-Security-Policy: ~ frame-ancestors 'none'
    Content-Security-Policy: !~ unsafe-inline
    --- expect body contains
    Andorra

Sections (a section may appear more than once; trailing blank lines of a section are ignored):

  --- request             A well-formed request: request line, headers, a blank line, then an
                          optional body. Lines are sent with CRLF. Host is added when missing,
                          Content-Length when there is a body and neither it nor
                          Transfer-Encoding is given.
  --- request raw         Bytes sent exactly. The section's lines are joined with nothing between
                          them; write line ends as \\r\\n. Escapes: \\r \\n \\t \\0 \\\\ \\xNN.
  --- expect status       Space-separated codes, classes or exclusions: "200", "301 302", "3xx",
                          "!414 !5xx". The status must match one of the positive items (if any)
                          and none of the "!" items. "closed" also accepts a connection closed
                          without a single byte of response (then nothing else is checked).
  --- expect headers      One header per line; the name is case-insensitive and every line must
                          hold for some instance of that header:
                            Name: value    a value equal to this one (case-insensitive)
                            Name: ~ RE     a value matching the Python regex RE (re.search)
                            Name: !~ RE    the header is present and no value matches RE
                            Name: *        present, any value
  --- expect headers absent   One header name per line: none of these is in the response.
  --- expect header count     "Name: N", "Name: >=N" or "Name: <=N": how many times a header
                          appears (e.g. "Content-Security-Policy: 1" catches duplicates).
  --- expect body contains    / --- expect body not contains
                          One literal fragment per line, searched in the body (after gzip
                          decoding when Content-Encoding is gzip).
  --- expect body matches     / --- expect body not matches
                          One Python regex per line (re.search on the decoded body text).
  --- expect text contains    / --- expect text matches
                          Like the body ones, on the page's visible text: tags, scripts and
                          styles removed, entities decoded, white space collapsed to one space.
  --- expect body empty   No body bytes at all (also none after the response, e.g. for HEAD).
  --- expect response not contains
                          Literal fragments that appear nowhere: not in the status line, the
                          headers, the raw body or the decoded body (for "never echo the path").
  --- expect closed       (empty) After this one response the server closes the connection
                          within 3 s and sends nothing more: no second response to bytes
                          smuggled behind the first request, and no waiting for a timeout.

Placeholders, usable in every section:
  {{host}}                 127.0.0.1:PORT
  {{port}}                 PORT
  {{activity_url}}         the first href starting /en/activities/ on /en/editions/2017
  {{organisation_url}}     the first href starting /en/organisations/ on /en/editions/2017
  {{etag:PATH}}            the ETag of a plain GET of PATH (fetched first, without
                           Accept-Encoding): two-step conditional requests
  {{fill:PREFIX:TOTAL}}    PREFIX followed by "a"s up to TOTAL bytes (limit tests:
                           {{fill:/en/:2048}} is a request target of exactly 2048 bytes)
  {{headfill:TOTAL}}       as many "a"s as make the whole request head (request line, headers and
                           the blank line, CRLFs included) exactly TOTAL bytes; one per request
"""

import argparse
import fnmatch
import gzip
import html
import html.parser
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zlib

READY_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
IO_TIMEOUT = 10.0

# Page types, for --dump (tests/html/validate.sh): name, path, expected status.
PAGES = [
    ("home", "/en/", 200),
    ("editions", "/en/editions", 200),
    ("edition", "/en/editions/2017", 200),
    ("country", "/en/countries/BE", 200),
    ("activity", "{{activity_url}}", 200),
    ("organisation", "{{organisation_url}}", 200),
    ("help", "/en/help", 200),
    ("help-country", "/en/help/BE", 200),
    ("not-found", "/en/no-such-page", 404),
]

DISCOVERY_PAGE = "/en/editions/2017"
DISCOVER = {
    "activity_url": "/en/activities/",
    "organisation_url": "/en/organisations/",
}


class CaseError(Exception):
    """A case failed (or could not run); the message says why."""


class ClosedWithoutResponse(CaseError):
    """The server closed the connection without sending a single byte."""


# ---------------------------------------------------------------------------------------------
# HTTP over a raw socket


class Response:
    def __init__(self):
        self.status = 0
        self.reason = ""
        self.status_line = b""
        self.headers = []  # [(name, value)] in order, repeated headers kept
        self.head = b""
        self.raw_body = b""
        self.body = b""  # decoded (gzip) body
        self.extra = b""  # bytes after the framed response (Connection: close)

    def values(self, name):
        n = name.lower()
        return [v for k, v in self.headers if k.lower() == n]

    def header(self, name):
        v = self.values(name)
        return v[0] if v else None

    def text(self):
        return self.body.decode("utf-8", "replace")


def _recv_until(sock, buf, marker, deadline):
    while marker not in buf:
        buf += _recv_some(sock, deadline, "the end of the response head")
    return buf


def _recv_some(sock, deadline, what):
    left = deadline - time.monotonic()
    if left <= 0:
        raise CaseError("timed out waiting for " + what)
    sock.settimeout(left)
    try:
        data = sock.recv(65536)
    except socket.timeout:
        raise CaseError("timed out waiting for " + what) from None
    except ConnectionResetError:
        data = b""
    if not data:
        raise CaseError("connection closed before " + what)
    return data


def _recv_head(sock, deadline):
    """Reads up to the end of a response head; a close before any byte is its own error."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        try:
            buf += _recv_some(sock, deadline, "the end of the response head")
        except CaseError:
            if not buf:
                raise ClosedWithoutResponse("connection closed without a response") from None
            raise
    return buf


def _read_exact(sock, buf, n, deadline):
    while len(buf) < n:
        buf += _recv_some(sock, deadline, "the rest of the body")
    return buf


def _read_to_eof(sock, buf, deadline):
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return buf
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return buf
        except (ConnectionResetError, OSError):
            return buf
        if not data:
            return buf
        buf += data


def _dechunk(sock, buf, deadline):
    body = b""
    while True:
        buf = _recv_until(sock, buf, b"\r\n", deadline)
        line, buf = buf.split(b"\r\n", 1)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise CaseError("bad chunk size line %r" % line[:40]) from None
        if size == 0:
            # trailers until an empty line
            while True:
                buf = _recv_until(sock, buf, b"\r\n", deadline)
                line, buf = buf.split(b"\r\n", 1)
                if not line:
                    return body, buf
        buf = _read_exact(sock, buf, size + 2, deadline)
        if buf[size : size + 2] != b"\r\n":
            raise CaseError("chunk not followed by CRLF")
        body += buf[:size]
        buf = buf[size + 2 :]


def _read_until_eof(sock, buf, deadline):
    """Reads until the server closes (True) or the deadline passes (False)."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return buf, False
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return buf, False
        except (ConnectionResetError, OSError):
            return buf, True
        if not data:
            return buf, True
        buf += data


def exchange(port, request, timeout=IO_TIMEOUT, read_rest=False):
    """Sends request bytes to 127.0.0.1:port and reads one response (skipping 1xx).
    read_rest: then read until the server closes (resp.eof) or 3 s pass."""
    method = request.split(b" ", 1)[0].upper() if b" " in request else b""
    wants_close = re.search(rb"(?im)^connection:\s*close\s*$", request.split(b"\r\n\r\n")[0])
    deadline = time.monotonic() + timeout
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (413, 431...) and close before reading it all
        buf = b""
        while True:
            if buf:
                buf = _recv_until(sock, buf, b"\r\n\r\n", deadline)
            else:
                buf = _recv_head(sock, deadline)
            head, buf = buf.split(b"\r\n\r\n", 1)
            resp = Response()
            resp.head = head
            lines = head.split(b"\r\n")
            resp.status_line = lines[0]
            m = re.match(rb"HTTP/(\d)\.(\d) (\d{3})(?: (.*))?$", lines[0])
            if not m:
                raise CaseError("bad status line %r" % lines[0][:80])
            resp.status = int(m.group(3))
            resp.reason = (m.group(4) or b"").decode("latin-1")
            for line in lines[1:]:
                if b":" not in line:
                    raise CaseError("bad header line %r" % line[:80])
                k, v = line.split(b":", 1)
                resp.headers.append((k.decode("latin-1"), v.strip().decode("latin-1")))
            if 100 <= resp.status < 200:
                continue
            break
        if method == b"HEAD" or resp.status in (204, 304):
            body = b""
        elif "chunked" in (resp.header("Transfer-Encoding") or "").lower():
            body, buf = _dechunk(sock, buf, deadline)
        elif resp.header("Content-Length") is not None:
            try:
                n = int(resp.header("Content-Length"))
            except ValueError:
                raise CaseError("bad Content-Length %r" % resp.header("Content-Length")) from None
            buf = _read_exact(sock, buf, n, deadline)
            body, buf = buf[:n], buf[n:]
        else:
            body = _read_to_eof(sock, buf, deadline)
            buf = b""
        resp.raw_body = body
        closing = wants_close or "close" in (resp.header("Connection") or "").lower()
        resp.eof = False
        if read_rest:
            buf, resp.eof = _read_until_eof(sock, buf, time.monotonic() + 3.0)
        elif closing:
            buf = _read_to_eof(sock, buf, min(deadline, time.monotonic() + 2.0))
        resp.extra = buf
        enc = (resp.header("Content-Encoding") or "").lower()
        if enc == "gzip":
            try:
                resp.body = gzip.decompress(body)
            except (OSError, EOFError, zlib.error) as e:
                raise CaseError("Content-Encoding: gzip but the body does not decode: %s" % e)
        elif enc in ("", "identity"):
            resp.body = body
        else:
            raise CaseError("unexpected Content-Encoding %r" % enc)
        return resp
    finally:
        sock.close()


def simple_get(port, path, extra_headers=""):
    req = "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%sConnection: close\r\n\r\n" % (
        path,
        port,
        extra_headers,
    )
    return exchange(port, req.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Visible text of a page


class _TextExtractor(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.skip += 1
        self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self.skip:
            self.skip -= 1
        self.parts.append(" ")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(body):
    p = _TextExtractor()
    p.feed(body)
    p.close()
    return re.sub(r"\s+", " ", "".join(p.parts)).strip()


# ---------------------------------------------------------------------------------------------
# Placeholders


class Context:
    def __init__(self, port):
        self.port = port
        self.discovered = None
        self.etags = {}

    def discover(self, name):
        if self.discovered is None:
            self.discovered = {}
            try:
                r = simple_get(self.port, DISCOVERY_PAGE, "Accept-Encoding: identity\r\n")
            except (CaseError, OSError) as e:
                raise CaseError("cannot fetch %s to find links: %s" % (DISCOVERY_PAGE, e))
            text = r.text()
            for var, prefix in DISCOVER.items():
                m = re.search(r'href="(%s[^"#?]+)"' % re.escape(prefix), text)
                if m:
                    self.discovered[var] = html.unescape(m.group(1))
            self.discovery_status = r.status
        if name not in self.discovered:
            raise CaseError(
                "no link starting %s on %s (status %d): cannot set {{%s}}"
                % (DISCOVER[name], DISCOVERY_PAGE, self.discovery_status, name)
            )
        return self.discovered[name]

    def etag(self, path):
        if path not in self.etags:
            try:
                r = simple_get(self.port, path)
            except (CaseError, OSError) as e:
                raise CaseError("cannot fetch %s for its ETag: %s" % (path, e))
            tag = r.header("ETag")
            if not tag:
                raise CaseError("%s has no ETag (status %d): cannot set {{etag:%s}}" %
                                (path, r.status, path))
            self.etags[path] = tag
        return self.etags[path]


PLACEHOLDER = re.compile(r"\{\{([a-z_]+)(?::(.*?))?\}\}")


def expand(text, ctx):
    def one(m):
        name, arg = m.group(1), m.group(2)
        if name == "host":
            return "127.0.0.1:%d" % ctx.port
        if name == "port":
            return str(ctx.port)
        if name in DISCOVER:
            return ctx.discover(name)
        if name == "etag" and arg:
            return ctx.etag(arg)
        if name == "fill" and arg and ":" in arg:
            prefix, total = arg.rsplit(":", 1)
            n = int(total) - len(prefix.encode("utf-8"))
            if n < 0:
                raise CaseError("{{fill:%s}}: prefix longer than the total" % arg)
            return prefix + "a" * n
        if name == "headfill":
            return m.group(0)  # resolved once the whole head is known
        raise CaseError("unknown placeholder %s" % m.group(0))

    return PLACEHOLDER.sub(one, text)


def resolve_headfill(head_bytes):
    """Replaces the {{headfill:N}} in a complete head (bytes) so that it is N bytes long."""
    m = re.search(rb"\{\{headfill:(\d+)\}\}", head_bytes)
    if not m:
        return head_bytes
    total = int(m.group(1))
    n = total - (len(head_bytes) - len(m.group(0)))
    if n < 0:
        raise CaseError("{{headfill:%d}}: the head is already longer" % total)
    return head_bytes[: m.start()] + b"a" * n + head_bytes[m.end() :]


# ---------------------------------------------------------------------------------------------
# Case files

SECTIONS = {
    "request",
    "request raw",
    "expect status",
    "expect headers",
    "expect headers absent",
    "expect header count",
    "expect body contains",
    "expect body not contains",
    "expect body matches",
    "expect body not matches",
    "expect text contains",
    "expect text matches",
    "expect body empty",
    "expect closed",
    "expect response not contains",
}


class Case:
    def __init__(self, path):
        self.path = path
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.description = ""
        self.sections = []  # [(name, [lines])]
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        current = None
        for i, line in enumerate(lines, 1):
            line = line.rstrip("\r")
            m = re.match(r"^--- (.+?)\s*$", line)
            if m:
                if m.group(1) not in SECTIONS:
                    raise ValueError("%s:%d: unknown section %r" % (path, i, m.group(1)))
                current = [m.group(1), []]
                self.sections.append(current)
            elif current is None:
                if line.startswith("#") and not self.description:
                    self.description = line.lstrip("# ").strip()
                elif line.strip() and not line.startswith("#"):
                    raise ValueError("%s:%d: text before the first section" % (path, i))
            else:
                current[1].append(line)
        for s in self.sections:
            while s[1] and not s[1][-1].strip():
                s[1].pop()
        reqs = [s for s in self.sections if s[0].startswith("request")]
        if len(reqs) != 1:
            raise ValueError("%s: needs exactly one request section" % path)
        if not any(s[0] == "expect status" for s in self.sections):
            raise ValueError("%s: needs an expect status section" % path)

    def lines(self, section):
        out = []
        for name, lines in self.sections:
            if name == section:
                out.extend(lines)
        return out

    def has(self, section):
        return any(name == section for name, _ in self.sections)

    def build_request(self, ctx):
        kind, lines = [s for s in self.sections if s[0].startswith("request")][0]
        if kind == "request raw":
            return unescape_raw(expand("".join(lines), ctx))
        text = expand("\n".join(lines), ctx)
        rows = text.split("\n")
        if "" in rows:
            k = rows.index("")
            head, body = rows[:k], "\n".join(rows[k + 1 :])
        else:
            head, body = rows, ""
        names = {h.split(":", 1)[0].strip().lower() for h in head[1:] if ":" in h}
        if "host" not in names:
            head.append("Host: 127.0.0.1:%d" % ctx.port)
        body_bytes = body.encode("utf-8")
        if body_bytes and "content-length" not in names and "transfer-encoding" not in names:
            head.append("Content-Length: %d" % len(body_bytes))
        head_bytes = ("\r\n".join(head) + "\r\n\r\n").encode("utf-8")
        return resolve_headfill(head_bytes) + body_bytes


def unescape_raw(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        simple = {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0", "\\": b"\\"}
        if nxt in simple:
            out += simple[nxt]
            i += 2
        elif nxt == "x" and re.match(r"[0-9A-Fa-f]{2}$", text[i + 2 : i + 4]):
            out.append(int(text[i + 2 : i + 4], 16))
            i += 4
        else:
            raise CaseError("bad escape %r in a raw request" % text[i : i + 4])
    return resolve_headfill(bytes(out))


def status_ok(status, spec):
    pos, neg = [], []
    for item in spec.split():
        if item != "closed":
            (neg if item.startswith("!") else pos).append(item.lstrip("!"))

    def match(item):
        if re.fullmatch(r"\dxx", item):
            return status // 100 == int(item[0])
        return str(status) == item

    if pos and not any(match(i) for i in pos):
        return False
    return not any(match(i) for i in neg)


def check(case, resp):
    """Returns a list of failure messages (empty: the case passed)."""
    errs = []
    spec = " ".join(case.lines("expect status"))
    if not status_ok(resp.status, spec):
        errs.append("status %d, expected %s" % (resp.status, spec))

    for line in case.lines("expect headers"):
        if not line.strip():
            continue
        if ":" not in line:
            errs.append("bad expectation line %r" % line)
            continue
        name, want = line.split(":", 1)
        name, want = name.strip(), want.strip()
        got = resp.values(name)
        if want == "*":
            if not got:
                errs.append("header %s missing" % name)
        elif want.startswith("!~"):
            rx = want[2:].strip()
            if not got:
                errs.append("header %s missing (expected one not matching /%s/)" % (name, rx))
            elif any(re.search(rx, v) for v in got):
                errs.append("header %s: %r matches /%s/" % (name, got, rx))
        elif want.startswith("~"):
            rx = want[1:].strip()
            if not any(re.search(rx, v) for v in got):
                errs.append("header %s: %s does not match /%s/" % (name, got or "missing", rx))
        else:
            if not any(v.strip().lower() == want.lower() for v in got):
                errs.append("header %s: %s, expected %r" % (name, got or "missing", want))

    for name in case.lines("expect headers absent"):
        name = name.strip()
        if name and resp.values(name):
            errs.append("header %s present (%r), expected absent" % (name, resp.values(name)))

    for line in case.lines("expect header count"):
        if not line.strip():
            continue
        m = re.match(r"^\s*([^:]+):\s*(>=|<=)?\s*(\d+)\s*$", line)
        if not m:
            errs.append("bad header count line %r" % line)
            continue
        n, op, want = len(resp.values(m.group(1).strip())), m.group(2), int(m.group(3))
        ok = n >= want if op == ">=" else n <= want if op == "<=" else n == want
        if not ok:
            errs.append("header %s appears %d times, expected %s%d" %
                        (m.group(1).strip(), n, op or "", want))

    body = resp.text()
    for frag in case.lines("expect body contains"):
        if frag and frag not in body:
            errs.append("body lacks %r" % frag)
    for frag in case.lines("expect body not contains"):
        if frag and frag in body:
            errs.append("body contains %r" % frag)
    for rx in case.lines("expect body matches"):
        if rx and not re.search(rx, body):
            errs.append("body does not match /%s/" % rx)
    for rx in case.lines("expect body not matches"):
        if rx and re.search(rx, body):
            errs.append("body matches /%s/" % rx)

    if case.has("expect text contains") or case.has("expect text matches"):
        text = visible_text(body)
        for frag in case.lines("expect text contains"):
            if frag and frag not in text:
                errs.append("text lacks %r" % frag)
        for rx in case.lines("expect text matches"):
            if rx and not re.search(rx, text):
                errs.append("text does not match /%s/" % rx)

    if case.has("expect body empty"):
        if resp.raw_body or resp.extra:
            errs.append("expected no body, got %d bytes (+%d after the response)" %
                        (len(resp.raw_body), len(resp.extra)))

    if case.has("expect closed"):
        if resp.extra:
            errs.append("%d more bytes after the response (%r...): expected the connection "
                        "closed" % (len(resp.extra), resp.extra[:60]))
        elif not resp.eof:
            errs.append("the connection stayed open for 3 s after the response")

    everything = [resp.head, resp.raw_body, resp.body, resp.extra]
    for frag in case.lines("expect response not contains"):
        f = frag.encode("utf-8")
        if f and any(f in part for part in everything):
            errs.append("response contains %r" % frag)
    return errs


def run_case(case, ctx):
    resolved = Case.__new__(Case)
    resolved.__dict__.update(case.__dict__)
    # expand placeholders in the expectations too
    resolved.sections = [
        (name, [expand(l, ctx) for l in lines] if name.startswith("expect") else lines)
        for name, lines in case.sections
    ]
    request = case.build_request(ctx)
    try:
        resp = exchange(ctx.port, request, read_rest=case.has("expect closed"))
    except ClosedWithoutResponse as e:
        if "closed" in " ".join(case.lines("expect status")).split():
            return [], None
        raise CaseError(str(e))
    except OSError as e:
        raise CaseError("socket error: %s" % e)
    return check(resolved, resp), resp


# ---------------------------------------------------------------------------------------------
# The server under test


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# Accounts made by --users (password for all: TEST_PASSWORD).
TEST_PASSWORD = "correct horse battery staple"
TEST_USERS = [
    ("admin@example.org", "admin", None),
    ("moderator@example.org", "moderator", None),
    ("focal.be@example.org", "focal", "BE"),
    ("focal.fr@example.org", "focal", "FR"),
]


class Server:
    def __init__(self, binary, keep=False, users=False, smtp=False, pg=None, public_url=None,
                 settings=None):
        self.pg = pg
        self.settings = settings or []  # ["name=value"]: the instance's config file
        self.public_url = public_url  # links in mails; default: this server's own address
        self.users = users
        self.smtp = smtp
        self.sink = None
        self.binary = os.path.abspath(binary)
        self.tmp = tempfile.mkdtemp(prefix="awareday-http-")
        self.keep = keep
        self.db = os.path.join(self.tmp, "t.db")
        self.log_path = os.path.join(self.tmp, "server.log")
        self.maildir = os.path.join(self.tmp, "mail")
        self.proc = None
        self.port = None
        self.smtp_port = None

    def environment(self):
        """The caller's environment without AWAREDAY_* settings and with XDG directories in the
        temporary directory, so that no user configuration file changes what is tested."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWAREDAY_")}
        env["XDG_CONFIG_HOME"] = os.path.join(self.tmp, "config")
        env["XDG_DATA_HOME"] = os.path.join(self.tmp, "data")
        return env

    def start(self):
        if not os.access(self.binary, os.X_OK):
            raise RuntimeError("%s is not an executable (build it first)" % self.binary)
        if self.settings:
            # the config file every command of this instance reads (XDG_CONFIG_HOME is ours)
            conf = os.path.join(self.tmp, "config", "awareday")
            os.makedirs(conf, exist_ok=True)
            with open(os.path.join(conf, "awareday.conf"), "w", encoding="utf-8") as f:
                for kv in self.settings:
                    name, _, value = kv.partition("=")
                    f.write("%s = %s\n" % (name.strip(), value.strip()))
        if self.pg:
            # a fresh database in the cluster scripts/pg.sh started in that directory
            name = "t_%d_%s" % (os.getpid(), os.path.basename(self.tmp).replace("-", "_").lower())
            here = os.path.dirname(os.path.abspath(__file__))
            r = subprocess.run([os.path.join(here, "..", "..", "scripts", "pg.sh"), "createdb",
                                self.pg, name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=60)
            if r.returncode != 0:
                raise RuntimeError("pg.sh createdb: %s" % r.stdout.decode("utf-8", "replace"))
            self.db = r.stdout.decode().strip().splitlines()[-1]
        init = subprocess.run(
            [self.binary, "init", "--demo", "--db", self.db],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.environment(),
            timeout=120,
        )
        if init.returncode != 0:
            raise RuntimeError(
                "`%s init --demo --db %s` exited %d:\n%s"
                % (self.binary, self.db, init.returncode, init.stdout.decode("utf-8", "replace"))
            )
        if self.users:
            for email, role, country in TEST_USERS:
                cmd = [self.binary, "user", "add", email, "--role", role, "--db", self.db]
                if country:
                    cmd += ["--country", country]
                r = subprocess.run(cmd, input=(TEST_PASSWORD + "\n").encode(),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   env=self.environment(), timeout=60)
                if r.returncode != 0:
                    raise RuntimeError("`%s` exited %d:\n%s" % (" ".join(cmd), r.returncode,
                                                                r.stdout.decode("utf-8", "replace")))
        if self.smtp:
            self.start_sink()
        for attempt in range(3):
            self.port = free_port()
            log = open(self.log_path, "ab")
            env = self.environment()
            env["AWAREDAY_PUBLIC_URL"] = self.public_url or "http://127.0.0.1:%d" % self.port
            # an unknown name, or text where only a checked URL may go, is an error (500)
            env["AWAREDAY_STRICT_TEMPLATES"] = "yes"
            if self.smtp_port:
                env["AWAREDAY_SMTP_HOST"] = "127.0.0.1"
                env["AWAREDAY_SMTP_PORT"] = str(self.smtp_port)
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--db", self.db, "--listen", "127.0.0.1:%d" % self.port],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
            log.close()
            if self._wait_ready():
                return
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError(
                    "server did not answer on port %d within %.0f s\n%s"
                    % (self.port, READY_TIMEOUT, self.log_tail())
                )
            # exited at once: maybe the port was taken in between; try another one
        raise RuntimeError("server exited at start-up (status %s)\n%s" %
                           (self.proc.returncode, self.log_tail()))

    def start_sink(self):
        """Starts tests/mail/smtp_sink.py; messages land in self.maildir as N.eml."""
        os.makedirs(self.maildir, exist_ok=True)
        here = os.path.dirname(os.path.abspath(__file__))
        sink = os.path.join(here, "..", "mail", "smtp_sink.py")
        python = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
        self.sink = subprocess.Popen([python, sink, "--port", "0", "--dir", self.maildir],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        line = self.sink.stdout.readline().decode().split()
        if len(line) != 2 or line[0] != "PORT":
            raise RuntimeError("the SMTP sink did not start")
        self.smtp_port = int(line[1])

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                exchange(self.port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                         timeout=2)
                return True
            except (OSError, CaseError):
                time.sleep(0.1)
        return False

    def stop_sink(self):
        if self.sink and self.sink.poll() is None:
            self.sink.terminate()
            try:
                self.sink.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.sink.kill()

    def stop(self):
        """SIGTERM; returns None when the server exited 0 within the limit, else a reason."""
        if self.proc is None:
            return "server was not started"
        if self.proc.poll() is not None:
            return "server had already exited with status %d\n%s" % (
                self.proc.returncode, self.log_tail())
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "server still running %.0f s after SIGTERM (killed)\n%s" % (
                STOP_TIMEOUT, self.log_tail())
        if rc != 0:
            return "server exited with status %d after SIGTERM\n%s" % (rc, self.log_tail())
        return None

    def log_tail(self, lines=60):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                tail = f.read().splitlines()[-lines:]
        except OSError:
            return "(no server log)"
        return "\n".join("#   " + l for l in ["server log (last lines):"] + tail)

    def cleanup(self):
        self.stop_sink()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.keep:
            print("# kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Modes


def comment(text):
    return "\n".join("#   " + l for l in text.splitlines())


def describe_response(resp):
    lines = [resp.status_line.decode("latin-1")]
    lines += ["%s: %s" % (k, v[:200]) for k, v in resp.headers]
    snippet = resp.text()[:300].replace("\n", "\\n")
    lines.append("body (%d bytes): %s" % (len(resp.body), snippet))
    return comment("\n".join(lines))


def run_cases(args, port, server):
    paths = sorted(
        os.path.join(args.cases, f) for f in os.listdir(args.cases) if f.endswith(".test")
    )
    cases, n, failed = [], 0, 0
    for p in paths:
        try:
            c = Case(p)
        except (ValueError, UnicodeDecodeError) as e:
            n += 1
            failed += 1
            print("not ok %d - %s: bad case file: %s" % (n, os.path.basename(p), e))
            continue
        if args.only and not any(fnmatch.fnmatch(c.name, pat) for pat in args.only):
            continue
        cases.append(c)
    if not cases and not failed:
        print("no case selected", file=sys.stderr)
        return 2
    ctx = Context(port)
    for c in cases:
        n += 1
        try:
            errs, resp = run_case(c, ctx)
        except CaseError as e:
            errs, resp = [str(e)], None
        if errs:
            failed += 1
            print("not ok %d - %s: %s" % (n, c.name, "; ".join(errs)))
            if c.description:
                print("#   (%s)" % c.description)
            if resp is not None:
                print(describe_response(resp))
        else:
            print("ok %d - %s" % (n, c.name))
        sys.stdout.flush()
    if server is not None:
        n += 1
        why = server.stop()
        if why:
            failed += 1
            print("not ok %d - server exits 0 on SIGTERM: %s" % (n, why))
        else:
            print("ok %d - server exits 0 on SIGTERM" % n)
    print("%d passed, %d failed" % (n - failed, failed))
    return 1 if failed else 0


def run_dump(args, port):
    os.makedirs(args.dump, exist_ok=True)
    ctx = Context(port)
    rows, bad = [], 0
    for name, path, want in PAGES:
        try:
            real = expand(path, ctx)
            r = simple_get(port, real, "Accept-Encoding: identity\r\n")
            with open(os.path.join(args.dump, name + ".html"), "wb") as f:
                f.write(r.body)
            rows.append("%s\t%d\t%d\t%s" % (name, want, r.status, real))
            print("# dumped %s %s (status %d)" % (name, real, r.status))
        except (CaseError, OSError) as e:
            bad += 1
            rows.append("%s\t%d\t0\t%s" % (name, want, path))
            print("# cannot dump %s (%s): %s" % (name, path, e))
    with open(os.path.join(args.dump, "pages.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    return 1 if bad else 0


def run_exec(args, port, server):
    env = dict(os.environ)
    env["AW_BASE_URL"] = "http://127.0.0.1:%d" % port
    env["AW_PORT"] = str(port)
    if server is not None:
        env["AW_BIN"] = server.binary
        env["AW_DB"] = server.db
        env["AW_SERVER_LOG"] = server.log_path
        env["AW_MAILDIR"] = server.maildir
        env["AW_SMTP_PORT"] = str(server.smtp_port or "")
        env["AW_PASSWORD"] = TEST_PASSWORD
    rc = subprocess.call(args.exec, env=env)
    if server is not None:
        why = server.stop()
        if why:
            print("not ok - server exits 0 on SIGTERM: %s" % why)
            return rc or 1
    return rc


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(here, "..", "..", "build", "awareday"),
                    help="the awareday binary (default: build/awareday)")
    ap.add_argument("--cases", default=os.path.join(here, "cases"),
                    help="directory of *.test files (default: tests/http/cases)")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only the cases whose name matches (glob; repeatable)")
    ap.add_argument("--server", metavar="127.0.0.1:PORT",
                    help="test a server that is already running instead of starting one")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--dump", metavar="DIR", help="save the body of every page type in DIR")
    ap.add_argument("--users", action="store_true",
                    help="create the test accounts (TEST_USERS) before serving")
    ap.add_argument("--smtp", action="store_true",
                    help="start tests/mail/smtp_sink.py and point the server's mail at it")
    ap.add_argument("--pg", metavar="DIR",
                    help="serve a fresh database of the PostgreSQL cluster that scripts/pg.sh "
                         "started in DIR instead of a SQLite file")
    ap.add_argument("--setting", action="append", metavar="NAME=VALUE", default=[],
                    help="a line of the instance's config file (repeatable): another awareness "
                         "day is data_dir=..., day_name=...")
    ap.add_argument("--exec", nargs=argparse.REMAINDER, metavar="CMD",
                    help="run CMD (with AW_BASE_URL set) against a fresh server")
    args = ap.parse_args()

    server = None
    if args.server:
        host, _, p = args.server.rpartition(":")
        if host not in ("127.0.0.1", "localhost") or not p.isdigit():
            ap.error("--server must be 127.0.0.1:PORT")
        port = int(p)
    else:
        server = Server(args.bin, keep=args.keep, users=args.users, smtp=args.smtp, pg=args.pg,
                        settings=args.setting)
        try:
            server.start()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            print("not ok 1 - server start: %s" % e)
            print("0 passed, 1 failed")
            server.cleanup()
            return 1
        port = server.port
        print("# server %s on 127.0.0.1:%d (db %s)" % (args.bin, port, server.db))
    try:
        if args.dump:
            rc = run_dump(args, port)
            if server is not None:
                why = server.stop()
                if why:
                    print("# server did not stop cleanly: %s" % why)
                    rc = 1
            return rc
        if args.exec:
            return run_exec(args, port, server)
        return run_cases(args, port, server)
    finally:
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
