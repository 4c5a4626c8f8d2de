#!/usr/bin/env python3
"""smtp_sink.py: an SMTP server for tests that accepts every mail and keeps it as a file.

    smtp_sink.py --port 0 --dir DIR [--host 127.0.0.1] [--impl auto|aiosmtpd|smtpd|builtin]

When it listens it prints "PORT <n>" as the first line of standard output (the port it got
when asked for port 0). Each message is written to DIR/<n>.eml (n = 1, 2, ...) as received
after the DATA command, dot-unstuffed, with CRLF line ends; the file appears complete (written
under a temporary name, then renamed), so a test may poll for it. It runs until killed
(SIGTERM or SIGINT).

Three implementations, the first that is available (or the one --impl names):
  aiosmtpd  Debian's python3-aiosmtpd. Run this script with /usr/bin/python3: a python3 found
            first on PATH (pyenv, a virtualenv) may not see Debian's dist-packages.
  smtpd     the standard library's smtpd module (Python 3.11 and older; removed in 3.12).
  builtin   a minimal server written here with socketserver: HELO EHLO MAIL RCPT DATA RSET
            NOOP QUIT, no AUTH and no STARTTLS.
"""

import argparse
import itertools
import os
import signal
import socketserver
import sys
import threading
import warnings

_counter = itertools.count(1)
_lock = threading.Lock()


def store(directory, data):
    """Writes one message (bytes, CRLF line ends) as DIR/<n>.eml, atomically."""
    with _lock:
        n = next(_counter)
    tmp = os.path.join(directory, ".%d.tmp" % n)
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(directory, "%d.eml" % n))


def announce(port):
    sys.stdout.write("PORT %d\n" % port)
    sys.stdout.flush()


def run_aiosmtpd(host, port, directory):
    import asyncio

    from aiosmtpd.smtp import SMTP

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            data = envelope.original_content or b""
            if isinstance(data, str):
                data = data.encode("utf-8", "surrogateescape")
            store(directory, data)
            return "250 OK"

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(Handler(), hostname="sink", loop=loop), host, port)
    )
    announce(server.sockets[0].getsockname()[1])
    try:
        loop.run_forever()
    finally:
        server.close()


def run_smtpd(host, port, directory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import asyncore
        import smtpd

    class Server(smtpd.SMTPServer):
        def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
            # smtpd joins the lines it received with "\n": give them back their CRLF.
            store(directory, data.replace(b"\n", b"\r\n") + b"\r\n")
            return None

    server = Server((host, port), None, decode_data=False)
    announce(server.socket.getsockname()[1])
    asyncore.loop()


class _Session(socketserver.StreamRequestHandler):
    directory = "."

    def reply(self, text):
        self.wfile.write(text.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 sink ESMTP ready")
        rcpts = 0
        mail = False
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            verb = line.strip().split(b" ", 1)[0].upper()
            if verb == b"EHLO":
                self.wfile.write(b"250-sink\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
                self.wfile.flush()
            elif verb == b"HELO":
                self.reply("250 sink")
            elif verb == b"MAIL":
                mail, rcpts = True, 0
                self.reply("250 OK")
            elif verb == b"RCPT":
                if not mail:
                    self.reply("503 need MAIL first")
                else:
                    rcpts += 1
                    self.reply("250 OK")
            elif verb == b"DATA":
                if not rcpts:
                    self.reply("503 need RCPT first")
                    continue
                self.reply("354 end data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    part = self.rfile.readline(1 << 20)
                    if not part:
                        return
                    if part in (b".\r\n", b".\n"):
                        break
                    if part.startswith(b"."):
                        part = part[1:]  # dot-unstuffing (RFC 5321 4.5.2)
                    lines.append(part)
                store(self.directory, b"".join(lines))
                mail, rcpts = False, 0
                self.reply("250 OK")
            elif verb == b"RSET":
                mail, rcpts = False, 0
                self.reply("250 OK")
            elif verb == b"NOOP":
                self.reply("250 OK")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("500 command not recognised")


def run_builtin(host, port, directory):
    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True

    _Session.directory = directory
    server = Server((host, port), _Session)
    announce(server.server_address[1])
    server.serve_forever()


def available(impl):
    try:
        if impl == "aiosmtpd":
            import aiosmtpd.smtp  # noqa: F401
        elif impl == "smtpd":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                import asyncore  # noqa: F401
                import smtpd  # noqa: F401
        return True
    except ImportError:
        return False


def main():
    ap = argparse.ArgumentParser(description="SMTP sink for tests")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--impl", choices=["auto", "aiosmtpd", "smtpd", "builtin"], default="auto")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    impl = args.impl
    if impl == "auto":
        impl = next(i for i in ("aiosmtpd", "smtpd", "builtin") if available(i))
    run = {"aiosmtpd": run_aiosmtpd, "smtpd": run_smtpd, "builtin": run_builtin}[impl]
    sys.stderr.write("smtp_sink: %s on %s\n" % (impl, sys.executable))
    try:
        run(args.host, args.port, args.dir)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
