"""`suara served import FILE.csv|FILE.xlsx` and `suara served key CODE`: transactions
served per counter and WITA hour, as queue systems report them (columns `counter`, `hour`,
`served`; see feedback.integrity.served). The screening compares them with the ratings of the hour.

`suara served key CODE` prints the counter's key for `POST /api/v1/counters/{code}/served`
(exit 1 for an unknown counter).

Import exit codes: 0 stored; 1 rows were rejected (each printed as `FILE:ROW: column: reason`;
nothing written) or the database failed; 2 the file cannot be read at all.
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.markup import escape

from app.cli.common import console, migrate_first, run_with_database

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_BAD_FILE = 2


def add_parsers(sub: Any) -> None:
    served = sub.add_parser("served", help="transactions served per counter and hour "
                                           "(from queue systems)")
    served_sub = served.add_subparsers(dest="served_command", required=True)
    p = served_sub.add_parser(
        "import", help="store served counts per counter and hour from a CSV or XLSX file",
        description="Store how many transactions each counter served per WITA clock hour. "
                    "Columns: counter (code), hour (ISO 8601, e.g. 2026-11-30T09:00; "
                    "without an offset it is WITA), served (0 or more). A count given again "
                    "for the same counter and hour replaces the earlier one. Any rejected "
                    "row rejects the whole file.")
    p.add_argument("file", help="served counts (.csv UTF-8 or .xlsx, header row)")
    p.set_defaults(func=cmd_import)
    p = served_sub.add_parser(
        "key", help="print a counter's API key for POST /api/v1/counters/CODE/served",
        description="Print the API key a queue system sends as 'Authorization: Bearer KEY' "
                    "to report the counter's served counts. It is derived from the counter's "
                    "secret: a new secret gives a new key.")
    p.add_argument("counter", help="counter code")
    p.set_defaults(func=cmd_key)


def cmd_import(args: argparse.Namespace) -> int:
    from feedback.ingest.reader import ReadError
    from feedback.integrity.served import import_served

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            report = await import_served(args.file)
        except ReadError as exc:
            console.print(f"[red]{escape(str(exc))}[/red]", soft_wrap=True)
            console.print("Nothing was imported.")
            return EXIT_BAD_FILE
        except Exception as exc:  # the transaction rolled back: nothing was written
            console.print(f"[red]{escape(str(args.file))}: import failed "
                          f"({escape(type(exc).__name__)}: {escape(str(exc))}). "
                          "Nothing was imported.[/red]", soft_wrap=True)
            return EXIT_REJECTED
        for rejection in report.rejections:
            console.print(str(rejection), markup=False, highlight=False, soft_wrap=True)
        if report.rejections:
            bad = len({r.row for r in report.rejections})
            console.print(f"{report.path}: {bad} of {report.rows} rows rejected. Nothing was "
                          "imported.", markup=False, highlight=False, soft_wrap=True)
            return EXIT_REJECTED
        console.print(f"{report.path}: {report.rows} rows: {report.stored} counter-hours "
                      f"stored, {report.replaced} replaced.", markup=False, highlight=False,
                      soft_wrap=True)
        return EXIT_OK

    return run_with_database(job)


def cmd_key(args: argparse.Namespace) -> int:
    from feedback.integrity.served import api_key, counter_for_key

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        counter = await counter_for_key(args.counter)
        if counter is None:
            console.print(f"[red]{escape(args.counter)!r} is not a known counter code.[/red]")
            return EXIT_REJECTED
        print(api_key(counter["secret"], counter["code"]))
        return EXIT_OK

    return run_with_database(job)
