#!/usr/bin/env python3
"""faults.py: issue 6's faults, on a real file system: the database on a full tmpfs, then on a
read-only one.

    tests/http/faults.py --bin build/awareday

A full disk: a share POST, a change through the private link, a sign-in and a moderator's
rejection each get 503 with Retry-After, the form again with every value typed, and the notice
that nothing was saved; the server log names the cause (SQLITE_FULL); pages that only
read keep answering 200; once space is freed, the same POST succeeds (303) and is stored. A mail
sent while the disk is full cannot be marked as sent: it is not sent again at each round, and
is recorded once space is freed.

A read-only file system: `awareday serve` refuses the database at start-up with a message that
says what to do (exit status 1, no port opened), unless `read_only = yes`, which serves the pages,
hides the forms, says why on every page and answers a POST with 503.

The tmpfs is mounted by this script: directly when it runs as root, else inside a user and mount
namespace of its own (`unshare --user --map-root-user --mount`), so it needs no sudo. Python
standard library only. Output: "ok N - name" / "not ok N - name: reason", then "N passed, M
failed"; exit status 1 when a check failed."""

import argparse
import glob
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from awtest import (Client, Fail, Forms, activity_form, check, csrf_in,  # noqa: E402
                    edition_year, expect, expect_eq, expect_kept, run_checks, share_form,
                    visible_text)

TMPFS_BYTES = 16 * 1024 * 1024  # the demo database is ~320 kB
PASSWORD = "correct horse battery staple"
ADMIN = "admin@example.org"
NOTICE = "The site cannot take submissions right now"
READ_ONLY_NOTICE = "This site is read-only at the moment"


class S:
    """State shared by the checks, in order."""
    bin = dir = db = None
    server = None
    sink = None
    smtp_port = maildir = None
    filler = None
    year = None


def run(cmd, **kw):
    return subprocess.run(cmd, stdin=kw.pop("stdin", subprocess.DEVNULL), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=kw.pop("timeout", 60), env=env(), **kw)


