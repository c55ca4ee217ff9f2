"""The follow-up plan workflow (see `feedback.plans` for the states).

Who does what (`Access`):

* the unit head (role `unit`, their own unit) creates the plan of a period, adds, edits and
  removes its actions while it is `draft` or `returned`, submits it, and after approval
  moves each action's status with an evidence note;
* the agency head (role `agency`, the units of their agency), the city and an
  administrator read the plan and approve or return it (a return needs a note);
* officers have no access (NotAllowed); a unit outside the user's scope and an unknown one
  look the same (NotFound).

Every change is one transaction: a conditional UPDATE of the plan that succeeds only in
the state the change needs (so two people acting at once cannot both succeed: the second
gets WrongState, which the web answers with 409), the change itself, and one audit row
(`feedback.accounts.audit.record`; object type `follow_up_plan` with key `UNIT:PERIOD`, or
`plan_action` with key `UNIT:PERIOD:ACTION_ID`). Bad input raises Invalid before anything
is written. Approval freezes each action's baseline: its element's NRR and n in the plan's
period (`feedback.plans.proposal.element_figures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from feedback.accounts.audit import Actor, record
from feedback.accounts.scope import Scope
from feedback.cases.access import covers  # the cases' rule: own unit, own agency, all
from feedback.clock import wita_day
from feedback.engine import is_integrity_error, transaction
from feedback.performance.periods import Period, parse
from feedback.plans import reads
from feedback.plans.errors import Invalid, NotAllowed, NotFound, WrongState
from feedback.plans.inputs import ActionInput, check_action, check_status, note_text
from feedback.plans.proposal import element_figures
from feedback.plans.tables import EDITABLE, FollowUpPlan, PlanAction
from feedback.tables import Unit

DECIDERS = ("agency", "city", "admin")
READERS = ("unit", *DECIDERS)
PLAN_OBJECT = "follow_up_plan"
ACTION_OBJECT = "plan_action"


@dataclass(frozen=True)
class Access:
    """A unit as the user may reach it, and what the user may do there."""

    unit_id: int
    unit_code: str
    unit_name: str
    agency_id: int
    writer: bool  # the unit's own head: writes, submits, updates statuses
    decider: bool  # approves or returns


async def access(scope: Scope, unit_code: str) -> Access:
    """The unit if the user's role reads plans and the scope covers it."""
    if scope.role not in READERS:
        raise NotAllowed("role")
    row = await Unit.select(Unit.id, Unit.code, Unit.name, Unit.agency).where(
        Unit.code == unit_code).first()
    if row is None or not covers(scope, row["id"], row["agency"]):
        raise NotFound("unknown_unit")
    return Access(row["id"], row["code"], row["name"], row["agency"],
                  writer=scope.role == "unit", decider=scope.role in DECIDERS)


def plan_period(key: Any, today: date) -> Period:
    """A plan's period: a key period (not a range of days) that has started."""
    text = key.strip() if isinstance(key, str) else ""
    if not text or ".." in text:
        raise Invalid("period_unknown")
    try:
        period = parse(text)
    except ValueError as exc:
        raise Invalid("period_unknown") from exc
    if period.first > today:
        raise Invalid("period_not_started")
    return period


def _key(unit: Access, period: str) -> str:
    return f"{unit.unit_code}:{period}"


async def _plan_of(unit: Access, plan_id: int) -> reads.Plan:
    plan = await reads.plan_by_id(plan_id)
    if plan is None or plan.unit_id != unit.unit_id:
        raise NotFound("unknown_plan")
    return plan


def _writer(unit: Access) -> None:
    if not unit.writer:
        raise NotAllowed("not_unit_head")


async def _claim(plan: reads.Plan, states: tuple[str, ...], actor: Actor, now: datetime,
                 **values: Any) -> None:
    """Inside a transaction: the plan moves (or is touched) only while in `states`."""
    changes = {FollowUpPlan.updated_at: now, FollowUpPlan.updated_by: actor.email[:254],
               **{getattr(FollowUpPlan, k): v for k, v in values.items()}}
    done = await FollowUpPlan.update(changes).where(
        (FollowUpPlan.id == plan.id) & FollowUpPlan.status.is_in(list(states))
    ).returning(FollowUpPlan.id)
    if not done:
        current = await reads.plan_by_id(plan.id)
        raise WrongState("wrong_state", status=current.status if current else None)


# The plan --------------------------------------------------------------------------------

