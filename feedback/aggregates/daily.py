"""Per-unit, per-day aggregates, kept up to date as responses arrive.

`unit_day_stats` holds n and, per element, how many answered 1..4 (what the official IKM
needs); `unit_day_score` holds the histogram of respondent scores (what shrinkage and the
rank-interval bootstrap need; sums and sums of squares derive from it). Both are
incremented with one upsert each, so submissions from many workers add up exactly;
`retract` takes responses back out (exclusions, superseded imports).

`unit_day_group` holds the same counts broken down per unit-day by counter, service and
respondent profile (`DIMENSIONS`), and `unit_month_group` the same per calendar month;
`deltas` builds them from each row's `group_keys` and `apply`/`retract` write them with one
more upsert each, in the same transaction, so every write path that passes the keys keeps
the breakdowns exact. Readers: feedback.aggregates.groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from feedback import sql
from feedback.engine import is_sqlite
from feedback.sql import arrays, fetch, insert_rows, unnest
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
    out = _stats_from_arrays(np.asarray(unit, dtype=np.int64), np.asarray(day, dtype=np.int64),
                             np.asarray(answers, dtype=np.int64))
    if groups:
        g = group_arrays(unit, day, answers, groups)
        for unit_id, ordinal, dim, key, row in zip(g.unit.tolist(), g.day.tolist(),
                                                   g.dim.tolist(), g.key.tolist(),
                                                   g.counts.tolist(), strict=True):
            out[(unit_id, date.fromordinal(ordinal))].groups[(dim, key)] = row
    return out


def _stats_from_arrays(unit: np.ndarray, day: np.ndarray, answers: np.ndarray
                       ) -> dict[tuple[int, date], DayDelta]:
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
    return out


@dataclass(frozen=True)
class GroupArrays:
    """Breakdown deltas as arrays, one row per (unit, WITA day, dimension, key), for bulk
    loads: `counts` holds n and then the COUNT_COLUMNS of each row."""

    unit: np.ndarray  # unit ids
    day: np.ndarray  # proleptic ordinals of the WITA days
    dim: np.ndarray  # dimension names
    key: np.ndarray  # keys
    counts: np.ndarray  # rows x (1 + 36)


def group_arrays(unit: np.ndarray, day: np.ndarray, answers: np.ndarray,
                 groups: Mapping[str, np.ndarray]) -> GroupArrays:
    """The breakdown deltas of `deltas_from_arrays` (same arguments) as `GroupArrays`, to
    be written with `apply_groups` without building a Python object per cell."""
    unit, day = np.asarray(unit, dtype=np.int64), np.asarray(day, dtype=np.int64)
    answers = np.asarray(answers, dtype=np.int64)
    keep = (answers > 0).sum(axis=1) >= min_answered()
    unit, day, answers = unit[keep], day[keep], answers[keep]
    width = len(COUNT_COLUMNS)
    unit_days, inverse = np.unique(unit * 10_000_000 + day, return_inverse=True)
    rows, elements = np.nonzero(answers)
    cells = elements * 4 + answers[rows, elements] - 1
    parts = []
    for dim, values in groups.items():
        names, key_of = np.unique(np.asarray(values, dtype=str)[keep], return_inverse=True)
        codes, group_of = np.unique(inverse * len(names) + key_of, return_inverse=True)
        size = len(codes)
        counts = np.concatenate([
            np.bincount(group_of, minlength=size)[:, None],
            np.bincount(group_of[rows] * width + cells, minlength=size * width
                        ).reshape(size, width)], axis=1)
        cell_days = unit_days[codes // len(names)]
        parts.append((cell_days // 10_000_000, cell_days % 10_000_000,
                      np.full(size, dim), names[codes % len(names)], counts))
    if not parts:
        return GroupArrays(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, str),
                           np.zeros(0, str), np.zeros((0, 1 + width), np.int64))
    return GroupArrays(*(np.concatenate([p[i] for p in parts]) for i in range(5)))


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
_MONTH_COLUMNS = (("unit", "integer"), ("month", "date"), *_GROUP_COLUMNS[2:])
_MONTH_UPSERT = 'ON CONFLICT ("unit", "month", "dim", "key") DO UPDATE SET ' + ", ".join(
    f'"{c}" = "unit_month_group"."{c}" + excluded."{c}"' for c, _ in _GROUP_COLUMNS[4:]
)


def _months(batch: Mapping[tuple[int, date], DayDelta]
            ) -> dict[tuple[int, date, str, str], list[int]]:
    """The group deltas summed per unit and calendar month (`unit_month_group`)."""
    out: dict[tuple[int, date, str, str], list[int]] = {}
    for (unit_id, day), d in batch.items():
        month = day.replace(day=1)
        for (dim, key), row in d.groups.items():
            cell = (unit_id, month, dim, key)
            total = out.get(cell)
            out[cell] = (list(row) if total is None
                         else [a + b for a, b in zip(total, row, strict=True)])
    return out


async def apply(batch: Mapping[tuple[int, date], DayDelta]) -> None:
    """Add deltas to the stored aggregates with multi-row upserts (call inside the caller's
    transaction; on PostgreSQL one statement for the four tables), the tables
    always in the same order. Rows go in key order, so concurrent writers lock them in the
    same order."""
    stats: list[tuple[Any, ...]] = []
    scores: list[tuple[Any, ...]] = []
    groups: list[tuple[Any, ...]] = []
    for (unit_id, day), d in sorted(batch.items()):
        stats.append((unit_id, day, d.n, *d.counts))
        scores.extend((unit_id, day, a, t, c) for (a, t), c in sorted(d.scores.items()))
        groups.extend((unit_id, day, dim, key, *row) for (dim, key), row in d.groups.items())
    if groups:
        # In the order of their unique indexes, (unit, dim, day or month, key).
        groups.sort(key=_index_order)
    if not is_sqlite() and len(stats) <= _PG_APPLY_ROWS and len(groups) <= _PG_APPLY_ROWS:
        # One statement; the months are the day rows summed in the database.
        await sql.fetch(_PG_APPLY, *arrays(_GROUP_COLUMNS, groups),  # in the statement's order
                    *arrays(_STATS_COLUMNS, stats), *arrays(_SCORE_COLUMNS, scores))
        return
    await insert_rows("unit_day_stats", _STATS_COLUMNS, stats, _STATS_UPSERT)
    await insert_rows("unit_day_score", _SCORE_COLUMNS, scores, _SCORE_UPSERT)
    if groups:
        await insert_rows("unit_day_group", _GROUP_COLUMNS, groups, _GROUP_UPSERT)
        await insert_rows("unit_month_group", _MONTH_COLUMNS,
                          sorted(((*cell, *row) for cell, row in _months(batch).items()),
                                 key=_index_order), _MONTH_UPSERT)


def _pg_apply() -> str:
    """`apply` on PostgreSQL as ONE statement (a round trip per table less): each upsert a
    data-modifying WITH query (run in this order, always to completion), the month rows the
    day rows' sums per calendar month, in the month index's order."""
    def names(columns: tuple[tuple[str, str], ...]) -> str:
        return ", ".join(f'"{name}"' for name, _ in columns)

    counts = [name for name, _ in _GROUP_COLUMNS[4:]]
    return (
        f'WITH "g" AS (SELECT * FROM {unnest(_GROUP_COLUMNS)} AS g({names(_GROUP_COLUMNS)})), '
        f'"s" AS (INSERT INTO "unit_day_stats" ({names(_STATS_COLUMNS)}) '
        f"SELECT * FROM {unnest(_STATS_COLUMNS)} {_STATS_UPSERT}), "
        f'"c" AS (INSERT INTO "unit_day_score" ({names(_SCORE_COLUMNS)}) '
        f"SELECT * FROM {unnest(_SCORE_COLUMNS)} {_SCORE_UPSERT}), "
        f'"d" AS (INSERT INTO "unit_day_group" ({names(_GROUP_COLUMNS)}) '
        f'SELECT * FROM "g" {_GROUP_UPSERT}), '
        f'"m" AS (INSERT INTO "unit_month_group" ({names(_MONTH_COLUMNS)}) '
        'SELECT "unit", date_trunc(\'month\', "day"::timestamp)::date AS "month", "dim", "key", '
        + ", ".join(f'sum("{c}")::integer' for c in counts)
        + ' FROM "g" GROUP BY "unit", "month", "dim", "key" '
        f'ORDER BY "unit", "dim", "month", "key" {_MONTH_UPSERT}) '
        "SELECT 1"
    )


_PG_APPLY = _pg_apply()
_PG_APPLY_ROWS = 5000


def _index_order(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return row[0], row[2], row[1], row[3]


async def apply_groups(arrays: GroupArrays) -> None:
    """Add `GroupArrays` to `unit_day_group` and `unit_month_group` with the upserts of
    `apply` (call inside the caller's transaction; rows in the same order as `apply`)."""
    if not len(arrays.unit):
        return
    # Days as dates, months as their first days; dimension and key as one code.
    days, day_of = np.unique(arrays.day, return_inverse=True)
    day_dates = [date.fromordinal(d) for d in days.tolist()]
    month_dates = [d.replace(day=1) for d in day_dates]
    months, month_of_day = np.unique([d.toordinal() for d in month_dates],
                                     return_inverse=True)
    labels, label_of = np.unique(np.char.add(np.char.add(arrays.dim, "\x01"), arrays.key),
                                 return_inverse=True)
    dims_keys = [tuple(label.split("\x01")) for label in labels.tolist()]  # (dim, key) order
    ordered = np.lexsort((label_of, day_of, _dim_rank(arrays.dim), arrays.unit))
    for start in range(0, len(ordered), _BULK_ROWS):  # bounded memory for a million rows
        order = ordered[start:start + _BULK_ROWS]
        rows = list(zip(arrays.unit[order].tolist(),
                        [day_dates[i] for i in day_of[order].tolist()],
                        arrays.dim[order].tolist(), arrays.key[order].tolist(),
                        *arrays.counts[order].T.tolist(), strict=True))
        await insert_rows("unit_day_group", _GROUP_COLUMNS, rows, _GROUP_UPSERT)
        del rows
    # Months: sum the rows of each (unit, dim, month, key), in that order.
    month_of = month_of_day[day_of]
    composite = (arrays.unit * len(months) + month_of) * len(labels) + label_of
    cells, cell_of = np.unique(composite, return_inverse=True)
    by_cell = np.argsort(cell_of, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(cell_of[by_cell]) != 0])
    sums = np.add.reduceat(arrays.counts[by_cell], starts, axis=0)
    cell_unit = (cells // len(labels)) // len(months)
    cell_month = (cells // len(labels)) % len(months)
    cell_label = cells % len(labels)
    cell_dim = np.array([dims_keys[i][0] for i in cell_label.tolist()], dtype=str)
    order = np.lexsort((cell_label, cell_month, _dim_rank(cell_dim), cell_unit))
    month_firsts = [date.fromordinal(m) for m in months.tolist()]
    rows = list(zip(cell_unit[order].tolist(),
                    [month_firsts[i] for i in cell_month[order].tolist()],
                    [dims_keys[i][0] for i in cell_label[order].tolist()],
                    [dims_keys[i][1] for i in cell_label[order].tolist()],
                    *sums[order].T.tolist(), strict=True))
    await insert_rows("unit_month_group", _MONTH_COLUMNS, rows, _MONTH_UPSERT)


_BULK_ROWS = 20_000


def _dim_rank(dims: np.ndarray) -> np.ndarray:
    """Dimension names as their rank in sorted order (for lexsort)."""
    return np.unique(dims, return_inverse=True)[1]


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
    first_month = first.replace(day=1)
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
        negative += await fetch(
            f'SELECT "unit", "month" AS "day" FROM "unit_month_group" WHERE "unit" IN ({marks}) '
            'AND "month" >= ? AND "month" <= ? AND ('
            + " OR ".join(f'"{c}" < 0' for c, _ in _GROUP_COLUMNS[4:]) + ") LIMIT 1",
            *chunk, first_month, last)
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
        await fetch(f'DELETE FROM "unit_month_group" WHERE "unit" IN ({marks}) '
                    'AND "month" >= ? AND "month" <= ? AND "n" = 0 AND '
                    + " AND ".join(f'"{c}" = 0' for c in COUNT_COLUMNS),
                    *chunk, first_month, last)


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
