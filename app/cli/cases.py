"""`suara cases ...`: complaints (cases) on SP4N-LAPOR! clocks (feedback.cases).

* `suara cases sweep [--at ISO]`: escalate overdue cases and close the replies nobody
  answered (what `suara serve` does every SUARA_CASE_INTERVAL seconds); prints
  `{"escalated_to_agency": N, "escalated_to_city": N, "auto_closed": N}`. `--at` sweeps
  as if it were that moment (timezone-aware ISO 8601), e.g. to catch up after a stop.
* `suara cases export --from D --to D --out FILE.csv`: every case opened from WITA day D
  to D as CSV in SP4N-LAPOR!-style fields (app.output.cases_csv); never the contact.
* `suara cases dayoff add YYYY-MM-DD --name N | remove YYYY-MM-DD | list`: the city's own
  days off (audited, actor "cli"); a change affects cases opened after it only.

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
    add_export_parser(cases_sub)
    add_dayoff_parser(cases_sub)


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


# suara cases export -----------------------------------------------------------------------

def add_export_parser(cases_sub: Any) -> None:
    p = cases_sub.add_parser(
        "export", help="cases as CSV in SP4N-LAPOR!-style fields",
        description="Write every case opened from WITA day --from to --to (inclusive) as "
                    "CSV (UTF-8 with BOM, Indonesian headers) for re-entry in SP4N-LAPOR!. "
                    "Comments are masked; contacts are never written.")
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--out", required=True, metavar="FILE.csv")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.output import cases_csv
    from app.web.staff.case_export import parse_range
    from feedback.accounts.audit import CLI_ACTOR, record
    from feedback.cases.export import export_cases

    try:
        first, last = parse_range(args.date_from, args.date_to)
    except ValueError as exc:
        return _bad("export", {
            "missing": "--from and --to are both needed",
            "invalid_date": "dates must be written as YYYY-MM-DD",
            "reversed": "--from must not be after --to",
            "too_long": "at most two years at once",
        }.get(str(exc), str(exc)))
    out = Path(args.out)
    if not out.parent.is_dir():
        return _bad("export", f"no such folder: {out.parent}")

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            cases = await export_cases(first, last)
            await record(CLI_ACTOR, "cases.export", "case_export", f"{first}..{last}",
                         new={"from": first.isoformat(), "to": last.isoformat(),
                              "cases": len(cases)})
        except Exception as exc:
            return _fail("export", exc)
        out.write_bytes(cases_csv.render(cases))
        print(f"{len(cases)} cases opened {first} to {last} written to {out}",
              file=sys.stderr)
        return EXIT_OK

    return run_with_database(job)


# suara cases dayoff -----------------------------------------------------------------------

DAYOFF_ERRORS = {
    "invalid_day": "write the day as YYYY-MM-DD",
    "past": "the day has passed (only today or a later day can be added)",
    "too_far": "the day is more than two years ahead",
    "weekend": "the day is a Saturday or Sunday: not a working day anyway",
    "national": "the day is already a national holiday or cuti bersama: {reason}",
    "exists": "the day is already a local day off",
    "not_found": "the day is not a local day off",
    "name_missing": "give the day off a name with --name",
    "name_too_long": "the name is too long (at most 120 characters)",
}


def add_dayoff_parser(cases_sub: Any) -> None:
    p = cases_sub.add_parser(
        "dayoff", help="the city's own days off (on top of national holidays)",
        description="Add, remove or list the city's local days off. The complaint clocks "
                    "skip them; a change affects cases opened after it (stored deadlines do "
                    "not move).")
    sub = p.add_subparsers(dest="dayoff_command", required=True)
    add = sub.add_parser("add", help="add a local day off")
    add.add_argument("day", metavar="YYYY-MM-DD")
    add.add_argument("--name", required=True)
    remove = sub.add_parser("remove", help="remove a local day off")
    remove.add_argument("day", metavar="YYYY-MM-DD")
    sub.add_parser("list", help="the local days off and the coming year's weekdays off")
    p.set_defaults(func=cmd_dayoff)


def cmd_dayoff(args: argparse.Namespace) -> int:
    from datetime import UTC, timedelta

    from feedback.accounts.audit import CLI_ACTOR
    from feedback.cases import days_off
    from feedback.cases.clocks import calendar
    from feedback.clock import wita_day

    what = f"dayoff {args.dayoff_command}"
    day = None
    if args.dayoff_command in ("add", "remove"):
        try:
            day = days_off.parse_day(args.day)
        except days_off.DayOffRefused as exc:
            return _bad(what, DAYOFF_ERRORS[exc.code])

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        now = datetime.now(UTC)
        try:
            if args.dayoff_command == "add":
                await days_off.add(CLI_ACTOR, day, args.name, now)
                print(f"added {day}", file=sys.stderr)
            elif args.dayoff_command == "remove":
                await days_off.remove(CLI_ACTOR, day, now)
                print(f"removed {day}", file=sys.stderr)
            else:
                today = wita_day(now)
                local = await days_off.local_days()
                for d in local:
                    print(f"{d.day}\tlocal\t{d.name}")
                coming = days_off.non_working_days(await calendar(), [], today,
                                                   today + timedelta(days=365), "en")
                for d in coming:
                    if d.kind != "local":  # listed above
                        print(f"{d.day}\t{d.kind}\t{d.name}")
        except days_off.DayOffRefused as exc:
            return _bad(what, DAYOFF_ERRORS[exc.code].format(reason=exc.reason or ""))
        except Exception as exc:
            return _fail(what, exc)
        return EXIT_OK

    return run_with_database(job)
