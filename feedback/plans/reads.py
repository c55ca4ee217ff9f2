"""What other views read of the follow-up plans (RTL): the public pages, the next period's
unit view and the SKM report's BAB V. This module is the stable contract for them.

What a reader can rely on:

* A plan belongs to one unit (`Plan.unit_id`, the `unit` table's id) and one key period
  (`Plan.period`: "2026", "2026-S1", "2026-Q2" or "2026-03", as
  `feedback.performance.periods.parse` reads it; never a range of days). At most one plan
  per unit and period (a unique index).
* `Plan.status` is one of `draft`, `submitted`, `approved`, `returned`. Only `approved`
  plans are meant for anyone outside the unit and its approvers: publish and report only
  what `approved_plan` / `approved_plans` return. Approval is final: an approved plan never
  goes back to another status and its actions are never deleted.
* An action (`Action`) targets one SKM element (`Action.element`, a code of
  `scoring.ikm.ELEMENTS`); several actions may target the same element. Its status is
  `planned`, `in_progress`, `done` or `dropped` (dropped ones carry the reason in
  `evidence_note`); only actions of approved plans change status. `who` is a role or
  position (e.g. "Kepala Tata Usaha"), safe to publish; `what`, `expected_effect` and
  `evidence_note` are free text written by staff for publication (not masked here).
* `Action.baseline_nrr` / `baseline_n` are the element's NRR and n in the plan's period,
  frozen when the plan was approved (both None before approval; the NRR is None when
  nobody answered the element). To show whether an element improved, compare them with
  the same element's figures in a later period:
  `feedback.plans.proposal.element_figures(unit_id, later_period)` gives NRR and n computed
  exactly as the baseline was (and as the engine's `elements[code].nrr`). The period after
  a plan's is yours to choose; `Period.previous` of `feedback.performance.periods` gives the
  period before one of the same kind (`approved_plan(unit_id, period.previous)` is the plan
  of the period before the one viewed).
* Times are aware UTC datetimes (show them in WITA with `feedback.clock`); `Action.due` is a
  WITA calendar day.
* Actions come in the order they were written (by id). `ELEMENT_ORDER` orders by the
  regulation's element order when a view wants that.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from feedback.plans.tables import FollowUpPlan, PlanAction
from feedback.tables import Unit
from scoring.ikm import ELEMENTS

ELEMENT_ORDER = {code: i for i, code in enumerate(ELEMENTS)}


@dataclass(frozen=True)
class Plan:
    id: int
    unit_id: int
    period: str
    status: str  # draft | submitted | approved | returned
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    submitted_at: datetime | None
    submitted_by: str | None
    decided_at: datetime | None  # the latest approval or return
    decided_by: str | None
    decision_note: str | None


@dataclass(frozen=True)
class Action:
    id: int
    plan_id: int
    element: str
    what: str
    who: str
    due: date
    expected_effect: str
    status: str  # planned | in_progress | done | dropped
    evidence_note: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    baseline_nrr: float | None  # frozen on approval
    baseline_n: int | None


@dataclass(frozen=True)
class UnitPlan:
    """An approved plan with its unit and actions (for lists across units)."""

    plan: Plan
    unit_code: str
    unit_name: str
    agency_id: int
    actions: tuple[Action, ...]


def _utc(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite in raw reads
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _day(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def plan_of(row: dict[str, Any]) -> Plan:
    return Plan(
        id=row["id"], unit_id=row["unit_id"], period=row["period"], status=row["status"],
        created_at=_utc(row["created_at"]), created_by=row["created_by"],
        updated_at=_utc(row["updated_at"]), updated_by=row["updated_by"],
        submitted_at=_utc(row["submitted_at"]), submitted_by=row["submitted_by"],
        decided_at=_utc(row["decided_at"]), decided_by=row["decided_by"],
        decision_note=row["decision_note"])


def action_of(row: dict[str, Any]) -> Action:
    return Action(
        id=row["id"], plan_id=row["plan_id"], element=row["element"], what=row["what"],
        who=row["who"], due=_day(row["due"]), expected_effect=row["expected_effect"],
        status=row["status"], evidence_note=row["evidence_note"],
        created_at=_utc(row["created_at"]), created_by=row["created_by"],
        updated_at=_utc(row["updated_at"]), updated_by=row["updated_by"],
        baseline_nrr=row["baseline_nrr"], baseline_n=row["baseline_n"])


async def plan_by_id(plan_id: int) -> Plan | None:
    row = await FollowUpPlan.select().where(FollowUpPlan.id == plan_id).first()
    return None if row is None else plan_of(row)


async def plan_for(unit_id: int, period: str) -> Plan | None:
    """The unit's plan of the period in whatever status, or None."""
    row = await FollowUpPlan.select().where(
        (FollowUpPlan.unit_id == unit_id) & (FollowUpPlan.period == period)).first()
    return None if row is None else plan_of(row)


async def approved_plan(unit_id: int, period: str) -> Plan | None:
    """The unit's plan of the period when it is approved, else None."""
    plan = await plan_for(unit_id, period)
    return plan if plan is not None and plan.status == "approved" else None


async def actions(plan_id: int) -> list[Action]:
    """The plan's actions in the order they were written."""
    rows = await PlanAction.select().where(PlanAction.plan_id == plan_id).order_by(PlanAction.id)
    return [action_of(r) for r in rows]


async def approved_plans(period: str, unit_ids: Collection[int] | None = None
                         ) -> list[UnitPlan]:
    """Every approved plan of the period (of `unit_ids` when given, e.g. an agency's units),
    with its unit and actions, in unit code order."""
    return await _plans_of(period, unit_ids, ("approved",))


async def plans_of_units(period: str | None, unit_ids: Collection[int] | None,
                         statuses: Collection[str]) -> list[UnitPlan]:
    """Plans of the period (None: every period) in the given statuses, of `unit_ids`
    (None: every unit)."""
    return await _plans_of(period, unit_ids, tuple(statuses))


async def _plans_of(period: str | None, unit_ids: Collection[int] | None,
                    statuses: tuple[str, ...]) -> list[UnitPlan]:
    if unit_ids is not None and not unit_ids:
        return []
    query = FollowUpPlan.select().where(FollowUpPlan.status.is_in(list(statuses)))
    if period is not None:
        query = query.where(FollowUpPlan.period == period)
    if unit_ids is not None:
        query = query.where(FollowUpPlan.unit_id.is_in(sorted(set(unit_ids))))
    plans = [plan_of(r) for r in await query]
    if not plans:
        return []
    units = {u["id"]: u for u in await Unit.select(Unit.id, Unit.code, Unit.name, Unit.agency)
             .where(Unit.id.is_in([p.unit_id for p in plans]))}
    rows = await PlanAction.select().where(
        PlanAction.plan_id.is_in([p.id for p in plans])).order_by(PlanAction.id)
    by_plan: dict[int, list[Action]] = {}
    for row in rows:
        by_plan.setdefault(row["plan_id"], []).append(action_of(row))
    out = [UnitPlan(p, units[p.unit_id]["code"], units[p.unit_id]["name"],
                    units[p.unit_id]["agency"], tuple(by_plan.get(p.id, ())))
           for p in plans if p.unit_id in units]
    out.sort(key=lambda u: (u.unit_code, u.plan.period))
    return out


async def waiting_plans(unit_ids: Collection[int] | None) -> list[UnitPlan]:
    """Plans of any period that wait for a decision (submitted), of `unit_ids` (None: all)."""
    return await _plans_of(None, unit_ids, ("submitted",))
