#!/usr/bin/env python3
"""stress.py: awareday under connection floods, trickled bodies and slow pages, against a real
server. CI runs each scenario with small numbers (ctest: stress.*); bench/stress.sh runs them
with the figures of issue 6 and writes what they measured. Python standard library and wrk.

    stress.py --bin build/awareday limits   [--max-connections 64] [--duration 4]
    stress.py --bin build/awareday slowbody [--conns 40] [--addrs 4] [--body-timeout 3]
    stress.py --bin build/awareday starve   [--conns 64] [--duration 4]

limits    wrk holds max_connections + 10 keep-alive connections on /en/ while a connection
          opened before the load goes on asking for a page, and new clients arrive every
          200 ms. Checks: every new client gets an answer (200, or the fixed 503 with
          Retry-After) within 1 s; the connection opened before is served within 1 s each time;
          once wrk stops, a new client is served 200 within 1 s.
slowbody  --conns connections from --addrs loopback addresses (127.0.0.2...) each announce a
          1000-byte form body and send it one byte every --interval seconds, while a normal
          client asks for /en/ once a second. Checks: every trickled body is cut with 408 and
          Connection: close no earlier than body_timeout and no later than body_timeout + 2 s
          (the documented limit: body_timeout plus a second per body_min_rate bytes); the normal
          client is served 200 within 1 s every time (while conns stays below max_connections).
starve    wrk keeps --conns connections on the slowest page (/en/editions/2017) while two
          clients ask for a static file and for the home page. Checks: both are answered every
          time; prints their median, 99th percentile and maximum (the figures, not a check).

Each check prints "ok N - what" or "not ok N - what: why"; the last line is "N passed, M failed"
and the exit status 0 only when all passed. --json FILE also writes the figures measured.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

results = []
figures = {}


def report(ok, what, why=""):
    results.append(ok)
    n = len(results)
    print(("ok %d - %s" % (n, what)) if ok else ("not ok %d - %s: %s" % (n, what, why)),
          flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """A demo database and `awareday serve` with the given settings."""

    def __init__(self, binary, settings):
        self.binary = os.path.abspath(binary)
        self.tmp = tempfile.mkdtemp(prefix="awareday-stress-")
        self.db = os.path.join(self.tmp, "t.db")
        self.conf = os.path.join(self.tmp, "awareday.conf")
        self.log = os.path.join(self.tmp, "server.log")
        self.settings = dict(access_log="off", log_level="warn")
        self.settings.update(settings)
        self.port = None
        self.proc = None

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWAREDAY_")}
        env["XDG_CONFIG_HOME"] = os.path.join(self.tmp, "config")
        env["XDG_DATA_HOME"] = os.path.join(self.tmp, "data")
        return env

    def start(self):
        with open(self.conf, "w") as f:
            for k, v in self.settings.items():
                f.write("%s = %s\n" % (k, v))
        subprocess.run([self.binary, "init", "--demo", "--db", self.db], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, env=self.env(),
                       timeout=120)
        self.port = free_port()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--config", self.conf, "--db", self.db, "--listen",
                 "127.0.0.1:%d" % self.port], stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=self.env())
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start:\n" + open(self.log).read()[-3000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


async def read_response(reader, timeout):
    """Reads one response; returns (status, headers dict lower-cased, body bytes)."""
    async def go():
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers, body
    return await asyncio.wait_for(go(), timeout)


async def get_once(port, path, timeout, source=None):
    """A new connection, one GET: (status or None, seconds until the answer, headers)."""
    t0 = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(
            "127.0.0.1", port, local_addr=(source, 0) if source else None), timeout)
    except (OSError, asyncio.TimeoutError):
        return None, time.monotonic() - t0, {}
    try:
        writer.write(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" %
                      path).encode())
        status, headers, _ = await read_response(reader, timeout - (time.monotonic() - t0))
        return status, time.monotonic() - t0, headers
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
        return None, time.monotonic() - t0, {}
    finally:
        writer.close()


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p))] if v else float("nan")


def ms(x):
    return "%.1f ms" % (x * 1000)


def wrk(port, conns, duration, path):
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (scripts/setup.sh installs it)")
    return subprocess.Popen(
        ["wrk", "-t2", "-c%d" % conns, "-d%ds" % duration, "--timeout", "10s",
         "http://127.0.0.1:%d%s" % (port, path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wrk_summary(proc):
    out = proc.communicate(timeout=120)[0].decode("utf-8", "replace")
    m = re.search(r"Requests/sec:\s*([\d.]+)", out)
    n = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    return {"requests_per_s": float(m.group(1)) if m else None,
            "requests": int(n.group(1)) if n else None,
            "non_2xx": int(bad.group(1)) if bad else 0}


# --- limits ---------------------------------------------------------------------------------


async def scenario_limits(args):
    m = args.max_connections
    srv = Server(args.bin, {"max_connections": m, "max_connections_per_ip": m * 4 + 100})
    srv.start()
    try:
        port = srv.port
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        load = wrk(port, m + 10, args.duration, "/en/")
        await asyncio.sleep(1.0)
        newcomers, held = [], []
        t_end = time.monotonic() + args.duration - 1.5
        while time.monotonic() < t_end:
            st, dt, hdr = await get_once(port, "/en/", 5.0)
            newcomers.append((st, dt, hdr.get("retry-after")))
            t0 = time.monotonic()
            try:
                writer.write(b"GET /static/style.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                hst, _, _ = await read_response(reader, 5.0)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                hst = None
            held.append((hst, time.monotonic() - t0))
            await asyncio.sleep(0.2)
        summary = await asyncio.get_running_loop().run_in_executor(None, wrk_summary, load)
        t_stop = time.monotonic()
        recovered = None
        while time.monotonic() - t_stop < 5:
            st, dt, _ = await get_once(port, "/en/", 2.0)
            if st == 200:
                recovered = time.monotonic() - t_stop
                break
            await asyncio.sleep(0.05)
        writer.close()
    finally:
        srv.stop()
    lat = [dt for st, dt, _ in newcomers]
    unanswered = [x for x in newcomers if x[0] not in (200, 503)]
    bad503 = [x for x in newcomers if x[0] == 503 and x[2] != "1"]
    figures["limits"] = {
        "max_connections": m, "clients": m + 10, "newcomers": len(newcomers),
        "newcomers_503": sum(1 for x in newcomers if x[0] == 503),
        "newcomer_p50_s": pct(lat, 0.5), "newcomer_max_s": max(lat) if lat else None,
        "held_max_s": max((dt for _, dt in held), default=None),
        "recovery_s": recovered, "wrk": summary,
    }
    print("# limits: %d newcomers, %d got 503, answer p50 %s max %s; the connection opened "
          "before: max %s; served again %s after the load" % (
              len(newcomers), figures["limits"]["newcomers_503"], ms(pct(lat, 0.5)),
              ms(max(lat) if lat else 0), ms(figures["limits"]["held_max_s"] or 0),
              ms(recovered) if recovered is not None else "never"))
    report(len(newcomers) >= 3, "limits: new clients kept arriving during the load",
           "only %d" % len(newcomers))
    report(not unanswered and max(lat, default=9) < 1.0,
           "limits: at max_connections + 10, every new client is answered within 1 s",
           "%d unanswered, slowest %s" % (len(unanswered), ms(max(lat, default=0))))
    report(not bad503, "limits: the 503 at the limit carries Retry-After: 1",
           "%d without" % len(bad503))
    report(all(st == 200 and dt < 1.0 for st, dt in held),
           "limits: a connection opened before the load goes on being served",
           "answers %s" % [(st, ms(dt)) for st, dt in held if st != 200 or dt >= 1.0][:5])
    report(recovered is not None and recovered < 1.0,
           "limits: normal service within 1 s of the load stopping",
           "after %s" % (ms(recovered) if recovered is not None else "5 s: never"))


# --- slowbody -------------------------------------------------------------------------------


async def trickle(port, source, interval, body_len, start_evt):
    """One connection that sends a form body a byte at a time. Returns (status, seconds from
    the head to the answer, Connection header) or (None, seconds, why)."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                       local_addr=(source, 0))
    except OSError as e:
        return None, 0.0, "connect: %s" % e
    await start_evt.wait()
    writer.write(("POST /en/share HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                  "application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" %
                  body_len).encode())
    t0 = time.monotonic()
    answer = asyncio.ensure_future(read_response(reader, 600))
    sent = 0
    try:
        while not answer.done() and sent < body_len:
            try:
                writer.write(b"a")
                await writer.drain()
            except OSError:
                break
            sent += 1
            await asyncio.wait([answer], timeout=interval)
        status, headers, _ = await asyncio.wait_for(answer, 600)
        return status, time.monotonic() - t0, headers.get("connection")
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
        return None, time.monotonic() - t0, "no answer: %r" % e
    finally:
        answer.cancel()
        writer.close()


