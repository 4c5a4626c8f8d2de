#!/usr/bin/env python3
"""pg_restart.py: PostgreSQL stopped and started again under load, awareday left running.

    tests/http/pg_restart.py --bin build/awareday

A cluster of its own (scripts/pg.sh, so that the other PostgreSQL tests are not disturbed), a
demo database, `awareday serve` on it; four clients GET the home and edition pages without pause
while the server is stopped (fast: every connection is cut) for 3 s and started again. Checks:
every answer is 200 or the fixed 503 with Retry-After, each within 2 s; 503s come while the
database is down; within 5 s of it being back every page is 200 again; a share POST is stored
afterwards; a share sent while it is down comes back with everything typed, in a form that stores
it once the database is back; the same awareday process ran throughout and exits 0 on SIGTERM. Python standard
library only. Output: "ok N - name" / "not ok N - name: reason", then "N passed, M failed"."""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as http_run  # noqa: E402  (tests/http/run.py: its Server class)
from awtest import (Client, Fail, check, csrf_in, edition_year, expect, expect_eq,  # noqa: E402
                    run_checks, share_form)

HERE = os.path.dirname(os.path.abspath(__file__))
PG = os.path.join(HERE, "..", "..", "scripts", "pg.sh")
CLIENTS = 4
DOWN_S = 3.0
BACK_WITHIN_S = 5.0


class S:
    bin = tmp = cluster = None
    server = None  # tests/http/run.py's Server: a fresh database of the cluster, served
    samples = []  # (t, status, seconds, retry_after)
    down_at = up_at = None


def pg(*args):
    r = subprocess.run([PG] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=120)
    if r.returncode != 0:
        raise Fail("pg.sh %s: %s" % (" ".join(args), r.stdout.decode()[-500:]))
    return r.stdout.decode().strip()


def client():
    c = Client()
    c.port = S.server.port
    return c


@check("set-up: a cluster of its own, a demo database, awareday serving it")
def _():
    pg("start", S.cluster)
    S.server = http_run.Server(S.bin, pg=S.cluster, users=True)
    try:
        S.server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        raise Fail("the server did not start: %s" % e)
    expect_eq(client().get("/en/").status, 200, "home page")


