"""Scoring from the database: the engine's inputs for a period, read from the per-unit,
per-day aggregates (never from raw responses) and the indicator tables.

Volume (the Krejcie & Morgan population and the agency weight) is the unit's
`monthly_volume` times the period's length in months, rounded. Unit and agency names are
passed to the engine, which carries them into its result.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import msgspec
import numpy as np

from feedback.aggregates.daily import COUNT_COLUMNS
from feedback.performance.periods import Period
from feedback.tables import Unit, UnitDayStats
from scoring.engine import score
from scoring.ikm import ELEMENTS
from scoring.inputs import Kpi, Parameters, UnitData
from scoring.result import PeriodInfo, ScoreResult

_SUMS = ", ".join(f'SUM("{c}") AS "{c}"' for c in COUNT_COLUMNS)
_STATS_SQL = (
    f'SELECT "unit", {_SUMS} FROM "unit_day_stats" '
    'WHERE "day" >= {} AND "day" <= {} GROUP BY "unit"'
)
_HIST_SQL = (
    'SELECT "unit", "answered", "total", SUM("count") AS "count" FROM "unit_day_score" '
    'WHERE "day" >= {} AND "day" <= {} GROUP BY "unit", "answered", "total"'
)
_KPI_SQL = (
    'SELECT i."unit" AS "unit", i."code" AS "code", i."direction" AS "direction", '
    'i."weight" AS "weight", v."target" AS "target", v."actual" AS "actual", '
    'p."actual" AS "previous_actual" '
    'FROM "indicator" i JOIN "indicator_value" v ON v."indicator" = i."id" '
    'LEFT JOIN "indicator_value" p ON p."indicator" = i."id" AND p."period" = {} '
    'WHERE v."period" = {} ORDER BY i."unit", i."code"'
)


async def engine_inputs(period: Period) -> tuple[list[UnitData], list[Kpi]]:
    """Every unit (in code order, with or without responses) and the period's KPIs."""
    # The three reads are independent: run them side by side (separate pool connections).
    units, stats, hist = await asyncio.gather(
        Unit.select(
            Unit.id, Unit.code, Unit.name, Unit.peer_group, Unit.monthly_volume,
            Unit.agency.code, Unit.agency.name,
        ).order_by(Unit.code).run(),
        UnitDayStats.raw(_STATS_SQL, period.first, period.last).run(),
        UnitDayStats.raw(_HIST_SQL, period.first, period.last).run(),
    )
    counts = {
        row["unit"]: np.array([int(row[c]) for c in COUNT_COLUMNS]).reshape(len(ELEMENTS), 4)
        for row in stats
    }
    hists: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for row in hist:
        hists[row["unit"]].append((int(row["answered"]), int(row["total"]), int(row["count"])))
    empty = np.zeros((len(ELEMENTS), 4), dtype=np.int64)
    data = [
        UnitData(
            unit=u["code"], agency=u["agency.code"], peer_group=u["peer_group"],
            volume=None if u["monthly_volume"] is None
            else round(u["monthly_volume"] * period.months),
            element_counts=counts.get(u["id"], empty),
            score_hist=tuple(sorted(hists.get(u["id"], ()))),
            name=u["name"], agency_name=u["agency.name"],
        )
        for u in units
    ]
    code_of = {u["id"]: u["code"] for u in units}
    kpis = []
    if period.previous is not None:
        for row in await UnitDayStats.raw(_KPI_SQL, period.previous, period.key):
            kpis.append(Kpi(
                unit=code_of[row["unit"]], indicator=row["code"], target=row["target"],
                actual=row["actual"], direction=row["direction"], weight=row["weight"],
                previous_actual=row["previous_actual"],
            ))
    return data, kpis


async def score_period(period: Period, params: Parameters) -> ScoreResult:
    """The engine's result (SCORING.md section 5) for a period, with the period set."""
    units, kpis = await engine_inputs(period)
    return await score_inputs(period, units, kpis, params)


async def score_inputs(period: Period, units: list[UnitData], kpis: list[Kpi],
                       params: Parameters) -> ScoreResult:
    """The engine's result for inputs read by `engine_inputs`, with the period set."""
    # The bootstrap is CPU work: keep the event loop free for other requests.
    result = await asyncio.to_thread(score, units, kpis, params)
    return msgspec.structs.replace(result, period=PeriodInfo(
        key=period.key, period_from=period.first.isoformat(),
        period_to=period.last.isoformat()))
