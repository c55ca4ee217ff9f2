"""`suara report`: the official SKM report of a unit, an agency or the city for a period, as
PDF, XLSX or CSV (by the output file's extension)."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from app.cli.common import console, migrate_first, run_with_database

EPILOG = """\
The report (Indonesian) follows the structure agencies file: BAB I Pendahuluan, BAB II
Metodologi, BAB III Hasil, BAB IV Analisis, BAB V Kesimpulan dan Rencana Tindak Lanjut.
Its IKM is the live official IKM of the period (the same as the dashboards and
GET /api/v1/scores); when the period is published, the report names the snapshot version.

Formats, by the extension of FILE:
  .pdf   A4 report with page numbers and the agency's name on every page
  .xlsx  the report's tables, one sheet per table, numbers as numbers
  .csv   all tables in one tidy CSV: table,row,column,value

Periods: 2026 (year), 2026-S1 (semester), 2026-Q2 (quarter), 2026-03 (month).
Respondent-profile groups with fewer than SUARA_MIN_GROUP (default 10) responses are not
shown. Exit codes: 0 written; 1 unknown unit or agency, period not started, or no
responses; 2 bad arguments (format, period). No file is written unless the report is.

Examples:
  suara report --unit pkm-oesapa --period 2026-S1 --out SKM-pkm-oesapa-2026-S1.pdf
  suara report --agency dinkes --period 2026 --out dinkes-2026.xlsx
  suara report --city --period 2026-Q3 --out kota.csv
"""


def _fail(message: str, code: int) -> int:
    console.print(f"[red]{message}[/red]", highlight=False, soft_wrap=True)
    return code


def _write(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (a temporary file renamed into place)."""
    folder = path.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=".suara-report-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_report(args: argparse.Namespace) -> int:
    from app.output.report import FORMATS, render
    from app.settings import from_env
    from feedback.performance import periods
    from feedback.reports import wording
    from feedback.reports.content import report_content
    from feedback.reports.document import build
    from feedback.reports.model import ReportError

    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        return _fail(f"Unknown report format {out.suffix or '(none)'!r} of {args.out}: the "
                     "file name must end in .pdf, .xlsx or .csv.", 2)
    if not out.resolve().parent.is_dir():
        return _fail(f"The folder of {args.out} does not exist.", 2)
    try:
        period = periods.parse(args.period)
    except ValueError:
        return _fail(f"Unknown period {args.period!r}: use 2026, 2026-S1, 2026-Q3 or "
                     "2026-03.", 2)
    if args.city:
        kind, code = "city", None
    elif args.unit is not None:
        kind, code = "unit", args.unit
    else:
        kind, code = "agency", args.agency
    min_group = from_env().min_group

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            content = await report_content(kind, code, period, min_group)
        except ReportError as exc:
            what = {"unit": f"unit {code!r}", "agency": f"agency {code!r}",
                    "city": "the city"}[kind]
            messages = {
                "unknown": f"Unknown {what}: no such code.",
                "not_started": f"The period {period.key} has not started yet: it begins on "
                               f"{period.first.isoformat()}.",
                "no_data": f"No counted responses for {what} in {period.key}: there is "
                           "nothing to report.",
            }
            return _fail(messages.get(exc.kind, str(exc)), 1)
        data = render(build(content), fmt)
        _write(out, data)
        published = ""
        if content.publication is not None:
            published = (f"; published version {content.publication.version}"
                         + ("" if content.publication.matches else
                            " (the live figures differ: data changed after publishing)"))
        console.print(
            f"Wrote the SKM report of {content.name}, {content.period_label}: IKM "
            f"{wording.number(content.ikm)} ({content.grade}), n = {content.n}{published} "
            f"→ {args.out} ({len(data):,} bytes)", highlight=False, soft_wrap=True)
        return 0

    return run_with_database(job)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "report", help="the official SKM report (BAB I–V) of a unit, an agency or the city",
        description="Write the official SKM report (PermenPANRB 14/2017) of a unit, an "
                    "agency or the whole city for a period, as PDF, XLSX or CSV.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--unit", metavar="CODE", help="a unit's report (unit code)")
    who.add_argument("--agency", metavar="CODE", help="an agency's report (agency code)")
    who.add_argument("--city", action="store_true", help="the whole city's report")
    p.add_argument("--period", required=True, metavar="P",
                   help="2026, 2026-S1, 2026-Q3 or 2026-03")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="output file: .pdf, .xlsx or .csv (the format follows the extension)")
    p.set_defaults(func=cmd_report)
