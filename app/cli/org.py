"""`suara org import FILE.csv|FILE.xlsx [--dry-run]` and `suara org export [--out FILE]`:
agencies, units (with peer groups), counters and services, in one file format (see
feedback.org.transfer and the README).

Import exit codes: 0 applied (or, with --dry-run, would apply); 1 rows were rejected
(nothing written) or the database refused the change; 2 the file cannot be read at all.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from rich.markup import escape

from app.cli.common import console, migrate_first, run_with_database

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_BAD_FILE = 2


def add_parsers(sub: Any) -> None:
    org = sub.add_parser("org", help="import or export the organisation (agencies, units, "
                                     "counters, services)")
    org_sub = org.add_subparsers(dest="org_command", required=True)
    p = org_sub.add_parser(
        "import", help="create or update agencies, units, counters and services from a file",
        description="Create or update (by code) agencies, units, counters and services from "
                    "one CSV or XLSX file with a 'kind' column; the format is the one "
                    "'suara org export' writes. Any rejected row rejects the whole file.")
    p.add_argument("file", help="organisation file (.csv UTF-8 or .xlsx, header row)")
    p.add_argument("--dry-run", action="store_true",
                   help="check and report what would change, write nothing")
    p.set_defaults(func=cmd_import)
    p = org_sub.add_parser("export", help="write the organisation in the import format")
    p.add_argument("--out", metavar="FILE", help="a .csv or .xlsx file (default: CSV on "
                                                 "standard output)")
    p.set_defaults(func=cmd_export)


def cmd_import(args: argparse.Namespace) -> int:
    from feedback.engine import is_integrity_error
    from feedback.ingest.reader import ReadError
    from feedback.org.counters import clear_counter_cache
    from feedback.org.transfer import KINDS, import_org

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            report = await import_org(args.file, dry_run=args.dry_run)
        except ReadError as exc:
            console.print(f"[red]{escape(str(exc))}[/red]", soft_wrap=True)
            console.print("Nothing was imported.")
            return EXIT_BAD_FILE
        except Exception as exc:  # the transaction rolled back: nothing was written
            if is_integrity_error(exc):
                why = (f"the database refused the change ({exc}); the organisation may "
                       "have been changed at the same time. Nothing was imported: try again.")
            else:
                why = f"import failed ({type(exc).__name__}: {exc}). Nothing was imported."
            console.print(f"[red]{escape(str(args.file))}: {escape(why)}[/red]",
                          soft_wrap=True)
            return EXIT_REJECTED
        clear_counter_cache()
        for rejection in report.rejections:
            console.print(str(rejection), markup=False, highlight=False, soft_wrap=True)
        if report.rejections:
            console.print(f"{report.path}: {report.rejected} of {report.rows} rows rejected. "
                          "Nothing was imported.", markup=False, highlight=False,
                          soft_wrap=True)
            return EXIT_REJECTED
        verb = "would be" if args.dry_run else ""
        for kind in KINDS:
            c = report.counts[kind]
            if any(c.values()):
                console.print(f"{kind}: {c['created']} {verb} created, {c['updated']} "
                              f"{verb} updated, {c['unchanged']} unchanged."
                              .replace("  ", " "), markup=False, highlight=False)
        for code, unit, name in report.new_counters:
            console.print(f"New counter {code}: {name} ({unit}).", markup=False,
                          highlight=False, soft_wrap=True)
        head = "Dry run, nothing written. " if args.dry_run else ""
        console.print(f"{head}{report.path}: {report.rows} rows.", markup=False,
                      highlight=False, soft_wrap=True)
        return EXIT_OK

    return run_with_database(job)


def cmd_export(args: argparse.Namespace) -> int:
    from feedback.org.transfer import COLUMNS, export_rows, iter_cells

    out = args.out
    if out and Path(out).suffix.lower() not in (".csv", ".xlsx"):
        console.print(f"[red]{escape(out)}: the export file must end in .csv or .xlsx[/red]")
        return EXIT_BAD_FILE

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        rows = await export_rows()
        try:
            if not out:
                writer = csv.writer(sys.stdout, lineterminator="\n")
                writer.writerows(iter_cells(rows))
            elif out.lower().endswith(".xlsx"):
                _write_xlsx(out, rows, COLUMNS)
            else:
                with open(out, "w", encoding="utf-8-sig", newline="") as fh:
                    csv.writer(fh).writerows(iter_cells(rows))
        except OSError as exc:
            console.print(f"[red]{escape(out or 'stdout')}: cannot write "
                          f"({escape(exc.strerror or str(exc))})[/red]")
            return EXIT_BAD_FILE
        if out:
            console.print(f"{len(rows)} rows written to {out}.", markup=False,
                          highlight=False, soft_wrap=True)
        return EXIT_OK

    return run_with_database(job)


def _write_xlsx(path: str, rows: list[dict[str, str]], columns: tuple[str, ...]) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "organisation"
    sheet.append(list(columns))
    for row in rows:
        # Volume as a number; everything else as text (codes such as "0123" stay text).
        sheet.append([int(row[c]) if c == "volume" and row[c] else row[c] for c in columns])
    workbook.save(path)
