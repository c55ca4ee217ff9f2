"""`suara notify ...`: the notifications of case events (feedback.cases.notify).

* `suara notify run [--at ISO]`: notify the case events not notified yet, now (what
  `suara serve` does in every case pass): alerts raised, e-mail sent with the SUARA_SMTP_*
  settings (none when SUARA_SMTP_HOST is unset); prints the report as JSON
  `{"events", "alerts", "mails", "retrying", "failed", "waiting"}`. `--at` runs it as of
  that moment (timezone-aware ISO 8601), e.g. to send retries that are due by then.
* `suara notify test ADDRESS`: send one test e-mail to ADDRESS with the SMTP settings, to
  check them (host, port, security, sign-in, sender) before relying on them.

Exit codes: 0 done; 1 the database or the SMTP server failed (one line on standard error);
2 bad options or settings (one line on standard error).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from typing import Any

from app.cli.common import migrate_first, run_with_database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_OPTIONS = 2
TEST_SUBJECT = "[Suara Layanan] Uji pengiriman e-mail (test e-mail)"
TEST_BODY = (
    "E-mail ini menguji pengaturan SMTP Suara Layanan. Bila e-mail ini sampai, pemberitahuan "
    "pengaduan dapat dikirim.\n\n"
    "English: this message tests the SMTP settings of Suara Layanan; when it arrives, case "
    "notifications can be sent.\n")


def add_parsers(sub: Any) -> None:
    notify = sub.add_parser("notify", help="notifications of case events (e-mail, alerts)")
    notify_sub = notify.add_subparsers(dest="notify_command", required=True)
    run = notify_sub.add_parser(
        "run", help="notify the case events not notified yet",
        description="Raise the alerts of the case events not notified yet and send their "
                    "e-mail (SUARA_SMTP_* settings; none when SUARA_SMTP_HOST is unset), "
                    "as every case pass of suara serve does; prints a JSON report.")
    run.add_argument("--at", metavar="ISO",
                     help="as of this moment (ISO 8601 with a time zone; default now)")
    run.set_defaults(func=cmd_run)
    test = notify_sub.add_parser(
        "test", help="send a test e-mail with the SMTP settings",
        description="Send one test e-mail to ADDRESS with the SUARA_SMTP_* settings.")
    test.add_argument("address", metavar="ADDRESS")
    test.set_defaults(func=cmd_test)


def _settings(what: str) -> tuple[Any, int | None]:
    from feedback.notify.mail import mail_settings_from_env

    try:
        return mail_settings_from_env(), None
    except ValueError as exc:
        print(f"suara notify {what}: {exc}", file=sys.stderr)
        return None, EXIT_BAD_OPTIONS


def cmd_run(args: argparse.Namespace) -> int:
    from feedback.cases.notify import notify_due
    from feedback.notify.mail import Mailer

    now = None
    if args.at is not None:
        try:
            now = datetime.fromisoformat(args.at)
        except ValueError:
            now = None
        if now is None or now.tzinfo is None:
            print(f"suara notify run: --at must be an ISO 8601 moment with a time zone, e.g. "
                  f"2026-04-01T08:00+08:00 (got {args.at!r})", file=sys.stderr)
            return EXIT_BAD_OPTIONS
    settings, bad = _settings("run")
    if bad is not None:
        return bad

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            report = await notify_due(now, Mailer(settings) if settings else None)
        except Exception as exc:
            print(f"suara notify run: failed ({type(exc).__name__}: {exc}).", file=sys.stderr)
            return EXIT_FAILED
        print(json.dumps(report.as_json()))
        return EXIT_OK

    return run_with_database(job)


def cmd_test(args: argparse.Namespace) -> int:
    from feedback.notify.mail import Mailer, check_address, compose

    try:
        address = check_address(args.address)
    except ValueError as exc:
        print(f"suara notify test: {exc}", file=sys.stderr)
        return EXIT_BAD_OPTIONS
    settings, bad = _settings("test")
    if bad is not None:
        return bad
    if settings is None:
        print("suara notify test: SUARA_SMTP_HOST is not set: no e-mail is sent.",
              file=sys.stderr)
        return EXIT_BAD_OPTIONS
    message = compose(settings, address, TEST_SUBJECT, TEST_BODY)
    sent, error = asyncio.run(Mailer(settings).send([message]))
    where = f"{settings.host}:{settings.port} ({settings.security})"
    if error is not None:
        print(f"suara notify test: not sent through {where}: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Test e-mail sent to {address} through {where}.")
    return EXIT_OK
