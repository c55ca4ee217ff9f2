"""`suara import FILE.csv|FILE.xlsx [--unit-map MAP.csv] [--dry-run]`: historical SKM
responses (e.g. paper questionnaires typed into a spreadsheet) into the database.

Each rejected row is printed as `FILE:ROW: column: reason` (the header is row 1), then a
summary. Exit codes: 0 the valid rows were imported (or, with --dry-run, would be), also
when some rows were rejected or everything was already imported; 1 every data row was
rejected, or the database failed (nothing imported); 2 the file (or the unit map) cannot
be imported at all: unreadable, not CSV/XLSX, empty, a missing or unknown column.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.cli.common import console, migrate_first, run_with_database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_FILE = 2
LARGE_FILE_BYTES = 256 * 1024  # show a progress bar from about 2,500 rows


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "import",
        help="import historical SKM responses from a CSV or XLSX file",
        description="Import historical SKM responses (channel 'import'). Columns: unit, "
                    "submitted_at, the nine elements (1-4 or empty), optionally service, "
                    "channel, gender, age, education, occupation, comment. Importing the "
                    "same file again stores nothing twice; importing a corrected version "
                    "of a file (same name, or same --source) replaces the earlier rows.",
    )
    p.add_argument("file", help="responses file (.csv UTF-8 or .xlsx, header row)")
    p.add_argument("--unit-map", metavar="MAP.csv",
                   help="CSV with columns name,unit mapping spreadsheet unit names to codes")
    p.add_argument("--dry-run", action="store_true",
                   help="check and report, write nothing")
    p.add_argument("--source", metavar="NAME",
                   help="what this file is a version of (default: the file's name). "
                        "Importing another version of a source supersedes the rows of "
                        "the earlier one (kept, excluded)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from feedback.ingest.importer import ImportFileError, ImportReport, import_file

    large = _size(args.file) >= LARGE_FILE_BYTES

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            if not large:
                report = await import_file(args.file, unit_map=args.unit_map,
                                           dry_run=args.dry_run, source=args.source)
            else:
                with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                              MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                              transient=True) as bar:
                    tasks: dict[str, Any] = {}

                    def progress(phase: str, done: int, total: int | None) -> None:
                        if phase not in tasks:
                            label = "Reading rows" if phase == "read" else "Storing rows"
                            tasks[phase] = bar.add_task(label, total=total)
                        bar.update(tasks[phase], completed=done, total=total)

                    report = await import_file(args.file, unit_map=args.unit_map,
                                               dry_run=args.dry_run, progress=progress,
                                               source=args.source)
        except ImportFileError as exc:
            console.print(f"[red]{escape(str(exc))}[/red]", soft_wrap=True)
            console.print("Nothing was imported.")
            return EXIT_BAD_FILE
        except Exception as exc:  # the database failed: the transaction rolled back
            console.print(f"[red]{escape(str(args.file))}: import failed "
                          f"({escape(type(exc).__name__)}: {escape(str(exc))}). "
                          "Nothing was imported.[/red]", soft_wrap=True)
            return EXIT_FAILED
        _print(report)
        if report.rejected and report.rows == report.rejected:
            return EXIT_FAILED
        return EXIT_OK

    def _print(report: ImportReport) -> None:
        for rejection in report.rejections:
            console.print(str(rejection), markup=False, highlight=False, soft_wrap=True)
        for notice in report.notices:
            console.print(f"Note: {notice}.", markup=False, highlight=False, soft_wrap=True)
        verb = "would be imported" if report.dry_run else "imported"
        parts = [f"{report.imported} {verb}"]
        if report.not_counted:
            parts[0] += (f" ({report.not_counted} not counted in the IKM: fewer than 7 of 9 "
                         "elements answered)")
        parts.append(f"{report.already_imported} already imported")
        parts.append(f"{report.rejected} rejected")
        head = "Dry run, nothing written. " if report.dry_run else ""
        console.print(f"{head}{report.path}: {report.rows} rows: " + ", ".join(parts) + ".",
                      markup=False, highlight=False, soft_wrap=True)
        if report.superseded or report.reinstated:
            parts = []
            if report.superseded:
                parts.append(f"{report.superseded} rows of its earlier version "
                             f"{'would be' if report.dry_run else 'were'} superseded (kept, "
                             "excluded from the IKM)")
            if report.reinstated:
                parts.append(f"{report.reinstated} rows of this version "
                             f"{'would be' if report.dry_run else 'were'} counted again")
            console.print(f"Source {report.source!r}: " + "; ".join(parts) + ".",
                          markup=False, highlight=False, soft_wrap=True)
        if report.per_unit:
            units = ", ".join(f"{code} {n}" for code, n in sorted(report.per_unit.items()))
            console.print(f"Per unit: {units}.", markup=False, highlight=False, soft_wrap=True)

    return run_with_database(job)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