async def create_plan(scope: Scope, unit_code: str, period_key: Any, actor: Actor,
                      now: datetime | None = None) -> reads.Plan:
    """A draft plan for the unit and period (WrongState `exists` when there is one)."""
    now = now or datetime.now(UTC)
    unit = await access(scope, unit_code)
    _writer(unit)
    period = plan_period(period_key, wita_day(now))
    if await reads.plan_for(unit.unit_id, period.key) is not None:
        raise WrongState("exists")
    try:
        async with transaction():
            rows = await FollowUpPlan.insert(FollowUpPlan(
                unit_id=unit.unit_id, period=period.key, status="draft", created_at=now,
                created_by=actor.email[:254], created_by_id=actor.id, updated_at=now,
                updated_by=actor.email[:254])).returning(FollowUpPlan.id)
            await record(actor, "plan.create", PLAN_OBJECT, _key(unit, period.key),
                         new={"status": "draft"}, at=now)
    except Exception as exc:
        if is_integrity_error(exc):  # created by someone else at the same moment
            raise WrongState("exists") from exc
        raise
    plan = await reads.plan_by_id(rows[0]["id"])
    assert plan is not None
    return plan


async def submit(scope: Scope, unit_code: str, plan_id: int, actor: Actor,
                 now: datetime | None = None) -> None:
    """draft|returned → submitted; a plan needs at least one action."""
    now = now or datetime.now(UTC)
    unit = await access(scope, unit_code)
    _writer(unit)
    plan = await _plan_of(unit, plan_id)
    async with transaction():
        await _claim(plan, EDITABLE, actor, now, status="submitted", submitted_at=now,
                     submitted_by=actor.email[:254])
        if not await PlanAction.exists().where(PlanAction.plan_id == plan.id):
            raise Invalid("no_actions")  # rolls the claim back
        await record(actor, "plan.submit", PLAN_OBJECT, _key(unit, plan.period),
                     old={"status": plan.status}, new={"status": "submitted"}, at=now)


async def decide(scope: Scope, unit_code: str, plan_id: int, decision: Any, note: Any,
                 actor: Actor, now: datetime | None = None) -> str:
    """submitted → approved (baselines frozen) or returned (a note is required); returns
    the new status."""
    now = now or datetime.now(UTC)
    unit = await access(scope, unit_code)
    if not unit.decider:
        raise NotAllowed("not_decider")
    plan = await _plan_of(unit, plan_id)
    if decision not in ("approve", "return"):
        raise Invalid("decision_unknown")
    text = note_text(note, required=decision == "return")
    status = "approved" if decision == "approve" else "returned"
    figures = (await element_figures(unit.unit_id, parse(plan.period)))[1] \
        if status == "approved" else {}
    async with transaction():
        await _claim(plan, ("submitted",), actor, now, status=status, decided_at=now,
                     decided_by=actor.email[:254], decision_note=text)
        frozen = {}
        for code, fig in figures.items():
            await PlanAction.update({PlanAction.baseline_nrr: fig.nrr,
                                     PlanAction.baseline_n: fig.n}).where(
                (PlanAction.plan_id == plan.id) & (PlanAction.element == code))
            frozen[code] = [fig.nrr, fig.n]
        new: dict[str, Any] = {"status": status, "note": text}
        if status == "approved":
            used = {a.element for a in await reads.actions(plan.id)}
            new["baselines"] = {k: v for k, v in frozen.items() if k in used}
        await record(actor, f"plan.{'approve' if status == 'approved' else 'return'}",
                     PLAN_OBJECT, _key(unit, plan.period), old={"status": plan.status},
                     new=new, at=now)
    return status


# Actions ---------------------------------------------------------------------------------

def _fields(data: ActionInput) -> dict[str, Any]:
    return {"element": data.element, "what": data.what, "who": data.who,
            "due": data.due.isoformat(), "expected_effect": data.expected_effect}


async def add_action(scope: Scope, unit_code: str, plan_id: int, form: Any, actor: Actor,
                     now: datetime | None = None) -> int:
    """A new action on a draft or returned plan; returns its id."""
    now = now or datetime.now(UTC)
    unit = await access(scope, unit_code)
    _writer(unit)
    plan = await _plan_of(unit, plan_id)
    data = check_action(form, parse(plan.period))
    async with transaction():
        await _claim(plan, EDITABLE, actor, now)
        rows = await PlanAction.insert(PlanAction(
            plan_id=plan.id, element=data.element, what=data.what, who=data.who,
            due=data.due, expected_effect=data.expected_effect, status="planned",
            created_at=now, created_by=actor.email[:254], updated_at=now,
            updated_by=actor.email[:254])).returning(PlanAction.id)
        action_id = rows[0]["id"]
        await record(actor, "plan.action_add", ACTION_OBJECT,
                     f"{_key(unit, plan.period)}:{action_id}", new=_fields(data), at=now)
    return action_id


