"""Per-unit, per-day aggregates, kept up to date as responses arrive.

`unit_day_stats` holds n and, per element, how many answered 1..4 (what the official IKM
needs); `unit_day_score` holds the histogram of respondent scores (what shrinkage and the
rank-interval bootstrap need; sums and sums of squares derive from it). Both are
incremented with one upsert each, so submissions from many workers add up exactly;
`retract` takes responses back out (exclusions, superseded imports).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from feedback.sql import fetch, insert_rows
from feedback.tables import UnitDayStats
from scoring.ikm import ELEMENTS, is_counted

COUNT_COLUMNS: tuple[str, ...] = tuple(f"{e}_{a}" for e in ELEMENTS for a in range(1, 5))


@dataclass
class DayDelta:
    """What a batch of counted responses adds to one unit-day."""

    n: int = 0
    counts: list[int] = field(default_factory=lambda: [0] * len(COUNT_COLUMNS))
    # (answered, total) -> count
    scores: dict[tuple[int, int], int] = field(default_factory=dict)

    def add(self, answers: Mapping[str, int | None]) -> None:
        given = [(i, a) for i, e in enumerate(ELEMENTS) if (a := answers.get(e)) is not None]
        answered, total = len(given), sum(a for _, a in given)
        self.n += 1
        for i, a in given:
            self.counts[i * 4 + a - 1] += 1
        key = (answered, total)
        self.scores[key] = self.scores.get(key, 0) + 1


def deltas(
    rows: Iterable[tuple[int, date, Mapping[str, int | None]]],
) -> dict[tuple[int, date], DayDelta]:
    """Group (unit id, WITA day, answers) rows into per-unit-day deltas; uncounted rows
    (fewer than 7 of 9 answered) are left out, as in the official IKM."""
    out: dict[tuple[int, date], DayDelta] = {}
    for unit_id, day, answers in rows:
        if is_counted(answers):
            out.setdefault((unit_id, day), DayDelta()).add(answers)
    return out


_STATS_COLUMNS = (
    ("unit", "integer"), ("day", "date"), ("n", "integer"),
    *((c, "integer") for c in COUNT_COLUMNS),
)
_STATS_UPSERT = 'ON CONFLICT ("unit", "day") DO UPDATE SET ' + ", ".join(
    f'"{c}" = "unit_day_stats"."{c}" + excluded."{c}"' for c, _ in _STATS_COLUMNS[2:]
)
_SCORE_COLUMNS = (
    ("unit", "integer"), ("day", "date"), ("answered", "smallint"), ("total", "smallint"),
    ("count", "integer"),
)
_SCORE_UPSERT = ('ON CONFLICT ("unit", "day", "answered", "total") DO UPDATE SET '
                 '"count" = "unit_day_score"."count" + excluded."count"')


async def apply(batch: Mapping[tuple[int, date], DayDelta]) -> None:
    """Add deltas to the stored aggregates with multi-row upserts (call inside the caller's
    transaction). Rows go in key order, so concurrent writers lock them in the same order."""
    stats: list[tuple[Any, ...]] = []
    scores: list[tuple[Any, ...]] = []
    for (unit_id, day), d in sorted(batch.items()):
        stats.append((unit_id, day, d.n, *d.counts))
        scores.extend((unit_id, day, a, t, c) for (a, t), c in sorted(d.scores.items()))
    await insert_rows("unit_day_stats", _STATS_COLUMNS, stats, _STATS_UPSERT)
    await insert_rows("unit_day_score", _SCORE_COLUMNS, scores, _SCORE_UPSERT)


async def retract(batch: Mapping[tuple[int, date], DayDelta]) -> None:
    """Take deltas back out of the stored aggregates (responses excluded, or superseded by
    a corrected import), inside the caller's transaction: the same upserts with negated
    values, then the unit-days and histogram cells that fall to zero are deleted, so add
    then retract leaves the tables as they were. Retracting more than was added is a bug
    and raises (the caller's transaction then rolls back)."""
    if not batch:
        return
    negated: dict[tuple[int, date], DayDelta] = {}
    for key, d in batch.items():
        negated[key] = DayDelta(n=-d.n, counts=[-c for c in d.counts],
                                scores={k: -c for k, c in d.scores.items()})
    await apply(negated)
    units = sorted({unit_id for unit_id, _ in batch})
    for start in range(0, len(units), _UNITS_PER_STATEMENT):
        chunk = units[start:start + _UNITS_PER_STATEMENT]
        marks = ", ".join("?" * len(chunk))
        negative = await fetch(
            f'SELECT "unit", "day" FROM "unit_day_stats" WHERE "unit" IN ({marks}) AND ('
            + " OR ".join(f'"{c}" < 0' for c, _ in _STATS_COLUMNS[2:]) + ") LIMIT 1", *chunk)
        negative += await fetch(
            f'SELECT "unit", "day" FROM "unit_day_score" WHERE "unit" IN ({marks}) '
            'AND "count" < 0 LIMIT 1', *chunk)
        if negative:
            raise RuntimeError(f"retracting responses that were never added to the "
                               f"aggregates (unit {negative[0]['unit']}, day "
                               f"{negative[0]['day']})")
        await fetch(f'DELETE FROM "unit_day_score" WHERE "unit" IN ({marks}) '
                    'AND "count" = 0', *chunk)
        await fetch(f'DELETE FROM "unit_day_stats" WHERE "unit" IN ({marks}) AND "n" = 0 AND '
                    + " AND ".join(f'"{c}" = 0' for c in COUNT_COLUMNS), *chunk)


_UNITS_PER_STATEMENT = 500
_SUMS = [f'COALESCE(SUM("{c}"), 0) AS "{c}"' for c in ("n", *COUNT_COLUMNS)]
_PERIOD_SQL = (
    "SELECT " + ", ".join(_SUMS) + ' FROM "unit_day_stats" '
    'WHERE "unit" = {} AND "day" >= {} AND "day" <= {}'
)


@dataclass(frozen=True)
class PeriodCounts:
    n: int
    element_counts: list[list[int]]  # per element (ELEMENTS order), counts of answers 1..4


async def unit_period_counts(unit_id: int, first: date, last: date) -> PeriodCounts:
    """Sum a unit's daily aggregates over [first, last] (WITA days, inclusive)."""
    rows = await UnitDayStats.raw(_PERIOD_SQL, unit_id, first, last)
    row = rows[0]
    values = [int(row[c]) for c in ("n", *COUNT_COLUMNS)]
    flat = values[1:]
    return PeriodCounts(
        n=values[0], element_counts=[flat[i * 4 : (i + 1) * 4] for i in range(len(ELEMENTS))]
    )
