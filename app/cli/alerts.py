"""`suara alerts ...`: the staff alerts (feedback.alerts).

* `suara alerts check [--days N]`: raise the new alerts (urgent comments of the last N
  days, default 7; sharp drops; flagged counter-hours), queue their webhook deliveries,
  then send the deliveries due; prints
  `{"raised": {"urgent": N, "drop": N, "flag": N}, "delivery": {...}}`.
* `suara alerts deliver`: send the webhook deliveries due (retries included); prints
  `{"attempted", "delivered", "retrying", "failed"}`.
* `suara alerts webhook --agency CODE --url URL [--secret S]`: set the agency's webhook
  (audited); without `--secret` one is generated and printed once. `--off` turns it off.
  `--city` instead of `--agency`: the city's webhook (the alerts the city role sees).

Exit codes: 0 done; 1 the database failed; 2 bad options (one line on standard error).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.cli.common import migrate_first, run_with_database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_OPTIONS = 2


def add_parsers(sub: Any) -> None:
    alerts = sub.add_parser("alerts", help="staff alerts and their webhooks")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", required=True)
    p = alerts_sub.add_parser(
        "check", help="raise new alerts and send the webhook deliveries due",
        description="Raise an alert per urgent comment (last 7 days), sharp drop at a "
                    "counter (its last 20 ratings against its previous 90 days) and flagged "
                    "counter-hour not alerted yet; then send the webhook deliveries due.")
    p.add_argument("--days", type=int, default=7, metavar="N",
                   help="check the comments of the last N days (default 7; 1-3660)")
    p.set_defaults(func=cmd_check)
    p = alerts_sub.add_parser("deliver", help="send the webhook deliveries due")
    p.set_defaults(func=cmd_deliver)
    p = alerts_sub.add_parser(
        "webhook", help="set or turn off an agency's alert webhook",
        description="Each new alert of the agency is POSTed as JSON to the URL, signed "
                    "with HMAC-SHA256 (X-Suara-Signature) over '<X-Suara-Timestamp>.<body>'.")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--agency", help="the agency's code")
    who.add_argument("--city", action="store_true",
                     help="the city's webhook (Inspektorat): every drop and flagged "
                          "counter-hour and the urgent comments about illegal fees")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--url", help="http:// or https:// address")
    group.add_argument("--off", action="store_true", help="turn the webhook off")
    p.add_argument("--secret", help="the HMAC secret (16-128 characters; default: generated)")
    p.set_defaults(func=cmd_webhook)


def _fail(what: str, exc: Exception) -> int:
    print(f"suara alerts {what}: failed ({type(exc).__name__}: {exc}).", file=sys.stderr)
    return EXIT_FAILED


def cmd_check(args: argparse.Namespace) -> int:
    from feedback.alerts.raising import raise_alerts
    from feedback.alerts.webhook import deliver_due

    if not 1 <= args.days <= 3660:
        print("suara alerts check: --days must be between 1 and 3660", file=sys.stderr)
        return EXIT_BAD_OPTIONS

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            raised = await raise_alerts(comment_days=args.days)
            sent = await deliver_due()
        except Exception as exc:
            return _fail("check", exc)
        print(json.dumps({"raised": raised.as_json(), "delivery": sent.as_json()}))
        return EXIT_OK

    return run_with_database(job)


def cmd_deliver(args: argparse.Namespace) -> int:
    from feedback.alerts.webhook import deliver_due

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            sent = await deliver_due()
        except Exception as exc:
            return _fail("deliver", exc)
        print(json.dumps(sent.as_json()))
        return EXIT_OK

    return run_with_database(job)


def cmd_webhook(args: argparse.Namespace) -> int:
    from feedback.accounts.audit import CLI_ACTOR
    from feedback.alerts import webhook

    if args.off and args.secret is not None:
        print("suara alerts webhook: --secret goes with --url, not --off", file=sys.stderr)
        return EXIT_BAD_OPTIONS
    if args.url is not None:
        try:
            webhook.check_url(args.url)
            if args.secret is not None and not 16 <= len(args.secret) <= 128:
                raise ValueError("the secret must have 16 to 128 characters")
        except ValueError as exc:
            print(f"suara alerts webhook: {exc}", file=sys.stderr)
            return EXIT_BAD_OPTIONS

    name = "the city" if args.city else args.agency

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            if args.off:
                changed = await webhook.disable_webhook(CLI_ACTOR, args.agency)
                print(f"webhook of {name}: " + ("turned off" if changed
                                                       else "was not on"))
                return EXIT_OK
            secret = await webhook.set_webhook(CLI_ACTOR, args.agency, args.url, args.secret)
        except webhook.UnknownAgency:
            print(f"suara alerts webhook: no agency with the code {args.agency!r}",
                  file=sys.stderr)
            return EXIT_BAD_OPTIONS
        except Exception as exc:
            return _fail("webhook", exc)
        print(f"webhook of {name}: {args.url}")
        if args.secret is None:
            print(f"secret (shown once): {secret}")
        return EXIT_OK

    return run_with_database(job)
