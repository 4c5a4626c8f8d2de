#!/usr/bin/env python3
"""mail_once.py: two instances on one database, both sending mail, send each mail once.

    tests/http/run.py --bin build/awareday --smtp --exec python3 tests/http/mail_once.py
    tests/http/run.py --bin build/awareday --pg DIR --smtp --exec python3 tests/http/mail_once.py

The server run.py started and a second `awareday serve` on the same database both have a
mailer pointed at the same SMTP sink. 200 mails are put in the outbox, due in 2 s; then a share
is sent to each server at the same moment, which queues its confirmation and wakes that
server's mailer, so that both drain the queue at the same time. Each mail must reach the sink
exactly once, and every one be marked sent (the outbox's claim, aw_store_mail_claim).
Environment (set by run.py): AW_BIN, AW_DB, AW_MAILDIR, AW_SMTP_PORT. Output: "ok N - name" /
"not ok N - name: reason", then "N passed, M failed"."""

import email
import email.policy
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from awtest import (BIN, DB, MAILDIR, PORT, Client, ExtraServer, check, db_exec,  # noqa: E402
                    db_one, edition_year, expect, expect_eq, run_checks, share_form)

N = 200
SMTP_PORT = os.environ.get("AW_SMTP_PORT", "")


def recipients():
    out = []
    for f in os.listdir(MAILDIR):
        if f.endswith(".eml") and not f.startswith("."):
            with open(os.path.join(MAILDIR, f), "rb") as fh:
                msg = email.message_from_bytes(fh.read(), policy=email.policy.default)
            out.append(str(msg["To"] or ""))
    return out


def share(port, i):
    c = Client()
    c.port = port
    r = c.post("/en/share", {"csrf": c.csrf(), **share_form(
        edition_year(c), org_name="Mail test association %d" % i, title="Mail test %d" % i,
        contact_email="once.share%d@example.org" % i)})
    expect_eq(r.status, 303, "share %d (%s)" % (i, r.describe()))


@check("200 mails due at once, two instances woken together: each arrives once, all marked sent")
def _():
    env = {"AWAREDAY_SMTP_HOST": "127.0.0.1", "AWAREDAY_SMTP_PORT": SMTP_PORT}
    with ExtraServer(env=env) as port2:
        due = int(time.time()) + 2
        values = ", ".join("('once%03d@example.org', 'Once', 'Body', '2026-01-01T00:00:00Z', %d, 0)"
                           % (i, due) for i in range(N))
        db_exec("INSERT INTO mail_outbox (to_addr, subject, body, created_at, next_attempt_at, "
                "attempts) VALUES " + values)
        while time.time() < due + 0.2:
            time.sleep(0.05)
        threads = [threading.Thread(target=share, args=(p, i))
                   for i, p in enumerate((PORT, port2))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        deadline = time.monotonic() + 60
        while db_one("SELECT COUNT(*) FROM mail_outbox WHERE to_addr LIKE 'once%' AND "
                     "sent_at IS NULL") and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # a duplicate in flight would land now
    expect_eq(db_one("SELECT COUNT(*) FROM mail_outbox WHERE to_addr LIKE 'once%' AND "
                     "sent_at IS NULL"), 0, "mails not marked sent within 60 s")
    got = [r for r in recipients() if "once" in r]
    dups = sorted({r for r in got if got.count(r) > 1})
    expect(not dups, "sent more than once: %s" % ", ".join(dups[:5]))
    expect_eq(len(got), N + 2, "mails received (the 200 and the two confirmations)")


if __name__ == "__main__":
    sys.exit(run_checks((("AW_BIN", BIN), ("AW_DB", DB), ("AW_MAILDIR", MAILDIR),
                         ("AW_SMTP_PORT", SMTP_PORT)), "--smtp --exec"))
