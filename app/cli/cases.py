"""`suara cases ...`: complaints (cases) on SP4N-LAPOR! clocks (feedback.cases).

* `suara cases sweep [--at ISO]`: escalate overdue cases and close the replies nobody
  answered (what `suara serve` does every SUARA_CASE_INTERVAL seconds); prints
  `{"escalated_to_agency": N, "escalated_to_city": N, "auto_closed": N}`. `--at` sweeps
  as if it were that moment (timezone-aware ISO 8601), e.g. to catch up after a stop.

Each subcommand is one `add_<name>_parser(cases_sub)` function registered in
`add_parsers` below.

Exit codes: 0 done; 1 the database failed; 2 bad options (one line on standard error).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from app.cli.common import migrate_first, run_with_database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_OPTIONS = 2


def add_parsers(sub: Any) -> None:
    cases = sub.add_parser("cases", help="complaints (cases) and their clocks")
    cases_sub = cases.add_subparsers(dest="cases_command", required=True)
    add_sweep_parser(cases_sub)


def _fail(what: str, exc: Exception) -> int:
    print(f"suara cases {what}: failed ({type(exc).__name__}: {exc}).", file=sys.stderr)
    return EXIT_FAILED


def _bad(what: str, message: str) -> int:
    print(f"suara cases {what}: {message}", file=sys.stderr)
    return EXIT_BAD_OPTIONS


# suara cases sweep ------------------------------------------------------------------------

def add_sweep_parser(cases_sub: Any) -> None:
    p = cases_sub.add_parser(
        "sweep", help="escalate overdue cases and auto-close unanswered replies",
        description="Escalate cases whose verification deadline passed (to the agency) or "
                    "whose follow-up deadline passed (to the city), and close answered "
                    "cases 10 working days after a reply the citizen did not answer.")
    p.add_argument("--at", metavar="ISO",
                   help="sweep as of this moment (ISO 8601 with a time zone; default now)")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    from feedback.cases.work import sweep

    now = None
    if args.at is not None:
        try:
            now = datetime.fromisoformat(args.at)
        except ValueError:
            return _bad("sweep", f"--at is not an ISO 8601 moment: {args.at!r}")
        if now.tzinfo is None:
            return _bad("sweep", "--at needs a time zone, e.g. 2026-04-01T08:00+08:00")

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            report = await sweep(now)
        except Exception as exc:
            return _fail("sweep", exc)
        print(json.dumps(report.as_json()))
        return EXIT_OK

    return run_with_database(job)
