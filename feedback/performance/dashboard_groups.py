"""Breakdowns of the dashboards (counters, services, respondent profile) and an officer's
counter, with minimum group sizes, read from the per-unit, per-day breakdown aggregates
(feedback.aggregates.groups).

The rules, so that no one can single out an officer's ratings from a handful of responses:

* Whole months that have ended. Breakdowns cover only the calendar months that lie wholly
  inside the chosen period and ended before today (WITA), the `Span`. Otherwise two day
  ranges one day apart, or the same page seen on two days, would show the ratings given in
  between, often a single one.
* A group (a counter, a service, a profile category) is shown when it has at least
  `min_group` counted responses in the span and, in each month of the span, either none or
  at least `min_group`. Any difference of two shown figures of nested periods then covers
  at least `min_group` responses too. Otherwise it reads "fewer than `min_group` responses"
  with no figure at all (not even its exact n).
* Complementary suppression: when exactly one group with responses is hidden, the smallest
  shown group is hidden as well; otherwise the hidden group's figures could be worked out
  from the unit's total and the other groups.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from feedback.performance import dashboard_reads as reads
from feedback.performance.periods import Period
from feedback.tables import Service
from scoring.ikm import official_ikm

PROFILE_DIMS = ("gender", "age_band", "education", "occupation")
NONE_KEY = "-"  # the aggregates' key of responses without a counter/service/profile answer


@dataclass(frozen=True)
class Span:
    """The whole, ended calendar months of a period that breakdowns cover."""

    first: date
    last: date
    months: tuple[tuple[date, date], ...]


@dataclass(frozen=True)
class Group:
    key: str  # counter code, service code, or profile code
    label: str  # counter or service name (profile labels come from the app's catalog)
    shown: bool  # passes the rules above
    n: int | None  # None when not shown
    ikm: float | None
    grade: str | None
    share: float | None = None  # profile: share of those who answered the question (0–1)
    # Why it is hidden: "small" (fewer than min_group in all), "month" (a month with 1 to
    # min_group − 1), "complement" (hidden beside the one small group); None when shown.
    reason: str | None = None
    tally: reads.Tally | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Profile:
    suppressed: bool  # fewer than `min_group` counted responses in the span: no profile
    fields: dict[str, tuple[Group, ...]]  # per profile question, its categories in order
    answered: dict[str, int | None]  # per question, how many answered it (None: hidden)


def span(period: Period, today: date) -> Span | None:
    """The months wholly inside `period` that ended before `today`; None when there is
    none."""
    start = period.first if period.first.day == 1 else _next_month(period.first)
    months = []
    while True:
        end = _next_month(start) - timedelta(days=1)
        if end > period.last or end >= today:
            break
        months.append((start, end))
        start = end + timedelta(days=1)
    if not months:
        return None
    return Span(months[0][0], months[-1][1], tuple(months))


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass
class Cell:
    """A group over the span: its total, and its counted responses in each month."""

    total: reads.Tally
    months: list[int]


async def _cells(unit_ids: Sequence[int], within: Span, dims: Sequence[str]
                 ) -> dict[str, dict[str, Cell]]:
    """Per dimension and key, summed over the units: the span's total and the n of each
    month, from the breakdown aggregates' whole-month rows
    (feedback.aggregates.groups.groups_totals: a span is whole months, so its cost is about
    one row per key and month, whatever the number of responses)."""
    from feedback.aggregates import groups as aggregates

    out: dict[str, dict[str, Cell]] = {dim: {} for dim in dims}
    if not unit_ids or not dims:
        return out
    units = list(unit_ids)
    queries = [aggregates.groups_totals(units, within.first, within.last, dims)] + [
        aggregates.groups_totals(units, first, last, dims) for first, last in within.months]
    totals, *months = await asyncio.gather(*queries)
    for dim in dims:
        for key, counts in totals[dim].items():
            out[dim][str(key)] = Cell(
                reads.Tally(counts.n, [list(row) for row in counts.element_counts]),
                [0] * len(within.months))
        for index, month in enumerate(months):
            for key, counts in month[dim].items():
                cell = out[dim].get(str(key))
                if cell is not None:
                    cell.months[index] = counts.n
    return out


def eligible(cell: Cell, min_group: int) -> bool:
    """At least `min_group` in all, and in every month none or at least `min_group`."""
    return cell.total.n >= min_group and all(n == 0 or n >= min_group for n in cell.months)


def _suppress(items: list[tuple[str, str, Cell]], min_group: int,
              with_share: bool = False) -> tuple[Group, ...]:
    shown = {key for key, _, cell in items if eligible(cell, min_group)}
    hidden_with_data = [key for key, _, cell in items if key not in shown and cell.total.n > 0]
    if len(hidden_with_data) == 1 and shown:
        smallest = min((cell.total.n, key) for key, _, cell in items if key in shown)[1]
        shown.discard(smallest)
    answered = sum(cell.total.n for _, _, cell in items)
    out = []
    for key, label, cell in items:
        t = cell.total
        if key in shown:
            result = official_ikm(t.counts, t.n)
            out.append(Group(key, label, True, t.n, result.ikm, result.grade,
                             t.n / answered if with_share and answered else None, tally=t))
        else:
            reason = ("small" if t.n < min_group
                      else "month" if not eligible(cell, min_group) else "complement")
            out.append(Group(key, label, False, None, None, None, reason=reason))
    return tuple(out)


def _empty(within: Span) -> Cell:
    return Cell(reads.Tally.empty(), [0] * len(within.months))


async def counter_groups(unit_id: int, counters: list[dict[str, Any]], within: Span | None,
                         min_group: int) -> tuple[Group, ...]:
    if within is None:
        return ()
    cells = (await _cells([unit_id], within, ("counter",)))["counter"]
    items = [(c["code"], c["name"], cells.get(str(c["id"]), _empty(within)))
             for c in counters]
    return _suppress(items, min_group)


async def service_groups(unit_id: int, within: Span | None, min_group: int,
                         lang: str) -> tuple[Group, ...]:
    if within is None:
        return ()
    services = await Service.select(Service.id, Service.code, Service.name_id,
                                    Service.name_en).where(Service.unit == unit_id).order_by(
        Service.code).run()
    cells = (await _cells([unit_id], within, ("service",)))["service"]
    items = [(s["code"], s["name_en"] if lang == "en" else s["name_id"],
              cells.get(str(s["id"]), _empty(within))) for s in services]
    return _suppress(items, min_group)


async def counter_group(unit_id: int, counter_id: int, within: Span | None,
                        min_group: int) -> reads.Tally | None:
    """A counter's tally over the span when it passes the rules (alone: no complement is
    needed, its unit's other counters are not shown beside it); else None."""
    if within is None:
        return None
    cell = (await _cells([unit_id], within, ("counter",)))["counter"].get(
        str(counter_id), _empty(within))
    return cell.total if eligible(cell, min_group) else None


async def profile(unit_ids: Sequence[int], within: Span | None, min_group: int,
                  choices: dict[str, Sequence[str]] | None = None) -> Profile:
    """The respondent profile: per question, each category's count and share of those who
    answered it, for categories that pass the rules; nothing at all when the span has fewer
    than `min_group` responses."""
    from feedback.survey.skm import PROFILE_FIELDS

    if within is None:
        return Profile(True, {}, {})
    choices = choices or {dim: tuple(PROFILE_FIELDS[dim]) for dim in PROFILE_DIMS}
    read = await _cells(unit_ids, within, PROFILE_DIMS)
    fields: dict[str, tuple[Group, ...]] = {}
    answered: dict[str, int | None] = {}
    overall = 0
    for dim in PROFILE_DIMS:
        cells = read[dim]
        overall = max(overall, sum(cell.total.n for cell in cells.values()))
        items = [(code, code, cells.get(code, _empty(within))) for code in choices[dim]]
        fields[dim] = _suppress(items, min_group, with_share=True)
        given = sum(cell.total.n for _, _, cell in items)
        answered[dim] = given if given >= min_group else None
    if overall < min_group:
        return Profile(True, {}, {})
    return Profile(False, fields, answered)