def env():
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWAREDAY_")}
    e.update({"XDG_CONFIG_HOME": S.dir, "XDG_DATA_HOME": S.dir, "AWAREDAY_STRICT_TEMPLATES": "yes"})
    return e


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """`awareday serve` on S.db with extra environment; log in S.dir/../serve-N.log."""
    count = 0

    def __init__(self, extra=None):
        Server.count += 1
        self.port = free_port()
        self.log_path = os.path.join(S.logs, "serve-%d.log" % Server.count)
        e = env()
        e.update({"AWAREDAY_SMTP_HOST": "127.0.0.1", "AWAREDAY_SMTP_PORT": str(S.smtp_port),
                  "AWAREDAY_PUBLIC_URL": "http://127.0.0.1:%d" % self.port})
        e.update(extra or {})
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([S.bin, "serve", "--db", S.db, "--listen",
                                      "127.0.0.1:%d" % self.port], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT, env=e)

    def wait_ready(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Fail("the server exited at start-up (status %d): %s"
                           % (self.proc.returncode, self.log_text()[-600:]))
            try:
                self.client().get("/en/")
                return self
            except OSError:
                time.sleep(0.1)
        raise Fail("the server did not answer within 10 s")

    def client(self, addr=None):
        c = Client(addr)
        c.port = self.port
        return c

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def start_sink():
    """tests/mail/smtp_sink.py, its mail files outside the tmpfs (it must keep working when the
    tmpfs is full)."""
    S.maildir = os.path.join(S.logs, "mail")
    os.mkdir(S.maildir)
    here = os.path.dirname(os.path.abspath(__file__))
    python = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
    S.sink = subprocess.Popen([python, os.path.join(here, "..", "mail", "smtp_sink.py"), "--port",
                               "0", "--dir", S.maildir], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = S.sink.stdout.readline().decode().split()
    if len(line) != 2 or line[0] != "PORT":
        raise RuntimeError("the SMTP sink did not start")
    S.smtp_port = int(line[1])


def mails_to(addr):
    n = 0
    for path in glob.glob(os.path.join(S.maildir, "*.eml")):
        with open(path, "rb") as f:
            if ("To: <%s>" % addr).encode() in f.read():
                n += 1
    return n


def wait_for(what, cond, timeout):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise Fail("%s: not within %.0f s" % (what, timeout))
        time.sleep(0.2)


def mount_tmpfs(path, opts):
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise RuntimeError("mount tmpfs on %s: %s" % (path, r.stdout.decode().strip()))


def remount(path, opts):
    r = subprocess.run(["mount", "-o", "remount," + opts, path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise RuntimeError("remount %s %s: %s" % (path, opts, r.stdout.decode().strip()))


def fill_disk():
    """Fills the tmpfs to the last byte (ENOSPC) with one file; returns its path."""
    path = os.path.join(S.dir, "filler")
    with open(path, "wb", buffering=0) as f:
        chunk = b"\0" * 65536
        while True:
            try:
                f.write(chunk)
            except OSError:
                break
        for size in (4096, 512, 1):
            while True:
                try:
                    f.write(b"\0" * size)
                except OSError:
                    break
    st = os.statvfs(S.dir)
    expect(st.f_bavail == 0, "the tmpfs still has %d free blocks" % st.f_bavail)
    return path


def age_sessions(seconds):
    """Moves every session's last_seen back: the next request tries to refresh it (a write)."""
    con = sqlite3.connect(S.db, timeout=10)
    try:
        con.execute("UPDATE sessions SET last_seen = last_seen - ?", (seconds,))
        con.commit()
    finally:
        con.close()


def checkpoint():
    """Empties the WAL (TRUNCATE): the next write must grow a file, so a full disk is met at once
    rather than after SQLite has reused the space the WAL already holds."""
    con = sqlite3.connect(S.db, timeout=10)
    try:
        busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        expect(busy == 0, "the WAL could not be checkpointed (a reader held it)")
    finally:
        con.close()


def wal_size():
    try:
        return os.path.getsize(S.db + "-wal")
    except OSError:
        return 0


def share_fields(title):
    """A share form with a value in every kind of field (lists of two, a link, Markdown), so that
    "everything typed comes back" covers them all."""
    return share_form(S.year, org_name="Fault test association",
                      org_website="https://example.org/faults", title=title,
                      summary="Evening talks for parents and teachers.\n\nWith *questions* at "
                              "the end.",
                      kinds=["workshop", "conference"], audiences=["parents", "educators"],
                      start="%d-11-16" % S.year, end="%d-11-18" % S.year, languages=["nl", "fr"],
                      link_label_1="Programme", link_url_1="https://example.org/faults/programme")


def expect_503_page(r, what):
    expect_eq(r.status, 503, "%s: status" % what)
    ra = r.header("Retry-After")
    expect(ra and ra.isdigit() and int(ra) > 0, "%s: Retry-After %r" % (what, ra))
    expect(NOTICE in visible_text(r.body), "%s: the page does not say that the site cannot take "
           "submissions now" % what)


def expect_cause_logged(since):
    log = S.server.log_text()[since:]
    # SQLite reports a short write as SQLITE_FULL and clears errno on purpose (os_unix.c).
    expect("SQLITE_FULL" in log, "the log does not name SQLITE_FULL: %r" % log[-500:])
    expect("database error" not in log, "the log still says only 'database error'")


def count_titles(title):
    con = sqlite3.connect("file:%s?mode=ro" % S.db, uri=True, timeout=10)
    try:
        return con.execute("SELECT COUNT(*) FROM submissions WHERE title = ?",
                           (title,)).fetchone()[0]
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# A full disk


@check("set-up: a demo database and an admin account on a 16 MiB tmpfs, a server on it")
def _():
    r = run([S.bin, "init", "--demo", "--db", S.db], timeout=120)
    expect(r.returncode == 0, "init: %s" % r.stdout.decode()[-400:])
    r = run([S.bin, "user", "add", ADMIN, "--role", "admin", "--db", S.db],
            stdin=None, input=(PASSWORD + "\n").encode())
    expect(r.returncode == 0, "user add: %s" % r.stdout.decode()[-400:])
    S.server = Server().wait_ready()
    S.year = edition_year(S.server.client())


@check("disk full: a share POST answers 503 with Retry-After, the notice and every typed value")
def _():
    # Everything the POST will need is read before the disk fills: a CSRF token, a moderator's
    # session and a pending submission to reject (made while there is space).
    S.admin = S.server.client()
    r = S.admin.get("/en/login")
    r = S.admin.post("/en/login", {"csrf": csrf_in(r.body), "email": ADMIN, "password": PASSWORD})
    expect(r.status == 303, "sign-in before the disk fills: %s" % r.describe())
    S.partner = S.server.client()
    r = S.partner.post("/en/share", {"csrf": S.partner.csrf(), **share_fields("Fault: pending")})
    expect(r.status == 303, "a share before the disk fills: %s" % r.describe())
    S.private = r.location().split("?")[0]
    S.pending = max(int(x) for x in re.findall(r'href="/en/moderation/(\d+)"',
                                                S.admin.get("/en/moderation").body))
    S.client = S.server.client()
    S.token = S.client.csrf()
    # The moderator's session was last seen 2 minutes ago: a request tries to refresh it.
    age_sessions(120)
    checkpoint()
    S.filler = fill_disk()
    S.log_mark = len(S.server.log_text())
    S.typed = share_fields("Fault: typed on a full disk")
    r = S.client.post("/en/share", {"csrf": S.token, **S.typed})
    expect_503_page(r, "share POST")
    kept = dict(S.typed)
    kept["org_id"] = None  # a select: checked through org_name, which only "new" shows
    expect_kept(r.body, kept)
    expect(csrf_in(r.body), "the form shown again has no CSRF token")
    expect_eq(count_titles(S.typed["title"]), 0, "submissions stored")


@check("disk full: the log names the cause (SQLITE_FULL), not just 'database error'")
def _():
    expect_cause_logged(S.log_mark)


@check("disk full: pages that only read keep answering 200")
def _():
    c = S.server.client()
    for path in ("/en/", "/en/editions/%d" % S.year, "/en/countries/BE", "/en/help",
                 "/en/share", S.private, "/static/style.css"):
        r = c.get(path)
        expect_eq(r.status, 200, "GET %s" % path)


@check("disk full: a change through the private link answers 503 and keeps the changed form")
def _():
    c = S.partner
    r = c.get(S.private)
    expect_eq(r.status, 200, "the private link")
    form = activity_form(r.body)
    form["title"] = ["Fault: changed on a full disk"]
    form["place"] = ["Leuven"]
    r = c.post(S.private, {"csrf": csrf_in(r.body), **form})
    expect_503_page(r, "change POST")
    state = activity_form(r.body)
    expect_eq(state.get("title"), ["Fault: changed on a full disk"], "title in the form again")
    expect_eq(state.get("place"), ["Leuven"], "place in the form again")


@check("disk full: a sign-in answers 503 with the address kept (never the password)")
def _():
    c = S.server.client()
    r = c.get("/en/login")
    r = c.post("/en/login", {"csrf": csrf_in(r.body), "email": "someone@example.org",
                             "password": "not stored anywhere"})
    expect_503_page(r, "login POST")
    expect('value="someone@example.org"' in r.body, "the address typed is not in the form")
    expect("not stored anywhere" not in r.body, "the password came back in the page")


@check("disk full: a moderator (session not refreshed for 2 minutes) stays signed in; a "
       "rejection answers 503 and keeps the reason chosen and written")
def _():
    path = "/en/moderation/%d" % S.pending
    r = S.admin.get(path)
    expect_eq(r.status, 200, "GET %s" % path)
    r = S.admin.post(path, {"csrf": csrf_in(r.body), "action": "reject", "reason": "other",
                            "reason_text": "Please add the programme's dates."})
    expect_503_page(r, "reject POST")
    forms = [f["fields"] for f in Forms(r.body).forms]
    reject = [f for f in forms if "reason_text" in f]
    expect(reject, "no rejection form on the page")
    expect_eq(reject[0].get("reason"), ["other"], "reason chosen")
    expect_eq(reject[0].get("reason_text"), ["Please add the programme's dates."],
              "reason written")


@check("space freed: the same share POST succeeds (303) and is stored once")
def _():
    os.unlink(S.filler)
    S.filler = None
    r = S.client.post("/en/share", {"csrf": S.token, **S.typed})
    expect_eq(r.status, 303, "status after freeing space (%s)" % r.describe())
    expect_eq(count_titles(S.typed["title"]), 1, "submissions stored")


@check("disk full: a mail sent whose outcome cannot be recorded is not sent again; recorded later")
def _():
    # The sink is stopped, so the mailer's SMTP session waits (the kernel accepts the
    # connection) while the disk fills; then the mail goes out and recording it fails.
    addr = "mail.fault@example.org"

    def unsent():
        con = sqlite3.connect("file:%s?mode=ro" % S.db, uri=True, timeout=10)
        try:
            return con.execute("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL").fetchone()[0]
        finally:
            con.close()
    wait_for("the mails of the checks above are sent", lambda: unsent() == 0, 20)
    os.kill(S.sink.pid, signal.SIGSTOP)
    try:
        c = S.server.client()
        r = c.post("/en/share", {"csrf": c.csrf(), **share_fields("Fault: mail"),
                                 "contact_email": addr})
        expect(r.status == 303, "share: %s" % r.describe())
        time.sleep(1)  # the mailer is kicked at once and connects
        checkpoint()
        S.filler = fill_disk()
    finally:
        os.kill(S.sink.pid, signal.SIGCONT)
    wait_for("the mail reaches the sink", lambda: mails_to(addr) == 1, 40)
    wait_for("the server logs that it cannot record the outcome",
             lambda: "cannot record the outcome" in S.server.log_text(), 10)
    time.sleep(12)  # the mailer polls every 5 s: two rounds or more
    expect_eq(mails_to(addr), 1, "mails received while the outcome could not be recorded")
    os.unlink(S.filler)
    S.filler = None

    def sent():
        con = sqlite3.connect("file:%s?mode=ro" % S.db, uri=True, timeout=10)
        try:
            return con.execute("SELECT COUNT(*) FROM mail_outbox WHERE to_addr = ? AND "
                               "sent_at IS NOT NULL", (addr,)).fetchone()[0] == 1
        finally:
            con.close()
    wait_for("the outcome is recorded once space is freed", sent, 15)
    expect_eq(mails_to(addr), 1, "mails received in all")
    expect_eq(S.server.stop(), 0, "exit status of the server")


# ---------------------------------------------------------------------------------------------
# A read-only file system


@check("read-only file system: serve refuses the database at once, saying what to do")
def _():
    if S.server:
        S.server.stop()  # a failed check above may have left it running
    remount(S.dir, "ro")
    srv = Server()
    try:
        srv.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        srv.stop()
        raise Fail("the server started on a database it cannot write")
    srv.stop()
    log = srv.log_text()
    expect_eq(srv.proc.returncode, 1, "exit status")
    for part in ("EROFS", "read_only = yes", S.db):
        expect(part in log, "the message does not say %r: %r" % (part, log[-600:]))


@check("read_only = yes: pages are served, the forms are hidden and every page says why")
def _():
    S.server = Server({"AWAREDAY_READ_ONLY": "yes"}).wait_ready()
    c = S.server.client()
    for path in ("/en/", "/en/editions/%d" % S.year, "/en/share", "/en/login", S.private):
        r = c.get(path)
        expect_eq(r.status, 200, "GET %s" % path)
        expect(READ_ONLY_NOTICE in visible_text(r.body), "%s does not say it is read-only" % path)
        expect('method="post"' not in r.body, "%s still has a form that posts" % path)


@check("read_only = yes: a POST answers 503 with Retry-After; the log says read-only at start")
def _():
    c = S.server.client()
    r = c.post("/en/share", share_fields("Fault: sent to a read-only site"))
    expect_eq(r.status, 503, "status")
    expect(r.header("Retry-After"), "no Retry-After")
    expect(READ_ONLY_NOTICE in visible_text(r.body), "the 503 page does not say why")
    expect("read-only" in S.server.log_text(), "the start-up line does not say read-only")
    expect_eq(S.server.stop(), 0, "exit status of the server")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--in-namespace", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if os.geteuid() != 0 and not args.in_namespace:
        # tmpfs needs CAP_SYS_ADMIN: take it in a user and mount namespace of our own.
        os.execvp("unshare", ["unshare", "--user", "--map-root-user", "--mount", sys.executable,
                              os.path.abspath(__file__), "--bin", args.bin, "--in-namespace"])
    S.bin = os.path.abspath(args.bin)
    S.logs = tempfile.mkdtemp(prefix="aw-faults-")
    S.dir = os.path.join(S.logs, "fs")
    os.mkdir(S.dir)
    mount_tmpfs(S.dir, "size=%d,mode=0755" % TMPFS_BYTES)
    S.db = os.path.join(S.dir, "t.db")
    status = 1
    start_sink()
    try:
        status = run_checks([("bin", S.bin)], "")
    finally:
        if S.server:
            S.server.stop()
        S.sink.terminate()
        S.sink.wait()
        subprocess.run(["umount", S.dir])
        if status == 0:
            shutil.rmtree(S.logs, ignore_errors=True)
        else:
            print("# server logs kept in %s" % S.logs)
    return status


if __name__ == "__main__":
    sys.exit(main())
