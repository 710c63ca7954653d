"""A real SMTP server for the email tests (crates/server/tests/email.rs).

aiosmtpd (PyPI) on 127.0.0.1, with AUTH PLAIN/LOGIN over the plain
connection (loopback only). Every message it accepts is written to --dir as
NNNN.eml (the raw bytes received) and then NNNN.json (envelope and the
message as Python's email parser decodes it: headers, subject, each part),
the JSON last and by rename, so a reader that sees it sees both complete.

Recipients whose address starts with "bounce" are refused at RCPT with
550 (a permanent failure). Prints "listening PORT" once it accepts
connections, and stops when its standard input closes (with --until-killed,
when it is killed: Playwright's webServer, tests/e2e/ticket-email.spec.ts).

    python smtp_sink.py --dir DIR [--port P] [--user U --password P] [--until-killed]
"""

import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import sys
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("bounce"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = os.path.join(self.directory, f"{self.count:04d}")
        raw = envelope.original_content or envelope.content
        with open(stem + ".eml", "wb") as f:
            f.write(raw)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        for part in message.walk():
            if part.is_multipart():
                continue
            parts.append(
                {
                    "content_type": part.get_content_type(),
                    "charset": part.get_content_charset(),
                    "transfer_encoding": part.get("Content-Transfer-Encoding"),
                    "body": part.get_content(),
                }
            )
        summary = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth": session.authenticated,
            "content_type": message.get_content_type(),
            "subject": str(message["subject"]),
            "headers": [[k, str(v)] for k, v in message.items()],
            "parts": parts,
        }
        with open(stem + ".tmp", "w", encoding="utf-8") as f:
            json.dump(summary, f, ensure_ascii=False, indent=1)
        os.replace(stem + ".tmp", stem + ".json")
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--until-killed", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    # AUTH without TLS is deliberate here (loopback only); keep stderr for real problems.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == args.user
            and auth_data.password.decode() == args.password
        )
        return AuthResult(success=ok)

    port = args.port
    if port == 0:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    controller = Controller(
        Sink(args.dir),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate if args.user else None,
        auth_require_tls=False,
        auth_required=bool(args.user),
    )
    controller.start()
    print(f"listening {port}", flush=True)
    try:
        if args.until_killed:
            import threading

            threading.Event().wait()
        else:
            sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
