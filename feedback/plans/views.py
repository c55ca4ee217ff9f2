"""What the staff plan pages read: a unit's proposal, plan and actions for a period
(`/staf/unit/{unit}/rtl`), and an agency's plans (`/staf/dinas/{agency}/rtl`), limited to
the user's scope (`feedback.plans.work.access`: another scope's unit or agency is NotFound).
"""

from __future__ import annotations

from dataclasses import dataclass

from feedback.accounts.scope import Scope
from feedback.performance.periods import Period, parse
from feedback.plans import reads
from feedback.plans.errors import NotAllowed, NotFound
from feedback.plans.proposal import propose
from feedback.plans.tables import EDITABLE, PLAN_STATUSES
from feedback.plans.work import DECIDERS, Access, access
from feedback.tables import Agency, Unit
from scoring.weakest import ElementFigure, Selection

MAX_LISTED = 300  # plans listed on the agency page (newest periods first)


@dataclass(frozen=True)
class UnitPlanView:
    unit: Access
    period: Period
    min_group: int
    n: int  # counted responses of the unit in the period
    selection: Selection
    figures: dict[str, ElementFigure]  # every element, regulation order
    plan: reads.Plan | None
    actions: tuple[reads.Action, ...]
    can_create: bool
    can_edit: bool  # add, change, remove actions; submit
    can_decide: bool
    can_update: bool  # action statuses after approval


async def unit_view(scope: Scope, unit_code: str, period: Period, *, min_group: int
                    ) -> UnitPlanView:
    unit = await access(scope, unit_code)
    n, selection, figures = await propose(unit.unit_id, period, min_group=min_group)
    plan = await reads.plan_for(unit.unit_id, period.key)
    actions = tuple(await reads.actions(plan.id)) if plan is not None else ()
    status = plan.status if plan is not None else None
    return UnitPlanView(
        unit=unit, period=period, min_group=min_group, n=n, selection=selection,
        figures=figures, plan=plan, actions=actions,
        can_create=unit.writer and plan is None,
        can_edit=unit.writer and status in EDITABLE,
        can_decide=unit.decider and status == "submitted",
        can_update=unit.writer and status == "approved")


@dataclass(frozen=True)
class AgencyPlans:
    code: str
    name: str
    waiting: tuple[reads.UnitPlan, ...]  # submitted, oldest submission first
    plans: tuple[reads.UnitPlan, ...]  # every plan of the agency's units
    units: tuple[tuple[str, str], ...]  # (code, name) of the agency's units
    truncated: bool


async def agency_plans(scope: Scope, agency_code: str) -> AgencyPlans:
    """The plans of an agency's units: waiting for a decision, and all of them by period
    (newest first), for the agency head of that agency, the city and an administrator."""
    if scope.role not in DECIDERS:
        raise NotAllowed("role")
    row = await Agency.select(Agency.id, Agency.code, Agency.name).where(
        Agency.code == agency_code).first()
    if row is None or (scope.role == "agency" and scope.agency_id != row["id"]):
        raise NotFound("unknown_agency")
    units = await Unit.select(Unit.id, Unit.code, Unit.name).where(
        Unit.agency == row["id"]).order_by(Unit.name)
    ids = [u["id"] for u in units]
    every = await reads.plans_of_units(None, ids, PLAN_STATUSES)
    every.sort(key=lambda u: (parse(u.plan.period).last, parse(u.plan.period).first,
                              u.unit_code), reverse=True)
    waiting = sorted((u for u in every if u.plan.status == "submitted"),
                     key=lambda u: (u.plan.submitted_at is None, u.plan.submitted_at))
    return AgencyPlans(row["code"], row["name"], tuple(waiting), tuple(every[:MAX_LISTED]),
                       tuple((u["code"], u["name"]) for u in units), len(every) > MAX_LISTED)
