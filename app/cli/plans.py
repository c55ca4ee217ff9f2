"""`suara plans ...`: the follow-up plans (RTL) from the command line (read only; plans are
written and decided on the staff pages, where every change is audited).

* `suara plans propose --unit CODE --period P`: the elements proposed for the unit's plan
  (below grade B on the NRR scale, and the 3 lowest NRRs; `SUARA_MIN_GROUP` answers at
  least) as JSON: `{"unit", "period", "n", "bound", "min_group", "proposed": [{"element",
  "nrr", "n", "below_bound", "lowest"}], "skipped": [{"element", "n", "reason"}]}`.
* `suara plans list [--period P] [--agency CODE] [--status S]...`: the plans as CSV on
  standard output, one row per action (a plan without actions: one row with the action
  columns empty): `unit, period, plan_status, decided_at, element, what, who, due,
  status, evidence_note, baseline_nrr, baseline_n`.

Exit codes: 0 done; 1 the database failed; 2 bad options (one line on standard error).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from typing import Any

from app.cli.common import migrate_first, run_with_database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_OPTIONS = 2
COLUMNS = ("unit", "period", "plan_status", "decided_at", "element", "what", "who", "due",
           "status", "evidence_note", "baseline_nrr", "baseline_n")


def add_parsers(sub: Any) -> None:
    from feedback.plans.tables import PLAN_STATUSES

    plans = sub.add_parser("plans", help="follow-up plans (RTL): proposals and plans")
    plans_sub = plans.add_subparsers(dest="plans_command", required=True)
    p = plans_sub.add_parser(
        "propose", help="the elements proposed for a unit's follow-up plan",
        description="Elements below grade B on the NRR scale (76.61 / 25 = 3.0644) and the "
                    "3 lowest NRRs of the unit in the period, each with at least "
                    "SUARA_MIN_GROUP answers; JSON on standard output.")
    p.add_argument("--unit", required=True, help="the unit's code")
    p.add_argument("--period", required=True, help="2026, 2026-S1, 2026-Q3 or 2026-03")
    p.set_defaults(func=cmd_propose)
    p = plans_sub.add_parser(
        "list", help="the plans and their actions as CSV",
        description="One row per action (a plan without actions: one row), by unit code.")
    p.add_argument("--period", help="only this period (2026, 2026-S1, 2026-Q3, 2026-03)")
    p.add_argument("--agency", help="only the units of this agency (its code)")
    p.add_argument("--status", action="append", choices=PLAN_STATUSES,
                   help="only plans in this status (repeat for several; default: all)")
    p.set_defaults(func=cmd_list)


def _bad(what: str, message: str) -> int:
    print(f"suara plans {what}: {message}", file=sys.stderr)
    return EXIT_BAD_OPTIONS


def _period(key: str | None) -> Any:
    from feedback.performance.periods import parse

    if key is None:
        return None
    if ".." in key:
        raise ValueError("plans are made per year, semester, quarter or month")
    return parse(key)


def cmd_propose(args: argparse.Namespace) -> int:
    from feedback.plans.proposal import propose
    from feedback.tables import Unit

    try:
        period = _period(args.period)
        min_group = max(1, int(os.environ.get("SUARA_MIN_GROUP", "10")))
    except ValueError as exc:
        return _bad("propose", str(exc))

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        row = await Unit.select(Unit.id).where(Unit.code == args.unit).first()
        if row is None:
            return _bad("propose", f"no unit with the code {args.unit!r}")
        try:
            n, selection, _figures = await propose(row["id"], period, min_group=min_group)
        except Exception as exc:
            print(f"suara plans propose: failed ({type(exc).__name__}: {exc}).",
                  file=sys.stderr)
            return EXIT_FAILED
        print(json.dumps({
            "unit": args.unit, "period": period.key, "n": n, "bound": selection.bound,
            "min_group": selection.min_n,
            "proposed": [{"element": p.code, "nrr": p.nrr, "n": p.n,
                          "below_bound": p.below_bound, "lowest": p.lowest}
                         for p in selection.proposed],
            "skipped": [{"element": s.code, "n": s.n, "reason": s.reason}
                        for s in selection.skipped]}, ensure_ascii=False))
        return EXIT_OK

    return run_with_database(job)


def cmd_list(args: argparse.Namespace) -> int:
    from feedback.plans import reads
    from feedback.plans.tables import PLAN_STATUSES
    from feedback.tables import Agency, Unit

    try:
        period = _period(args.period)
    except ValueError as exc:
        return _bad("list", str(exc))

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        unit_ids = None
        if args.agency is not None:
            agency = await Agency.select(Agency.id).where(Agency.code == args.agency).first()
            if agency is None:
                return _bad("list", f"no agency with the code {args.agency!r}")
            unit_ids = [u["id"] for u in await Unit.select(Unit.id).where(
                Unit.agency == agency["id"])]
        try:
            plans = await reads.plans_of_units(
                None if period is None else period.key, unit_ids,
                args.status or PLAN_STATUSES)
        except Exception as exc:
            print(f"suara plans list: failed ({type(exc).__name__}: {exc}).",
                  file=sys.stderr)
            return EXIT_FAILED
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(COLUMNS)
        for u in plans:
            p = u.plan
            head = [u.unit_code, p.period, p.status,
                    p.decided_at.isoformat() if p.decided_at else ""]
            if not u.actions:
                out.writerow(head + [""] * (len(COLUMNS) - len(head)))
            for a in u.actions:
                out.writerow(head + [
                    a.element, _cell(a.what), _cell(a.who), a.due.isoformat(), a.status,
                    _cell(a.evidence_note or ""),
                    "" if a.baseline_nrr is None else repr(a.baseline_nrr),
                    "" if a.baseline_n is None else a.baseline_n])
        return EXIT_OK

    return run_with_database(job)


def _cell(text: str) -> str:
    """Staff text as a CSV cell that a spreadsheet shows and never runs as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
