"""Per-unit, per-day aggregates, kept up to date as responses arrive.

`unit_day_stats` holds n and, per element, how many answered 1..4 (what the official IKM
needs); `unit_day_score` holds the histogram of respondent scores (what shrinkage and the
rank-interval bootstrap need; sums and sums of squares derive from it). Both are
incremented with one upsert each, so submissions from many workers add up exactly;
`retract` takes responses back out (exclusions, superseded imports).

`unit_day_group` holds the same counts broken down per unit-day by counter, service and
respondent profile (`DIMENSIONS`); `deltas` builds them from each row's `group_keys` and
`apply`/`retract` write them with one more upsert, in the same transaction, so every write
path that passes the keys keeps the breakdowns exact. Readers: feedback.aggregates.groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from feedback.sql import fetch, insert_rows
from feedback.tables import UnitDayStats
from scoring.ikm import ELEMENTS, is_counted, min_answered

COUNT_COLUMNS: tuple[str, ...] = tuple(f"{e}_{a}" for e in ELEMENTS for a in range(1, 5))

# Breakdown dimensions of unit_day_group, and the key of responses without a value.
DIMENSIONS: tuple[str, ...] = ("counter", "service", "gender", "age_band", "education",
                               "occupation")
NONE_KEY = "-"
GroupKey = tuple[str, str]  # (dimension, key)


def group_keys(counter_id: int, service_id: int | None, gender: str | None,
               age_band: str | None, education: str | None,
               occupation: str | None) -> tuple[GroupKey, ...]:
    """The breakdown cells one response counts in: its counter and service (by id) and its
    profile codes, `-` for what was not given."""
    return (("counter", str(counter_id)),
            ("service", NONE_KEY if service_id is None else str(service_id)),
            ("gender", gender or NONE_KEY), ("age_band", age_band or NONE_KEY),
            ("education", education or NONE_KEY), ("occupation", occupation or NONE_KEY))


@dataclass
class DayDelta:
    """What a batch of counted responses adds to one unit-day."""

    n: int = 0
    counts: list[int] = field(default_factory=lambda: [0] * len(COUNT_COLUMNS))
    # (answered, total) -> count
    scores: dict[tuple[int, int], int] = field(default_factory=dict)
    # (dimension, key) -> [n, *counts]
    groups: dict[GroupKey, list[int]] = field(default_factory=dict)

    def add(self, answers: Mapping[str, int | None], groups: Iterable[GroupKey] = ()) -> None:
        cells = [i * 4 + a - 1 for i, e in enumerate(ELEMENTS)
                 if (a := answers.get(e)) is not None]
        total = sum(c % 4 + 1 for c in cells)
        self.n += 1
        counts = self.counts
        for c in cells:
            counts[c] += 1
        key = (len(cells), total)
        self.scores[key] = self.scores.get(key, 0) + 1
        for group in groups:
            row = self.groups.get(group)
            if row is None:
                row = self.groups[group] = [0] * (1 + len(COUNT_COLUMNS))
            row[0] += 1
            for c in cells:
                row[c + 1] += 1


Row = (tuple[int, date, Mapping[str, int | None]]
       | tuple[int, date, Mapping[str, int | None], Iterable[GroupKey]])


def deltas(rows: Iterable[Row]) -> dict[tuple[int, date], DayDelta]:
    """Group (unit id, WITA day, answers[, group keys]) rows into per-unit-day deltas;
    uncounted rows (fewer than 7 of 9 answered) are left out, as in the official IKM.
    Every write path passes the group keys (`group_keys(...)`) so that `unit_day_group`
    stays exact; rows without them add to `unit_day_stats` and `unit_day_score` only."""
    out: dict[tuple[int, date], DayDelta] = {}
    for row in rows:
        if is_counted(row[2]):
            delta = out.get(key := (row[0], row[1]))
            if delta is None:
                delta = out[key] = DayDelta()
            delta.add(row[2], row[3] if len(row) > 3 else ())
    return out


def deltas_from_arrays(
    unit: np.ndarray, day: np.ndarray, answers: np.ndarray,
    groups: Mapping[str, np.ndarray] | None = None,
) -> dict[tuple[int, date], DayDelta]:
    """The same deltas as `deltas`, built with numpy for bulk loads (the demo, benchmarks):
    `unit` the unit ids, `day` the WITA days as proleptic ordinals (`date.toordinal()`),
    `answers` an n x 9 array in ELEMENTS order with 0 for not answered, and `groups` the
    key of every row per dimension (strings; `-` for none, as `group_keys` gives)."""
    unit, day = np.asarray(unit, dtype=np.int64), np.asarray(day, dtype=np.int64)
    answers = np.asarray(answers, dtype=np.int64)
    answered = (answers > 0).sum(axis=1)
    keep = answered >= min_answered()
    unit, day, answers, answered = unit[keep], day[keep], answers[keep], answered[keep]
    width = len(COUNT_COLUMNS)
    unit_days, inverse = np.unique(unit * 10_000_000 + day, return_inverse=True)
    size = len(unit_days)
    rows, elements = np.nonzero(answers)
    cells = elements * 4 + answers[rows, elements] - 1
    n = np.bincount(inverse, minlength=size).tolist()
    counts = np.bincount(inverse[rows] * width + cells,
                         minlength=size * width).reshape(size, width).tolist()
    out: dict[tuple[int, date], DayDelta] = {}
    keys: list[tuple[int, date]] = []
    for k, code in enumerate(unit_days.tolist()):
        keys.append(key := (code // 10_000_000, date.fromordinal(code % 10_000_000)))
        out[key] = DayDelta(n=n[k], counts=counts[k])
    # Respondent scores: (answered, total) per unit-day.
    cell_codes, cell_counts = np.unique(inverse * 1024 + answered * 64 + answers.sum(axis=1),
                                        return_counts=True)
    for code, count in zip(cell_codes.tolist(), cell_counts.tolist(), strict=True):
        out[keys[code // 1024]].scores[(code % 1024 // 64, code % 64)] = count
    for dim, values in (groups or {}).items():
        names, key_of = np.unique(np.asarray(values, dtype=str)[keep], return_inverse=True)
        group_codes, group_of = np.unique(inverse * len(names) + key_of, return_inverse=True)
        size = len(group_codes)
        group_n = np.bincount(group_of, minlength=size)
        group_counts = np.bincount(group_of[rows] * width + cells, minlength=size * width
                                   ).reshape(size, width)
        table = np.concatenate([group_n[:, None], group_counts], axis=1).tolist()
        names_list = names.tolist()
        for code, row in zip(group_codes.tolist(), table, strict=True):
            out[keys[code // len(names)]].groups[(dim, names_list[code % len(names)])] = row
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
_GROUP_COLUMNS = (
    ("unit", "integer"), ("day", "date"), ("dim", "varchar"), ("key", "varchar"),
    ("n", "integer"), *((c, "integer") for c in COUNT_COLUMNS),
)
_GROUP_UPSERT = 'ON CONFLICT ("unit", "day", "dim", "key") DO UPDATE SET ' + ", ".join(
    f'"{c}" = "unit_day_group"."{c}" + excluded."{c}"' for c, _ in _GROUP_COLUMNS[4:]
)


async def apply(batch: Mapping[tuple[int, date], DayDelta]) -> None:
    """Add deltas to the stored aggregates with multi-row upserts (call inside the caller's
    transaction). Rows go in key order, so concurrent writers lock them in the same order."""
    stats: list[tuple[Any, ...]] = []
    scores: list[tuple[Any, ...]] = []
    groups: list[tuple[Any, ...]] = []
    for (unit_id, day), d in sorted(batch.items()):
        stats.append((unit_id, day, d.n, *d.counts))
        scores.extend((unit_id, day, a, t, c) for (a, t), c in sorted(d.scores.items()))
        groups.extend((unit_id, day, dim, key, *row)
                      for (dim, key), row in sorted(d.groups.items()))
    await insert_rows("unit_day_stats", _STATS_COLUMNS, stats, _STATS_UPSERT)
    await insert_rows("unit_day_score", _SCORE_COLUMNS, scores, _SCORE_UPSERT)
    if groups:
        await insert_rows("unit_day_group", _GROUP_COLUMNS, groups, _GROUP_UPSERT)


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
                                scores={k: -c for k, c in d.scores.items()},
                                groups={k: [-c for c in row] for k, row in d.groups.items()})
    await apply(negated)
    first, last = min(day for _, day in batch), max(day for _, day in batch)
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
        negative += await fetch(
            f'SELECT "unit", "day" FROM "unit_day_group" WHERE "unit" IN ({marks}) '
            'AND "day" >= ? AND "day" <= ? AND ('
            + " OR ".join(f'"{c}" < 0' for c, _ in _GROUP_COLUMNS[4:]) + ") LIMIT 1",
            *chunk, first, last)
        if negative:
            raise RuntimeError(f"retracting responses that were never added to the "
                               f"aggregates (unit {negative[0]['unit']}, day "
                               f"{negative[0]['day']})")
        await fetch(f'DELETE FROM "unit_day_score" WHERE "unit" IN ({marks}) '
                    'AND "count" = 0', *chunk)
        await fetch(f'DELETE FROM "unit_day_stats" WHERE "unit" IN ({marks}) AND "n" = 0 AND '
                    + " AND ".join(f'"{c}" = 0' for c in COUNT_COLUMNS), *chunk)
        await fetch(f'DELETE FROM "unit_day_group" WHERE "unit" IN ({marks}) AND "day" >= ? '
                    'AND "day" <= ? AND "n" = 0 AND '
                    + " AND ".join(f'"{c}" = 0' for c in COUNT_COLUMNS), *chunk, first, last)


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
