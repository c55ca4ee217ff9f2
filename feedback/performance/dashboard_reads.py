"""What the staff dashboards read: the per-unit, per-day aggregates (`unit_day_stats`) summed
per day over a set of units, the organisation rows a dashboard names, and the period's
score result. Nothing here reads individual responses, so the cost of a dashboard grows
with the days and units it covers, never with the number of stored responses."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from feedback.aggregates.daily import COUNT_COLUMNS
from feedback.performance.periods import Period
from feedback.performance.scores import score_period
from feedback.tables import Counter, Unit, UnitDayStats
from scoring.ikm import ELEMENTS
from scoring.inputs import Parameters
from scoring.result import ScoreResult

Counts = list[list[int]]  # per element (ELEMENTS order), how many answered 1..4


def zero_counts() -> Counts:
    return [[0, 0, 0, 0] for _ in ELEMENTS]


def add_counts(into: Counts, more: Counts) -> None:
    for row, extra in zip(into, more, strict=True):
        for i in range(4):
            row[i] += extra[i]


@dataclass
class Tally:
    """Counted responses and their element answer counts."""

    n: int
    counts: Counts

    @classmethod
    def empty(cls) -> Tally:
        return cls(0, zero_counts())

    def add(self, other: Tally) -> None:
        self.n += other.n
        add_counts(self.counts, other.counts)


_DAY_SUMS = ", ".join(f'SUM("{c}") AS "{c}"' for c in ("n", *COUNT_COLUMNS))


async def daily(unit_ids: Iterable[int], first: date, last: date) -> dict[date, Tally]:
    """Per WITA day in [first, last], the summed aggregates of the given units."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    marks = ", ".join("{}" for _ in ids)
    rows = await UnitDayStats.raw(
        f'SELECT "day", {_DAY_SUMS} FROM "unit_day_stats" WHERE "unit" IN ({marks}) '
        'AND "day" >= {} AND "day" <= {} GROUP BY "day"', *ids, first, last).run()
    out: dict[date, Tally] = {}
    for row in rows:
        day = row["day"]
        if isinstance(day, str):  # SQLite hands dates back as text in raw queries
            day = date.fromisoformat(day)
        flat = [int(row[c]) for c in COUNT_COLUMNS]
        out[day] = Tally(int(row["n"]), [flat[i * 4:(i + 1) * 4] for i in range(len(ELEMENTS))])
    return out


def total(days: dict[date, Tally], first: date, last: date) -> Tally:
    """The sum of the days in [first, last]."""
    out = Tally.empty()
    for day, tally in days.items():
        if first <= day <= last:
            out.add(tally)
    return out


async def unit_row(code: str) -> dict[str, Any] | None:
    return await Unit.select(
        Unit.id, Unit.code, Unit.name, Unit.peer_group, Unit.monthly_volume,
        Unit.agency.id, Unit.agency.code, Unit.agency.name,
    ).where(Unit.code == code).first().run()


async def agency_units(agency_id: int) -> list[dict[str, Any]]:
    return await Unit.select(
        Unit.id, Unit.code, Unit.name, Unit.peer_group, Unit.monthly_volume,
    ).where(Unit.agency == agency_id).order_by(Unit.name).run()


async def unit_counters(unit_id: int) -> list[dict[str, Any]]:
    return await Counter.select(Counter.id, Counter.code, Counter.name).where(
        Counter.unit == unit_id).order_by(Counter.name).run()


async def counter_row(code: str) -> dict[str, Any] | None:
    return await Counter.select(
        Counter.id, Counter.code, Counter.name, Counter.unit.id, Counter.unit.code,
        Counter.unit.name, Counter.unit.agency.id,
    ).where(Counter.code == code).first().run()


def cache_key(period: Period, params: Parameters) -> tuple[Any, ...]:
    """The key of a period's result in a score cache: the same as GET /api/v1/scores uses,
    so the dashboards and the API share one computation and show the same figures."""
    return (period.key, params.seed, params.draws, params.w_satisfaction)


async def period_result(period: Period, cache: MutableMapping[tuple[Any, ...], Any] | None,
                        params: Parameters | None = None) -> ScoreResult | None:
    """The period's score result (default parameters), from `cache` when it holds it; None
    when no unit has a response in the period."""
    params = params or Parameters()
    key = cache_key(period, params)
    if cache is not None and key in cache:
        return cache[key]
    has_data = await UnitDayStats.exists().where(
        (UnitDayStats.day >= period.first) & (UnitDayStats.day <= period.last))
    result = await score_period(period, params) if has_data else None
    if cache is not None:
        cache[key] = result
    return result
