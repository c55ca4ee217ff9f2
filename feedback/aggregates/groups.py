"""Readers of the aggregates for dashboards: their cost grows with the units, days and keys
a page covers, never with the number of stored responses (nothing here reads `response`).

* `group_counts(unit_ids, first, last, dim)`: per (unit id, key), the counted responses and
  element answer counts over WITA days `first`..`last` (inclusive) for one breakdown
  dimension of `unit_day_group`: `counter` (key: the counter's id as text), `service` (the
  service's id as text), `gender`, `age_band`, `education`, `occupation` (the profile
  code); `-` (`NONE_KEY`) is the key of responses without a service or profile answer.
  `groups_counts(unit_ids, first, last, dims)` reads several dimensions in one query;
  `groups_totals(unit_ids, first, last, dims)` the same summed over the units (per dim,
  per key: what an agency's breakdown needs, one row per key however many units).
  The period's whole calendar months are read from `unit_month_group` and only the days of
  its partial first and last months from `unit_day_group`, so a year costs about twelve
  rows per unit and key plus at most two months of days, however many responses there are.
* `unit_month_counts(unit_ids, first, last)`: per (unit id, first day of the month), the
  counted responses and element answer counts of `unit_day_stats` (days clipped to
  `first`..`last`): the monthly trend (IKM with n).
* `unit_counts(unit_ids, first, last)`: per unit id, the same summed over the period.

Counts are `GroupCounts`: `n` and `element_counts`, 9 rows (ELEMENTS order) of how many
answered 1, 2, 3, 4 — what `scoring.ikm.official_ikm(element_counts, n)` takes. Keys and
units without counted responses in the period are absent. The aggregates are maintained by
feedback.aggregates.daily on every write path (the submit batch, `suara import` and its
superseding, the demo); a new write path (exclusions by staff) must pass each response's
`group_keys` to `deltas` before `apply`/`retract`, as those do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from feedback.aggregates.daily import COUNT_COLUMNS, DIMENSIONS, NONE_KEY
from feedback.engine import is_sqlite
from feedback.tables import UnitDayGroup, UnitDayStats
from scoring.ikm import ELEMENTS

__all__ = ["DIMENSIONS", "NONE_KEY", "GroupCounts", "group_counts", "groups_counts",
           "groups_totals", "split_months", "unit_counts", "unit_month_counts"]

ElementCounts = tuple[tuple[int, int, int, int], ...]


@dataclass(frozen=True)
class GroupCounts:
    n: int  # counted responses
    element_counts: ElementCounts  # per element (ELEMENTS order), answers 1..4


_SUMS = ", ".join(f'SUM("{c}") AS "{c}"' for c in ("n", *COUNT_COLUMNS))
_COLUMNS = ", ".join(f'"{c}"' for c in ("n", *COUNT_COLUMNS))


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def split_months(first: date, last: date
                 ) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """[first, last] as its whole calendar months (the first days of the first and last
    whole month, or None) and the day ranges outside them (at most two)."""
    start = first if first.day == 1 else _month_after(first)
    after = _month_after(last)
    end = last.replace(day=1) if after - timedelta(days=1) == last else None
    if end is None:  # the last month is partial: the whole months end a month earlier
        end = (last.replace(day=1) - timedelta(days=1)).replace(day=1)
    if start > end:
        return None, [(first, last)]
    ranges = []
    if first < start:
        ranges.append((first, start - timedelta(days=1)))
    if _month_after(end) <= last:
        ranges.append((_month_after(end), last))
    return (start, end), ranges


def _equal_or_in(values: Sequence[object]) -> str:
    return "= {}" if len(values) == 1 else f"IN ({_marks(values)})"


def _counts(row: dict) -> GroupCounts:
    flat = [int(row[c]) for c in COUNT_COLUMNS]
    return GroupCounts(int(row["n"]), tuple(
        tuple(flat[i:i + 4]) for i in range(0, 4 * len(ELEMENTS), 4)))  # type: ignore[misc]


def _units(unit_ids: Iterable[int]) -> list[int]:
    return sorted({int(u) for u in unit_ids})


def _marks(values: Sequence[object]) -> str:
    return ", ".join("{}" for _ in values)


async def groups_counts(unit_ids: Iterable[int], first: date, last: date,
                        dims: Sequence[str] = DIMENSIONS
                        ) -> dict[str, dict[tuple[int, str], GroupCounts]]:
    """Per dimension, per (unit id, key): the counts over WITA days first..last."""
    out: dict[str, dict[tuple[int, str], GroupCounts]] = {}
    for dim, rows in (await _read(unit_ids, first, last, dims, per_unit=True)).items():
        out[dim] = {(int(row["unit"]), row["key"]): _counts(row) for row in rows}
    return out


async def groups_totals(unit_ids: Iterable[int], first: date, last: date,
                        dims: Sequence[str] = DIMENSIONS
                        ) -> dict[str, dict[str, GroupCounts]]:
    """Per dimension, per key: the counts over WITA days first..last summed over the
    units (summed by the database: one row per key, however many units)."""
    out: dict[str, dict[str, GroupCounts]] = {}
    for dim, rows in (await _read(unit_ids, first, last, dims, per_unit=False)).items():
        out[dim] = {row["key"]: _counts(row) for row in rows}
    return out


async def _read(unit_ids: Iterable[int], first: date, last: date, dims: Sequence[str], *,
                per_unit: bool) -> dict[str, list[dict]]:
    for dim in dims:
        if dim not in DIMENSIONS:
            raise ValueError(f"unknown breakdown dimension {dim!r}; one of {DIMENSIONS}")
    units, dims = _units(unit_ids), list(dict.fromkeys(dims))
    out: dict[str, list[dict]] = {dim: [] for dim in dims}
    if not units or not dims or first > last:
        return out
    months, day_ranges = split_months(first, last)
    where = f'"unit" IN ({_marks(units)}) AND "dim" {_equal_or_in(dims)}'
    parts, args = [], []
    if months is not None:
        parts.append(f'SELECT "unit", "dim", "key", {_COLUMNS} FROM "unit_month_group" '
                     f'WHERE {where} AND "month" >= {{}} AND "month" <= {{}}')
        args += [*units, *dims, *months]
    for day_range in day_ranges:
        parts.append(f'SELECT "unit", "dim", "key", {_COLUMNS} FROM "unit_day_group" '
                     f'WHERE {where} AND "day" >= {{}} AND "day" <= {{}}')
        args += [*units, *dims, *day_range]
    by = '"unit", "dim", "key"' if per_unit else '"dim", "key"'
    rows = await UnitDayGroup.raw(
        f'SELECT {by}, {_SUMS} FROM ({" UNION ALL ".join(parts)}) AS "t" GROUP BY {by}',
        *args).run()
    for row in rows:
        if row["n"]:
            out[row["dim"]].append(row)
    return out


async def group_counts(unit_ids: Sequence[int], first: date, last: date,
                       dim: str) -> dict[tuple[int, str], GroupCounts]:
    """Per (unit id, key) of one breakdown dimension: the counts over WITA days
    first..last."""
    return (await groups_counts(unit_ids, first, last, (dim,)))[dim]


def _month_sql() -> str:
    if is_sqlite():  # days are stored as ISO text
        return 'substr("day", 1, 7)'
    return 'to_char("day", \'YYYY-MM\')'


async def unit_month_counts(unit_ids: Iterable[int], first: date, last: date
                            ) -> dict[tuple[int, date], GroupCounts]:
    """Per (unit id, first day of the month): the counts of the unit's days in the month
    that fall within first..last (WITA days)."""
    units = _units(unit_ids)
    if not units or first > last:
        return {}
    month = _month_sql()
    rows = await UnitDayStats.raw(
        f'SELECT "unit", {month} AS "month", {_SUMS} FROM "unit_day_stats" '
        f'WHERE "unit" IN ({_marks(units)}) AND "day" >= {{}} AND "day" <= {{}} '
        f'GROUP BY "unit", {month}', *units, first, last).run()
    return {(int(r["unit"]), date.fromisoformat(f"{r['month']}-01")): _counts(r)
            for r in rows if r["n"]}


async def unit_counts(unit_ids: Iterable[int], first: date, last: date
                      ) -> dict[int, GroupCounts]:
    """Per unit id: the counts over WITA days first..last."""
    units = _units(unit_ids)
    if not units or first > last:
        return {}
    rows = await UnitDayStats.raw(
        f'SELECT "unit", {_SUMS} FROM "unit_day_stats" WHERE "unit" IN ({_marks(units)}) '
        'AND "day" >= {} AND "day" <= {} GROUP BY "unit"', *units, first, last).run()
    return {int(r["unit"]): _counts(r) for r in rows if r["n"]}
