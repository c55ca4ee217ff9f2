"""What the other views show of the follow-up plans (RTL): a unit's approved plan beside its
published IKM (`/publik`), the plans of a report's units (BAB V), and whether the elements
a plan targeted improved in the next period of the same length (the unit dashboard and the
report).

Progress of a plan of period Q, seen in the period P that follows it (`Period.previous`
of P is Q: month → month, quarter → quarter, semester → semester, year → year): for each
element an action targeted, the NRR and number of answers then (the baseline frozen on the
plan's approval) and now (the engine's NRR of the unit for P, `ScoreResult`, and the
element's answers counted in the aggregates), the difference and its direction. An NRR
based on fewer than `min_group` answers is not shown (its n is), and then neither are the
difference and the direction. Only approved plans have a baseline, so only they are
followed up.

Plans are read through `feedback.plans.reads` (the plans' read contract); only approved
plans are published or followed up, and a report names a plan in another status by its
status only.

Directions: `up` / `down` when the difference is at least `SAME_WITHIN` either way, else
`same` (the NRRs are shown with three decimals: "same" is a difference that rounds to
0.000).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from feedback.aggregates.groups import unit_counts
from feedback.clock import WITA
from feedback.comments.masking import mask
from feedback.performance.periods import Period
from feedback.plans import reads
from feedback.tables import Agency, Unit
from scoring.ikm import ELEMENTS
from scoring.result import ScoreResult

SAME_WITHIN = 0.0005  # NRR differences smaller than this are "same" (0.000 at 3 decimals)


@dataclass(frozen=True)
class ShownAction:
    element: str  # SKM element code
    what: str
    who: str  # a role or position
    due: date
    expected_effect: str
    status: str  # planned | in_progress | done | dropped
    evidence_note: str | None
    baseline_nrr: float | None  # frozen on approval (None before, or nobody answered)
    baseline_n: int | None


@dataclass(frozen=True)
class ShownPlan:
    unit_id: int
    unit_code: str
    unit_name: str
    agency_name: str
    period: str  # the plan's period key
    status: str  # draft | submitted | approved | returned
    approved_on: date | None  # the WITA day of the approval (approved plans)
    actions: tuple[ShownAction, ...]  # in the regulation's element order, then by due day


@dataclass(frozen=True)
class ElementProgress:
    element: str
    before_n: int | None  # answers to the element in the plan's period (frozen)
    before_nrr: float | None  # None when not known or withheld (before_n < min_group)
    now_n: int  # answers to the element in the period shown
    now_nrr: float | None  # None when nobody answered or withheld (now_n < min_group)
    difference: float | None  # now − before, when both are shown
    direction: str | None  # up | down | same, when both are shown
    actions: tuple[ShownAction, ...]  # the plan's actions for the element

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(a.status for a in self.actions)


@dataclass(frozen=True)
class Progress:
    """An approved plan of the period before, followed up in `period`."""

    plan: ShownPlan
    period: str  # the period the figures "now" are of
    min_group: int
    elements: tuple[ElementProgress, ...]  # the targeted elements, regulation order


def direction(difference: float) -> str:
    if difference >= SAME_WITHIN:
        return "up"
    if difference <= -SAME_WITHIN:
        return "down"
    return "same"


def previous_key(period: Period) -> str | None:
    """The period of the same length before `period` (None for a range of days)."""
    return None if ".." in period.key else period.previous


def _shown_action(a: reads.Action) -> ShownAction:
    return ShownAction(
        element=a.element, what=a.what, who=a.who, due=a.due,
        expected_effect=a.expected_effect, status=a.status,
        evidence_note=a.evidence_note or None, baseline_nrr=a.baseline_nrr,
        baseline_n=a.baseline_n)


async def _shown(items: list[reads.UnitPlan], with_actions: bool = True) -> list[ShownPlan]:
    """Plans as shown, by agency and unit name; actions in the regulation's element order,
    then by due day."""
    if not items:
        return []
    names = {a["id"]: a["name"] for a in await Agency.select(Agency.id, Agency.name).where(
        Agency.id.is_in(sorted({i.agency_id for i in items})))}
    out = []
    for item in items:
        plan = item.plan
        approved = plan.status == "approved" and plan.decided_at is not None
        listed = sorted((_shown_action(a) for a in item.actions) if with_actions else (),
                        key=lambda a: (reads.ELEMENT_ORDER.get(a.element, 99), a.due))
        out.append(ShownPlan(
            unit_id=plan.unit_id, unit_code=item.unit_code, unit_name=item.unit_name,
            agency_name=names.get(item.agency_id, ""), period=plan.period,
            status=plan.status,
            approved_on=plan.decided_at.astimezone(WITA).date()  # type: ignore[union-attr]
            if approved else None,
            actions=tuple(listed)))
    out.sort(key=lambda p: (p.agency_name, p.unit_name, p.unit_code))
    return out


async def approved_plans(unit_codes: Iterable[str], period_key: str) -> dict[str, ShownPlan]:
    """The approved plans of the units (by code) for the period, by unit code."""
    codes = sorted(set(unit_codes))
    if not codes:
        return {}
    ids = [r["id"] for r in await Unit.select(Unit.id).where(Unit.code.is_in(codes))]
    if not ids:
        return {}
    return {p.unit_code: p for p in await _shown(await reads.approved_plans(period_key, ids))}


async def approved_of(unit_ids: Sequence[int] | None, period_key: str) -> list[ShownPlan]:
    """The approved plans of the units (None: all units) for the period."""
    return await _shown(await reads.approved_plans(period_key, unit_ids))


async def report_plans(unit_ids: Sequence[int] | None, period_key: str) -> list[ShownPlan]:
    """Every plan of the units (None: all) for the period: approved ones with their actions,
    the others (draft, submitted, returned) by their status only, without their actions
    (only approved plans are for anyone outside the unit and its approvers)."""
    approved = await _shown(await reads.approved_plans(period_key, unit_ids))
    others = await _shown(await reads.plans_of_units(
        period_key, unit_ids, ("draft", "submitted", "returned")), with_actions=False)
    return sorted([*approved, *others], key=lambda p: (p.agency_name, p.unit_name,
                                                        p.unit_code))


def progress(plan: ShownPlan, period: str, now_nrr: dict[str, float | None],
             now_n: dict[str, int], min_group: int) -> Progress:
    """The plan's targeted elements then and now (pure: `now_nrr` and `now_n` per element
    are the unit's figures in `period`)."""
    elements = []
    for code in ELEMENTS:
        mine = tuple(a for a in plan.actions if a.element == code)
        if not mine:
            continue
        before_n = next((a.baseline_n for a in mine if a.baseline_n is not None), None)
        before = next((a.baseline_nrr for a in mine if a.baseline_nrr is not None), None)
        if before_n is None or before_n < min_group:
            before = None
        n = now_n.get(code, 0)
        now = now_nrr.get(code) if n >= min_group else None
        diff = None if before is None or now is None else now - before
        elements.append(ElementProgress(
            element=code, before_n=before_n, before_nrr=before, now_n=n, now_nrr=now,
            difference=diff, direction=None if diff is None else direction(diff),
            actions=mine))
    return Progress(plan=plan, period=period, min_group=min_group, elements=tuple(elements))


