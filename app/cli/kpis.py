"""`suara kpis`: a period's indicator targets and actuals from a CSV file."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from app.cli.common import console, migrate_first, run_with_database


def cmd_kpis(args: argparse.Namespace) -> int:
    """Store indicator targets and actuals of a period from a KPI CSV (as for suara score)."""
    from app.cli.score import InputError, read_kpis
    from feedback.performance.kpis import store_kpis
    from feedback.performance.periods import parse
    from feedback.performance.target_lock import PeriodLocked
    from feedback.tables import Unit

    try:
        period = parse(args.period).key
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        known = {u["code"] for u in await Unit.select(Unit.code)}
        try:
            kpis = read_kpis(args.file, known)
        except (InputError, OSError, UnicodeDecodeError) as exc:
            console.print(f"[red]{exc}[/red]")
            return 2
        try:
            report = await store_kpis(period, kpis, args.by, datetime.now(UTC))
        except PeriodLocked as exc:
            console.print(f"[red]suara kpis: {exc}. Nothing was stored.[/red]",
                          highlight=False, soft_wrap=True)
            return 2
        console.print(f"{period}: {report.created} new, {report.changed} changed (audited), "
                      f"{report.unchanged} unchanged indicator values.")
        return 0

    return run_with_database(job)


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("kpis", help="store indicator targets and actuals for a period")
    p.add_argument("file", help="KPI file (.csv or .xlsx): unit, indicator, target, actual, "
                                "direction, weight")
    p.add_argument("--period", required=True, help="2026, 2026-S1, 2026-Q3 or 2026-03")
    p.add_argument("--by", default="suara kpis", help="who made the change (audit trail)")
    p.set_defaults(func=cmd_kpis)