@check("PostgreSQL stopped for 3 s and started again under load: only 200 and a fast 503")
def _():
    stop = threading.Event()
    lock = threading.Lock()
    t0 = time.monotonic()

    def load(i):
        paths = ["/en/", "/en/editions/2017"]
        n = 0
        while not stop.is_set():
            path = paths[n % 2]
            n += 1
            t = time.monotonic()
            try:
                r = client().get(path)
                st, ra = r.status, r.header("Retry-After")
            except OSError as e:
                st, ra = "error: %s" % e, None
            with lock:
                S.samples.append((t - t0, st, time.monotonic() - t, ra))
            time.sleep(0.01)

    threads = [threading.Thread(target=load, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.5)
        S.down_at = time.monotonic() - t0
        pg("pause", S.cluster)
        time.sleep(DOWN_S)
        pg("resume", S.cluster)
        S.up_at = time.monotonic() - t0
        time.sleep(BACK_WITHIN_S + 1)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    bad = [s for s in S.samples if s[1] not in (200, 503)]
    expect(not bad, "answers other than 200 and 503: %r" % bad[:5])
    slow = [s for s in S.samples if s[2] > 2.0]
    expect(not slow, "answers slower than 2 s: %r" % slow[:5])
    no_retry = [s for s in S.samples if s[1] == 503 and not s[3]]
    expect(not no_retry, "503 without Retry-After: %r" % no_retry[:5])
    down = [s for s in S.samples if s[1] == 503]
    expect(down, "no 503 at all while the database was down")
    expect(all(S.down_at - 0.5 <= s[0] <= S.up_at + BACK_WITHIN_S for s in down),
           "503 outside the outage: %r" % [s for s in down if not
                                            S.down_at - 0.5 <= s[0] <= S.up_at + BACK_WITHIN_S][:5])
    after = [s for s in S.samples if s[0] > S.up_at + BACK_WITHIN_S]
    expect(after and all(s[1] == 200 for s in after),
           "not all 200 from %.0f s after the restart: %r" % (BACK_WITHIN_S, after[:5]))
    print("# %d answers: %d 200, %d 503 (while down %.1f-%.1f s); slowest %.0f ms"
          % (len(S.samples), sum(1 for s in S.samples if s[1] == 200), len(down), S.down_at,
             S.up_at, 1000 * max(s[2] for s in S.samples)))


def hidden_fields(body):
    import html as h
    import re
    return [(h.unescape(n), h.unescape(v)) for n, v in
            re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', body)]


@check("a share sent while PostgreSQL is down: 503 with Retry-After and everything typed, in a "
       "form that stores it unchanged once the database is back")
def _():
    c = client()
    token = c.csrf()
    form = share_form(edition_year(c), org_name="Outage test association",
                      title="Talk typed during an outage", summary="Every word kept.",
                      contact_email="bo.outage@example.org")
    pg("pause", S.cluster)
    try:
        r = c.post("/en/share", {"csrf": token, **form})
    finally:
        pg("resume", S.cluster)
    expect_eq(r.status, 503, "status while down")
    expect(r.header("Retry-After"), "no Retry-After")
    for typed in ("Outage test association", "Talk typed during an outage", "Every word kept.",
                  "bo.outage@example.org"):
        expect(typed in r.body, "%r is not on the page" % typed)
    fields = hidden_fields(r.body)
    expect(("title", "Talk typed during an outage") in fields and ("csrf", token) in fields,
           "the form does not carry what was sent: %r" % fields[:6])
    deadline = time.monotonic() + BACK_WITHIN_S
    while client().get("/en/").status != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    body = "&".join("%s=%s" % (urllib.parse.quote(n), urllib.parse.quote(v)) for n, v in fields)
    r = c.request("POST", "/en/share", body=body)
    expect_eq(r.status, 303, "sending it again once the database is back (%s)" % r.describe())


@check("a moderator's form sent while PostgreSQL is down: 503 with what was sent, not a "
       "visitor's 403 (the session could not be read)")
def _():
    c = client()
    r = c.get("/en/login")
    r = c.post("/en/login", {"csrf": csrf_in(r.body), "email": "moderator@example.org",
                             "password": http_run.TEST_PASSWORD})
    expect_eq(r.status, 303, "sign-in")
    token = c.csrf()
    pg("pause", S.cluster)
    try:
        r = c.post("/en/moderation/approve", {"csrf": token, "ids": "424242",
                                              "check_child": "yes", "check_victim": "yes",
                                              "check_explicit": "yes", "check_links": "yes"})
    finally:
        pg("resume", S.cluster)
    expect_eq(r.status, 503, "status while down (%s)" % r.describe())
    expect(r.header("Retry-After"), "no Retry-After")
    expect(("ids", "424242") in hidden_fields(r.body), "the form does not carry what was sent")
    deadline = time.monotonic() + BACK_WITHIN_S
    while client().get("/en/").status != 200 and time.monotonic() < deadline:
        time.sleep(0.2)


@check("after the restart: a share POST is stored, and the same process answers")
def _():
    c = client()
    r = c.post("/en/share", {"csrf": c.csrf(), **share_form(
        edition_year(c), org_name="Restart test association", title="Talk after a database restart",
        contact_email="bo.restart@example.org")})
    expect_eq(r.status, 303, "share after the restart (%s)" % r.describe())
    expect(S.server.proc.poll() is None, "the server process is gone")


@check("the server logs the lost connections and exits 0 on SIGTERM")
def _():
    why = S.server.stop()
    with open(S.server.log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    expect("database connection lost" in log, "no 'database connection lost' in the log")
    expect(why is None, "exit status: %s" % why)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True)
    args = ap.parse_args()
    S.bin = os.path.abspath(args.bin)
    S.tmp = tempfile.mkdtemp(prefix="aw-pgrestart-")
    os.chmod(S.tmp, 0o755)  # the cluster's owner (postgres, when run as root) must reach it
    S.cluster = os.path.join(S.tmp, "cluster")
    status = 1
    try:
        status = run_checks([("bin", S.bin)], "")
    finally:
        if S.server:
            S.server.cleanup()
        subprocess.run([PG, "stop", S.cluster], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        if status == 0:
            shutil.rmtree(S.tmp, ignore_errors=True)
        else:
            print("# kept %s" % S.tmp)
    return status


if __name__ == "__main__":
    sys.exit(main())
