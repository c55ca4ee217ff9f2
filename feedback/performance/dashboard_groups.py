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


Monthly = dict[str, list[reads.Tally]]  # key -> one tally per month of the span


async def _monthly(unit_ids: Sequence[int], within: Span, dims: Sequence[str]
                   ) -> dict[str, Monthly]:
    """Per dimension and key (summed over the units), the tallies of each month."""
    from feedback.aggregates import groups as aggregates

    out: dict[str, Monthly] = {dim: {} for dim in dims}
    for index, (first, last) in enumerate(within.months):
        read = await aggregates.groups_totals(list(unit_ids), first, last, dims)
        for dim in dims:
            for key, cell in read[dim].items():
                months = out[dim].setdefault(
                    str(key), [reads.Tally.empty() for _ in within.months])
                months[index].add(reads.Tally(int(cell.n), [list(r) for r in
                                                             cell.element_counts]))
    return out


def _sum(months: list[reads.Tally]) -> reads.Tally:
    out = reads.Tally.empty()
    for tally in months:
        out.add(tally)
    return out


def eligible(months: list[reads.Tally], min_group: int) -> bool:
    """At least `min_group` in all, and in every month none or at least `min_group`."""
    return sum(t.n for t in months) >= min_group and all(
        t.n == 0 or t.n >= min_group for t in months)


def _suppress(items: list[tuple[str, str, list[reads.Tally]]], min_group: int,
              with_share: bool = False) -> tuple[Group, ...]:
    totals = {key: _sum(months) for key, _, months in items}
    shown = {key for key, _, months in items if eligible(months, min_group)}
    hidden_with_data = [key for key, _, _ in items if key not in shown and totals[key].n > 0]
    if len(hidden_with_data) == 1 and shown:
        smallest = min((totals[key].n, key) for key in shown)[1]
        shown.discard(smallest)
    answered = sum(t.n for t in totals.values())
    out = []
    for key, label, months in items:
        t = totals[key]
        if key in shown:
            result = official_ikm(t.counts, t.n)
            out.append(Group(key, label, True, t.n, result.ikm, result.grade,
                             t.n / answered if with_share and answered else None, tally=t))
        else:
            reason = ("small" if t.n < min_group
                      else "month" if not eligible(months, min_group) else "complement")
            out.append(Group(key, label, False, None, None, None, reason=reason))
    return tuple(out)


def _empty(within: Span) -> list[reads.Tally]:
    return [reads.Tally.empty() for _ in within.months]


async def counter_groups(unit_id: int, counters: list[dict[str, Any]], within: Span | None,
                         min_group: int) -> tuple[Group, ...]:
    if within is None:
        return ()
    monthly = (await _monthly([unit_id], within, ("counter",)))["counter"]
    items = [(c["code"], c["name"], monthly.get(str(c["id"]), _empty(within)))
             for c in counters]
    return _suppress(items, min_group)


async def service_groups(unit_id: int, within: Span | None, min_group: int,
                         lang: str) -> tuple[Group, ...]:
    if within is None:
        return ()
    services = await Service.select(Service.id, Service.code, Service.name_id,
                                    Service.name_en).where(Service.unit == unit_id).order_by(
        Service.code).run()
    monthly = (await _monthly([unit_id], within, ("service",)))["service"]
    items = [(s["code"], s["name_en"] if lang == "en" else s["name_id"],
              monthly.get(str(s["id"]), _empty(within))) for s in services]
    return _suppress(items, min_group)


async def counter_group(unit_id: int, counter_id: int, within: Span | None,
                        min_group: int) -> reads.Tally | None:
    """A counter's tally over the span when it passes the rules (alone: no complement is
    needed, its unit's other counters are not shown beside it); else None."""
    if within is None:
        return None
    monthly = (await _monthly([unit_id], within, ("counter",)))["counter"]
    months = monthly.get(str(counter_id), _empty(within))
    return _sum(months) if eligible(months, min_group) else None


async def profile(unit_ids: Sequence[int], within: Span | None, min_group: int,
                  choices: dict[str, Sequence[str]] | None = None) -> Profile:
    """The respondent profile: per question, each category's count and share of those who
    answered it, for categories that pass the rules; nothing at all when the span has fewer
    than `min_group` responses."""
    from feedback.survey.skm import PROFILE_FIELDS

    if within is None:
        return Profile(True, {}, {})
    choices = choices or {dim: tuple(PROFILE_FIELDS[dim]) for dim in PROFILE_DIMS}
    read = await _monthly(unit_ids, within, PROFILE_DIMS)
    fields: dict[str, tuple[Group, ...]] = {}
    answered: dict[str, int | None] = {}
    overall = 0
    for dim in PROFILE_DIMS:
        monthly = read[dim]
        overall = max(overall, sum(_sum(m).n for m in monthly.values()))
        items = [(code, code, monthly.get(code, _empty(within))) for code in choices[dim]]
        fields[dim] = _suppress(items, min_group, with_share=True)
        given = sum(_sum(months).n for _, _, months in items)
        answered[dim] = given if given >= min_group else None
    if overall < min_group:
        return Profile(True, {}, {})
    return Profile(False, fields, answered)