async def _action_of(plan: reads.Plan, action_id: int) -> reads.Action:
    row = await PlanAction.select().where(
        (PlanAction.id == action_id) & (PlanAction.plan_id == plan.id)).first()
    if row is None:
        raise NotFound("unknown_action")
    return reads.action_of(row)


def _old_fields(action: reads.Action) -> dict[str, Any]:
    return {"element": action.element, "what": action.what, "who": action.who,
            "due": action.due.isoformat(), "expected_effect": action.expected_effect}


async def edit_action(scope: Scope, unit_code: str, plan_id: int, action_id: int, form: Any,
                      actor: Actor, now: datetime | None = None) -> bool:
    """Change an action of a draft or returned plan; False when nothing changed."""
    now = now or datetime.now(UTC)
    unit = await access(scope, unit_code)
    _writer(unit)
    plan = await _plan_of(unit, plan_id)
    action = await _action_of(plan, action_id)
    data = check_action(form, parse(plan.period))
    old, new = _old_fields(action), _fields(data)
    if old == new:
        return False
    async with transaction():
        await _claim(plan, EDITABLE, actor, now)
        await PlanAction.update({
            PlanAction.element: data.element, PlanAction.what: data.what,
            PlanAction.who: data.who, PlanAction.due: data.due,
            PlanAction.expected_effect: data.expected_effect, PlanAction.updated_at: now,
            PlanAction.updated_by: actor.email[:254]}).where(PlanAction.id == action.id)
        await record(actor, "plan.action_edit", ACTION_OBJECT,
                     f"{_key(unit, plan.period)}:{action.id}",
                     old={k: v for k, v in old.items() if new[k] != v},
                     new={k: v for k, v in new.items() if old[k] != v}, at=now)
    return True


async def remove_action(scope: Scope, unit_code: str, plan_id: int, action_id: int,
                        actor: Actor, now: datetime | None = None) -> None:
    """Remove an action of a draft or returned plan (never of a submitted or approved one:
    after approval an action is marked dropped, with a reason)."""
    now = now or datetime.now(UTC)
    unit = await access(scope, unit_code)
    _writer(unit)
    plan = await _plan_of(unit, plan_id)
    action = await _action_of(plan, action_id)
    async with transaction():
        await _claim(plan, EDITABLE, actor, now)
        await PlanAction.delete().where(PlanAction.id == action.id)
        await record(actor, "plan.action_remove", ACTION_OBJECT,
                     f"{_key(unit, plan.period)}:{action.id}", old=_old_fields(action),
                     at=now)


async def update_status(scope: Scope, unit_code: str, plan_id: int, action_id: int,
                        status: Any, note: Any, seen_status: Any, actor: Actor,
                        now: datetime | None = None) -> bool:
    """After approval: an action's status with an evidence note (dropped: the reason).
    `seen_status` is the status the form showed: when someone changed it meanwhile the
    update is WrongState. False when neither status nor note changed."""
    now = now or datetime.now(UTC)
    unit = await access(scope, unit_code)
    _writer(unit)
    plan = await _plan_of(unit, plan_id)
    action = await _action_of(plan, action_id)
    new_status, text = check_status(status, note, seen_status)
    if plan.status != "approved":
        raise WrongState("not_approved", status=plan.status)
    if (new_status, text) == (action.status, action.evidence_note):
        return False
    async with transaction():
        await _claim(plan, ("approved",), actor, now)
        done = await PlanAction.update({
            PlanAction.status: new_status, PlanAction.evidence_note: text,
            PlanAction.updated_at: now, PlanAction.updated_by: actor.email[:254]}).where(
            (PlanAction.id == action.id) & (PlanAction.status == seen_status)
        ).returning(PlanAction.id)
        if not done:
            raise WrongState("action_changed")
        await record(actor, "plan.action_status", ACTION_OBJECT,
                     f"{_key(unit, plan.period)}:{action.id}",
                     old={"status": action.status, "note": action.evidence_note},
                     new={"status": new_status, "note": text}, at=now)
    return True