def _engine_nrr(result: ScoreResult | None, unit_code: str) -> dict[str, float | None]:
    score = None if result is None else next(
        (u for u in result.units if u.unit == unit_code), None)
    if score is None:
        return {}
    return {code: e.nrr for code, e in score.elements.items()}


async def progress_of(unit_ids: Sequence[int] | None, period: Period,
                      result: ScoreResult | None, min_group: int, *,
                      mask_texts: bool = False) -> list[Progress]:
    """The approved plans of the period before `period` (same length) of the units (None:
    all), followed up with the units' figures in `period` (`result`: the period's engine
    result, `dashboard_reads.period_result`). Empty for a range of days. `mask_texts`:
    the actions' texts as `masked` gives them."""
    before = previous_key(period)
    if before is None:
        return []
    plans = [masked(p) if mask_texts else p for p in await approved_of(unit_ids, before)]
    if not plans:
        return []
    counts = await unit_counts([p.unit_id for p in plans], period.first, period.last)
    out = []
    for plan in plans:
        got = counts.get(plan.unit_id)
        answered = {} if got is None else {
            code: int(sum(got.element_counts[i])) for i, code in enumerate(ELEMENTS)}
        out.append(progress(plan, period.key, _engine_nrr(result, plan.unit_code), answered,
                            min_group))
    return out


def masked(plan: ShownPlan) -> ShownPlan:
    """The plan as the public sees it: phone numbers, e-mail addresses, NIK and plates in
    its texts masked (`feedback.comments.masking`), in case a note names a citizen."""
    return replace(plan, actions=tuple(replace(
        a, what=mask(a.what), who=mask(a.who), expected_effect=mask(a.expected_effect),
        evidence_note=None if a.evidence_note is None else mask(a.evidence_note))
        for a in plan.actions))
