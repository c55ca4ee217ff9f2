"""`suara integrity scan [--from D] [--to D] [--format json|table]`: the integrity screening
of every counter-hour (WITA) in a window (default: the last 7 days up to now), stored with
the model version and the features used (feedback.integrity.scan).

`--from` and `--to` are WITA dates (YYYY-MM-DD; `--to` includes its whole day) or ISO 8601
date-times (without an offset: WITA). The JSON on standard output is
`{"counter_hours": N, "flagged": [{"counter", "hour", "reasons", "anomaly_score",
"responses"}, ...]}`, most anomalous first, `hour` with the WITA offset (+08:00).

Exit codes: 0 scanned; 1 the database failed; 2 bad options (one line on standard error).

`suara integrity decide FLAG --action exclude|keep --reason TEXT [--responses ID,ID]`
records a review decision (feedback.integrity.decisions); exit 2 when it cannot be recorded.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rich.markup import escape

from app.cli.common import console, migrate_first, run_with_database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_OPTIONS = 2
_EARLIEST_YEAR = 2000


def add_parsers(sub: Any) -> None:
    integrity = sub.add_parser("integrity", help="integrity screening of the ratings")
    integrity_sub = integrity.add_subparsers(dest="integrity_command", required=True)
    p = integrity_sub.add_parser(
        "scan", help="screen every counter-hour of a window and store the flags",
        description="Screen the ratings per counter and WITA hour with transparent rules "
                    "(above_served, burst, outside_hours, fast_repeat, "
                    "near_duplicate_comments, unverified_surge), order the flagged "
                    "counter-hours by an IsolationForest's anomaly score, store the result "
                    "and print it. Default window: the last 7 days up to now.")
    p.add_argument("--from", dest="date_from", metavar="D",
                   help="first WITA day (YYYY-MM-DD) or date-time")
    p.add_argument("--to", dest="date_to", metavar="D",
                   help="last WITA day, included (YYYY-MM-DD), or date-time (excluded)")
    p.add_argument("--format", choices=("json", "table"), default="json")
    p.set_defaults(func=cmd_scan)
    p = integrity_sub.add_parser(
        "decide", help="record a review decision on a flagged counter-hour",
        description="Exclude a flagged counter-hour's responses from the aggregates (kept, "
                    "marked excluded with the reason), or keep them counted; the decision "
                    "goes to the hash-chained decision log and the audit log.")
    p.add_argument("flag", type=int, help="the flag's id (integrity_flag)")
    p.add_argument("--action", choices=("exclude", "keep"), required=True)
    p.add_argument("--reason", required=True, help="why (at most 500 characters)")
    p.add_argument("--responses", metavar="ID,ID",
                   help="only these responses of the flag (default: all of them)")
    p.set_defaults(func=cmd_decide)


class BadWindow(ValueError):
    pass


def _moment(text: str, option: str, *, end: bool) -> datetime:
    """An aware datetime from a WITA date (its start, or with `end` the next day's start)
    or an ISO date-time (naive: WITA)."""
    from feedback.clock import WITA

    value = text.strip()
    try:
        if len(value) <= 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day + timedelta(days=1 if end else 0), time(0),
                                      tzinfo=WITA)
        else:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=WITA)
    except (ValueError, OverflowError):
        raise BadWindow(f"{option} {text!r} is not a date (YYYY-MM-DD) or an ISO 8601 "
                        "date-time") from None
    if moment.year < _EARLIEST_YEAR:
        raise BadWindow(f"{option} {text!r} is before {_EARLIEST_YEAR}")
    return moment


def window(date_from: str | None, date_to: str | None,
           now: datetime) -> tuple[datetime, datetime]:
    """The scan window [start, end) from the options; raises BadWindow."""
    from feedback.integrity.scan import DEFAULT_DAYS

    end = _moment(date_to, "--to", end=True) if date_to is not None else now
    start = (_moment(date_from, "--from", end=False) if date_from is not None
             else end - timedelta(days=DEFAULT_DAYS))
    if start >= end:
        raise BadWindow(f"--from ({start.isoformat()}) must be before --to "
                        f"({end.isoformat()})")
    return start, end


def cmd_scan(args: argparse.Namespace) -> int:
    try:
        start, end = window(args.date_from, args.date_to, datetime.now(UTC))
    except BadWindow as exc:
        print(f"suara integrity scan: {exc}", file=sys.stderr)
        return EXIT_BAD_OPTIONS

    from feedback.integrity.scan import run_scan

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            report = await run_scan(start, end, trigger="cli")
        except Exception as exc:
            console.print(f"[red]integrity scan failed ({escape(type(exc).__name__)}: "
                          f"{escape(str(exc))}). Nothing was stored.[/red]", soft_wrap=True)
            return EXIT_FAILED
        if args.format == "json":
            sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False) + "\n")
        else:
            _table(report)
        return EXIT_OK

    return run_with_database(job)


def _table(report: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 140)
    from feedback.clock import WITA

    first, end = (t.astimezone(WITA).strftime("%Y-%m-%d %H:%M")
                  for t in (report.window_from, report.window_to))
    table = Table(title=f"Integrity scan, {first} to {end} WITA")
    table.add_column("Counter")
    table.add_column("Hour (WITA)")
    table.add_column("Responses", justify="right")
    table.add_column("Anomaly score", justify="right")
    table.add_column("Reasons")
    for f in report.flagged:
        table.add_row(f.counter, f.hour.strftime("%Y-%m-%d %H:00"), str(f.responses),
                      f"{f.anomaly_score:.4f}", ", ".join(f.reasons))
    if report.flagged:
        out.print(table)
    out.print(f"{report.counter_hours} counter-hours scanned, {len(report.flagged)} flagged "
              f"(scan {report.scan_id}; {report.model_version}).", highlight=False)


def cmd_decide(args: argparse.Namespace) -> int:
    try:
        ids = (None if args.responses is None
               else [int(x) for x in args.responses.split(",") if x.strip()])
    except ValueError:
        print(f"suara integrity decide: --responses {args.responses!r} is not a list of "
              "response ids (e.g. 12,15)", file=sys.stderr)
        return EXIT_BAD_OPTIONS

    from feedback.accounts.audit import CLI_ACTOR
    from feedback.integrity.decisions import DecisionError, decide

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            decision = await decide(args.flag, args.action, args.reason, CLI_ACTOR, ids)
        except DecisionError as exc:
            print(f"suara integrity decide: {exc}. Nothing was recorded.", file=sys.stderr)
            return EXIT_BAD_OPTIONS
        what = (f"{decision.excluded} responses excluded" if decision.action == "exclude"
                else "responses kept")
        print(f"Decision {decision.id} on flag {args.flag}: {decision.action} "
              f"({len(decision.response_ids)} responses; {what}); hash {decision.hash}.")
        return EXIT_OK

    return run_with_database(job)
