"""The trend of the city view: the city's pooled official IKM and each agency's index over
the last periods with data (quarters, or months when a month is chosen)."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from feedback.aggregates.daily import COUNT_COLUMNS
from feedback.performance import periods
from feedback.performance.dashboard_reads import Tally, period_result
from feedback.performance.periods import Period
from feedback.tables import UnitDayStats
from scoring.ikm import ELEMENTS, official_ikm
from scoring.inputs import Parameters

Cache = MutableMapping[tuple[Any, ...], Any]

TREND_PERIODS = 6  # periods with data shown in the trend
TREND_LOOKBACK = 12  # periods looked at to find them
# The trend shows only the index (and the official IKM, which draws do not touch). The index
# does not depend on the bootstrap draws (they only give the rank intervals and the
# sensitivity figures), so each trend period is scored with no draws at all (Parameters
# accepts draws=0), which is cheap; the result is kept in the shared score cache under its
# own key (the key includes the number of draws).
TREND_PARAMS = Parameters(draws=0)

@dataclass(frozen=True)
class TrendPoint:
    key: str
    first: date
    last: date
    n: int
    ikm: float | None  # pooled official IKM of the city
    grade: str | None
    agencies: dict[str, float | None]  # agency code -> index



def trend_periods(period: Period) -> tuple[str, list[Period]]:
    """The kind (`month` for a month, else `quarter`) and the candidate periods of the trend,
    oldest first, ending with the one that holds the chosen period's last day."""
    last = period.last
    out = []
    if re.fullmatch(r"\d{4}-\d{2}", period.key):
        kind = "month"
        year, month = last.year, last.month
        for _ in range(TREND_LOOKBACK):
            out.append(periods.parse(f"{year}-{month:02d}"))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    else:
        kind = "quarter"
        year, quarter = last.year, (last.month - 1) // 3 + 1
        for _ in range(TREND_LOOKBACK):
            out.append(periods.parse(f"{year}-Q{quarter}"))
            year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return kind, list(reversed(out))


_CITY_DAY_SQL = (
    'SELECT "day", SUM("n") AS "n", '
    + ", ".join(f'SUM("{c}") AS "{c}"' for c in COUNT_COLUMNS)
    + ' FROM "unit_day_stats" WHERE "day" >= {} AND "day" <= {} GROUP BY "day"'
)


async def city_ikm_by_period(candidates: list[Period]) -> dict[str, Tally]:
    """Per period, the counted responses of every unit of the city summed (one read of the
    daily aggregates over the whole span). The city IKM is the official IKM of that sum: the
    pooled IKM of all counted responses, as the agency view's IKM pools its units. (The
    engine has no city-wide IKM: its μ is a precision-weighted mean of the unit means.)"""
    if not candidates:
        return {}
    first = min(p.first for p in candidates)
    last = max(p.last for p in candidates)
    rows = await UnitDayStats.raw(_CITY_DAY_SQL, first, last).run()
    out = {p.key: Tally.empty() for p in candidates}
    for row in rows:
        day = row["day"]
        if isinstance(day, str):  # SQLite hands dates back as text in raw queries
            day = date.fromisoformat(day)
        flat = [int(row[c] or 0) for c in COUNT_COLUMNS]
        tally = Tally(int(row["n"] or 0),
                      [flat[i * 4:(i + 1) * 4] for i in range(len(ELEMENTS))])
        for p in candidates:
            if p.first <= day <= p.last:
                out[p.key].add(tally)
    return out


async def trend(period: Period, cache: Cache | None) -> tuple[str, tuple[TrendPoint, ...]]:
    """The city IKM and each agency's index over the last periods with data (up to
    TREND_PERIODS quarters, or months when a month is chosen), up to the chosen period."""
    key = ("city-trend", period.key)
    if cache is not None and key in cache:
        return cache[key]
    kind, candidates = trend_periods(period)
    tallies = await city_ikm_by_period(candidates)
    chosen = [p for p in candidates if tallies[p.key].n > 0][-TREND_PERIODS:]
    out = []
    for p in chosen:
        tally = tallies[p.key]
        ikm = official_ikm(tally.counts, tally.n)
        result = await period_result(p, cache, TREND_PARAMS)
        agencies = {} if result is None else {a.agency or "": a.index for a in result.agencies}
        out.append(TrendPoint(p.key, p.first, p.last, tally.n, ikm.ikm, ikm.grade, agencies))
    # Kept beside the period's results in the shared score cache (same lifetime: a minute).
    if cache is not None:
        cache[key] = (kind, tuple(out))
    return kind, tuple(out)