async def scenario_slowbody(args):
    conns, addrs, timeout = args.conns, args.addrs, args.body_timeout
    srv = Server(args.bin, {
        "body_timeout": timeout, "body_min_rate": 500,
        "max_connections": args.max_connections or max(1024, conns + 64),
        "max_connections_per_ip": max(64, conns // addrs + 8),
    })
    srv.start()
    try:
        port = srv.port
        sources = ["127.0.0.%d" % (2 + i % addrs) for i in range(conns)]
        start_evt = asyncio.Event()
        tasks = [asyncio.ensure_future(trickle(port, s, args.interval, 1000, start_evt))
                 for s in sources]
        await asyncio.sleep(0.5)
        start_evt.set()
        normal = []
        t_end = time.monotonic() + timeout - 0.5
        await asyncio.sleep(0.5)
        while time.monotonic() < t_end:
            st, dt, _ = await get_once(port, "/en/", 2.0)
            normal.append((st, dt))
            await asyncio.sleep(max(0.0, 1.0 - dt))
        outcomes = await asyncio.gather(*tasks)
    finally:
        srv.stop()
    cut = [o for o in outcomes if o[0] == 408]
    times = [o[1] for o in cut]
    limit = timeout + 2.0
    wrong = [o for o in outcomes if o[0] != 408 or (o[2] or "").lower() != "close"]
    if args.max_connections and conns > args.max_connections:
        # Those over the limit were refused with 503 at once: not trickles that were cut.
        wrong = [o for o in wrong if o[0] != 503]
    figures["slowbody"] = {
        "connections": conns, "addresses": addrs, "interval_s": args.interval,
        "body_timeout_s": timeout, "cut_408": len(cut),
        "cut_min_s": min(times, default=None), "cut_max_s": max(times, default=None),
        "normal_ok": sum(1 for st, dt in normal if st == 200 and dt < 1.0),
        "normal_total": len(normal), "normal_max_s": max((dt for _, dt in normal), default=None),
    }
    print("# slowbody: %d of %d trickled bodies cut with 408 after %s to %s; normal client: "
          "%d of %d served within 1 s (slowest %s)" % (
              len(cut), conns, ms(min(times, default=0)), ms(max(times, default=0)),
              figures["slowbody"]["normal_ok"], len(normal),
              ms(figures["slowbody"]["normal_max_s"] or 0)))
    report(not wrong, "slowbody: every trickled body gets 408 with Connection: close",
           "%d did not: %s" % (len(wrong), wrong[:3]))
    report(bool(times) and min(times) >= timeout - 0.25 and max(times) <= limit,
           "slowbody: cut between body_timeout (%g s) and the documented limit (%g s)" %
           (timeout, limit), "cut after %s to %s" % (ms(min(times, default=0)),
                                                   ms(max(times, default=0))))
    full = args.max_connections and conns >= args.max_connections
    if full:
        # Every slot is held by a trickle: the normal client must get the fixed 503 at once
        # (an answer), until the trickles are cut.
        report(normal and all(st in (200, 503) and dt < 1.0 for st, dt in normal),
               "slowbody: with every connection slot taken, a normal client gets an answer "
               "(503) within 1 s", "%s" % [(st, ms(dt)) for st, dt in normal][:5])
    else:
        report(normal and all(st == 200 and dt < 1.0 for st, dt in normal),
               "slowbody: a normal client is served within 1 s during the attack",
               "%s" % [(st, ms(dt)) for st, dt in normal if st != 200 or dt >= 1.0][:5])
    figures["slowbody"]["normal_503"] = sum(1 for st, _ in normal if st == 503)


# --- starve ---------------------------------------------------------------------------------


async def probe(port, path, until, out):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < until:
            t0 = time.monotonic()
            writer.write(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode())
            try:
                st, _, _ = await read_response(reader, 10.0)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                out.append((None, time.monotonic() - t0))
                break
            out.append((st, time.monotonic() - t0))
            await asyncio.sleep(0.02)
    finally:
        writer.close()


async def scenario_starve(args):
    srv = Server(args.bin, {"max_connections_per_ip": args.conns + 64,
                            "max_connections": max(1024, args.conns + 64)})
    srv.start()
    try:
        port = srv.port
        load = wrk(port, args.conns, args.duration, "/en/editions/2017")
        await asyncio.sleep(1.0)
        until = time.monotonic() + args.duration - 1.5
        static, home = [], []
        await asyncio.gather(probe(port, "/static/style.css", until, static),
                             probe(port, "/en/", until, home))
        summary = await asyncio.get_running_loop().run_in_executor(None, wrk_summary, load)
    finally:
        srv.stop()
    figures["starve"] = {"connections": args.conns, "wrk": summary}
    for name, vals in (("static", static), ("home", home)):
        lat = [dt for _, dt in vals]
        figures["starve"][name] = {"n": len(vals), "p50_s": pct(lat, 0.5),
                                   "p99_s": pct(lat, 0.99), "max_s": max(lat, default=None)}
        print("# starve: %s under %d connections on /en/editions/2017 (%s req/s): p50 %s, "
              "p99 %s, max %s over %d requests" % (
                  name, args.conns, summary["requests_per_s"], ms(pct(lat, 0.5)),
                  ms(pct(lat, 0.99)), ms(max(lat, default=0)), len(vals)))
        report(vals and all(st == 200 for st, _ in vals),
               "starve: %s requests are all answered 200 while slow pages queue" % name,
               "%s" % [x for x in vals if x[0] != 200][:3])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--json", help="write the figures measured to this file")
    sub = ap.add_subparsers(dest="scenario", required=True)
    p = sub.add_parser("limits")
    p.add_argument("--max-connections", type=int, default=64)
    p.add_argument("--duration", type=int, default=4)
    p = sub.add_parser("slowbody")
    p.add_argument("--conns", type=int, default=40)
    p.add_argument("--addrs", type=int, default=4)
    p.add_argument("--interval", type=float, default=2.0)
    p.add_argument("--body-timeout", type=int, default=3)
    p.add_argument("--max-connections", type=int, default=0,
                   help="0: room for every trickle and the normal client")
    p = sub.add_parser("starve")
    p.add_argument("--conns", type=int, default=64)
    p.add_argument("--duration", type=int, default=4)
    args = ap.parse_args()
    run = {"limits": scenario_limits, "slowbody": scenario_slowbody,
           "starve": scenario_starve}[args.scenario]
    try:
        asyncio.run(run(args))
    except Exception as e:  # a scenario that cannot run is a failure, said plainly
        report(False, "%s: the scenario ran" % args.scenario, repr(e))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
