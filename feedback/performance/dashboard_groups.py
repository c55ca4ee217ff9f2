"""Breakdowns of the dashboards (counters, services, respondent profile) with minimum group
sizes, read from the per-unit, per-day breakdown aggregates (feedback.aggregates.groups).

Suppression rule: a group with fewer than `min_group` counted responses is shown as "fewer
than `min_group` responses" with no figure at all (not even its exact n). When exactly one
group with responses is suppressed, the smallest shown group is suppressed as well
(complementary suppression): otherwise the hidden group's figures could be worked out from
the total and the other groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from feedback.performance import dashboard_reads as reads
from feedback.performance.periods import Period
from feedback.tables import Service
from scoring.ikm import official_ikm

PROFILE_DIMS = ("gender", "age_band", "education", "occupation")
NONE_KEY = "-"  # the aggregates' key of responses without a counter/service/profile answer


@dataclass(frozen=True)
class Group:
    key: str  # counter code, service code, or profile code
    label: str  # counter or service name (profile labels come from the app's catalog)
    shown: bool  # at least `min_group` counted responses (and not suppressed as complement)
    n: int | None  # None when not shown
    ikm: float | None
    grade: str | None
    share: float | None = None  # profile: share of those who answered the question (0–1)


@dataclass(frozen=True)
class Profile:
    suppressed: bool  # fewer than `min_group` counted responses in all: no profile at all
    fields: dict[str, tuple[Group, ...]]  # per profile question, its categories in order
    answered: dict[str, int | None]  # per question, how many answered it (None: hidden)


async def _tallies(unit_ids: Sequence[int], period: Period, dim: str) -> dict[str, reads.Tally]:
    """Per key (summed over the units), the counted responses and element answer counts."""
    from feedback.aggregates import groups as aggregates

    return _summed(await aggregates.group_counts(list(unit_ids), period.first, period.last,
                                                 dim))


def _summed(rows: dict[tuple[int, str], Any]) -> dict[str, reads.Tally]:
    out: dict[str, reads.Tally] = {}
    for (_unit, key), cell in rows.items():
        tally = out.setdefault(str(key), reads.Tally.empty())
        tally.add(reads.Tally(int(cell.n), [list(r) for r in cell.element_counts]))
    return out


def _suppress(items: list[tuple[str, str, reads.Tally]], min_group: int,
              with_share: bool = False) -> tuple[Group, ...]:
    shown = {key for key, _, t in items if t.n >= min_group}
    hidden_with_data = [key for key, _, t in items if 0 < t.n < min_group]
    if len(hidden_with_data) == 1 and shown:
        smallest = min((t.n, key) for key, _, t in items if key in shown)[1]
        shown.discard(smallest)
    answered = sum(t.n for _, _, t in items)
    out = []
    for key, label, t in items:
        if key in shown:
            result = official_ikm(t.counts, t.n)
            out.append(Group(key, label, True, t.n, result.ikm, result.grade,
                             t.n / answered if with_share and answered else None))
        else:
            out.append(Group(key, label, False, None, None, None))
    return tuple(out)


async def counter_groups(unit_id: int, counters: list[dict[str, Any]], period: Period,
                         min_group: int) -> tuple[Group, ...]:
    tallies = await _tallies([unit_id], period, "counter")
    items = [(c["code"], c["name"], tallies.get(str(c["id"]), reads.Tally.empty()))
             for c in counters]
    return _suppress(items, min_group)


async def service_groups(unit_id: int, period: Period, min_group: int,
                         lang: str) -> tuple[Group, ...]:
    services = await Service.select(Service.id, Service.code, Service.name_id,
                                    Service.name_en).where(Service.unit == unit_id).order_by(
        Service.code).run()
    tallies = await _tallies([unit_id], period, "service")
    items = [(s["code"], s["name_en"] if lang == "en" else s["name_id"],
              tallies.get(str(s["id"]), reads.Tally.empty())) for s in services]
    return _suppress(items, min_group)


async def counter_tally(unit_id: int, counter_id: int, period: Period) -> reads.Tally:
    tallies = await _tallies([unit_id], period, "counter")
    return tallies.get(str(counter_id), reads.Tally.empty())


async def profile(unit_ids: Sequence[int], period: Period, min_group: int,
                  choices: dict[str, Sequence[str]] | None = None) -> Profile:
    """The respondent profile: per question, each category's count and share of those who
    answered it, for categories with at least `min_group` responses; nothing at all when the
    responses in all number fewer than `min_group`."""
    from feedback.survey.skm import PROFILE_FIELDS

    choices = choices or {dim: tuple(PROFILE_FIELDS[dim]) for dim in PROFILE_DIMS}
    fields: dict[str, tuple[Group, ...]] = {}
    answered: dict[str, int | None] = {}
    overall = 0
    from feedback.aggregates import groups as aggregates

    read = await aggregates.groups_counts(list(unit_ids), period.first, period.last,
                                          PROFILE_DIMS)
    for dim in PROFILE_DIMS:
        tallies = _summed(read[dim])
        overall = max(overall, sum(t.n for t in tallies.values()))
        items = [(code, code, tallies.get(code, reads.Tally.empty())) for code in choices[dim]]
        fields[dim] = _suppress(items, min_group, with_share=True)
        given = sum(t.n for _, _, t in items)
        answered[dim] = given if given >= min_group else None
    if overall < min_group:
        return Profile(True, {}, {})
    return Profile(False, fields, answered)
