"""The staff side of a case: verify, reply, forward, escalate, close; and the sweep that
escalates overdue cases and closes unanswered replies (see `feedback.cases` for the states).

Who may act is decided in `feedback.cases.access` (`allowed_steps`).

Every step is one transaction: a conditional UPDATE that succeeds only when the case is
still in the state (status, handling unit, level) the decision was taken on, so two staff
acting at once cannot both succeed (the second gets `WrongState`); then one `case_event`
and one audit row (object_type "case", key the receipt).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from feedback.accounts.audit import Actor, record
from feedback.accounts.scope import Scope
from feedback.cases import clocks
from feedback.cases.access import (
    LEVEL_RANK,
    STAFF_OUTCOMES,
    allowed_steps,
    covers,
    normalise_receipt,
    outcomes_for,
)
from feedback.cases.events import actor_fields, add_event
from feedback.cases.tables import LEVELS, SYSTEM, CaseEvent, CaseFile
from feedback.clock import wita_day
from feedback.engine import transaction
from feedback.tables import Unit

log = logging.getLogger("suara.cases")

STEPS = ("verify", "reply", "forward", "escalate", "close")
MAX_TEXT = 2000  # reply, closing note
MAX_REASON = 500  # escalation reason, forwarding note
AUDIT_ACTIONS = {step: f"case.{step}" for step in STEPS}
CLOCK_VERIFY = "clock:verify_due"  # event text of an automatic escalation: the missed clock
CLOCK_FOLLOW_UP = "clock:follow_up_due"
VIEW_CONTACT = "case.view_contact"


class CaseError(Exception):
    """A step refused; `code` names why (tests and the web's message)."""

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class NotFound(CaseError):
    """No case with that receipt within the user's scope (indistinguishable)."""


class NotAllowed(CaseError):
    """The user sees the case, but their role may not take this step at its level."""


class WrongState(CaseError):
    """The case is not (or no longer) in a state that allows the step: 409."""


class Invalid(CaseError):
    """Bad input (empty or too long text, unknown outcome or unit): nothing written."""


async def find_case(receipt: str, scope: Scope) -> dict[str, Any]:
    """The case row for a receipt (either form) within the scope, else NotFound."""
    code = normalise_receipt(receipt)
    if code is None:
        raise NotFound("unknown_case")
    row = await CaseFile.select().where(CaseFile.receipt == code).first()
    if row is None or not covers(scope, row["unit_id"], row["agency_id"]):
        raise NotFound("unknown_case")
    return row


def _check_step(step: str, scope: Scope, case: dict[str, Any]) -> None:
    if step in allowed_steps(scope, case):
        return
    state_ok = {
        "verify": case["status"] == "open",
        "reply": case["status"] in ("open", "verified"),
        "escalate": case["status"] != "closed" and case["level"] != LEVELS[-1],
    }.get(step, case["status"] != "closed")
    if not state_ok:
        raise WrongState("wrong_state", status=case["status"], level=case["level"])
    raise NotAllowed("level", level=case["level"])


def _text(value: Any, *, required: bool, limit: int, code: str) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    text = text.replace("\r\n", "\n")
    if not text:
        if required:
            raise Invalid(f"{code}_missing")
        return None
    if len(text) > limit:
        raise Invalid(f"{code}_too_long", limit=limit)
    return text


# The steps -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Done:
    """What a step changed (the web redirects; tests read it)."""

    case_id: int
    receipt: str
    step: str
    event_id: int
    status: str
    level: str


async def _apply(step: str, case: dict[str, Any], from_states: tuple[str, ...],
                 values: dict[Any, Any], actor: Actor, now: datetime, event: dict[str, Any],
                 old: dict[str, Any], new: dict[str, Any]) -> Done:
    """The conditional UPDATE (state as seen), the event and the audit row, in one
    transaction; WrongState when someone else changed the case meanwhile."""
    values = {**values, CaseFile.updated_at: now}
    async with transaction():
        done = await CaseFile.update(values).where(
            (CaseFile.id == case["id"]) & CaseFile.status.is_in(list(from_states))
            & (CaseFile.unit_id == case["unit_id"]) & (CaseFile.level == case["level"])
        ).returning(CaseFile.status, CaseFile.level)
        if not done:
            raise WrongState("changed")
        event_id = await add_event(case["id"], event.pop("kind"), actor, now, **event)
        await record(actor, AUDIT_ACTIONS[step], "case", case["receipt"], old=old, new=new,
                     at=now)
    return Done(case["id"], case["receipt"], step, event_id, done[0]["status"],
                done[0]["level"])


async def verify(receipt: str, actor: Actor, scope: Scope,
                 now: datetime | None = None) -> Done:
    """open → verified."""
    now = now or datetime.now(UTC)
    case = await find_case(receipt, scope)
    _check_step("verify", scope, case)
    return await _apply(
        "verify", case, ("open",), {CaseFile.status: "verified", CaseFile.verified_at: now},
        actor, now, {"kind": "verified", "public": True},
        old={"status": case["status"]}, new={"status": "verified"})


async def reply(receipt: str, text: Any, actor: Actor, scope: Scope,
                now: datetime | None = None) -> Done:
    """open|verified → answered with the text the citizen will see; the auto-close clock
    starts (10 working days)."""
    now = now or datetime.now(UTC)
    body = _text(text, required=True, limit=MAX_TEXT, code="reply")
    case = await find_case(receipt, scope)
    _check_step("reply", scope, case)
    due = clocks.auto_close_due(await clocks.calendar(), now)
    values: dict[Any, Any] = {CaseFile.status: "answered", CaseFile.answered_at: now,
                              CaseFile.auto_close_due: due}
    if case["verified_at"] is None:
        values[CaseFile.verified_at] = now
    return await _apply(
        "reply", case, ("open", "verified"), values, actor, now,
        {"kind": "replied", "public": True, "text": body},
        old={"status": case["status"]},
        new={"status": "answered", "auto_close_due": due.isoformat(), "text": body})


async def forward(receipt: str, unit_code: Any, note: Any, actor: Actor, scope: Scope,
                  now: datetime | None = None) -> Done:
    """To another unit (by code): the new unit handles it at level `unit`, clocks kept."""
    now = now or datetime.now(UTC)
    text = _text(note, required=False, limit=MAX_REASON, code="note")
    code = unit_code.strip() if isinstance(unit_code, str) else ""
    if not code:
        raise Invalid("unit_missing")
    case = await find_case(receipt, scope)
    _check_step("forward", scope, case)
    target = await Unit.select(Unit.id, Unit.agency, Unit.code, Unit.active).where(
        Unit.code == code).first()
    if target is None or not target["active"]:
        raise Invalid("unit_unknown", code=code)
    if target["id"] == case["unit_id"]:
        raise Invalid("unit_same", code=code)
    if scope.role in ("unit", "agency") and target["agency"] != case["agency_id"]:
        raise Invalid("unit_other_agency", code=code)
    return await _apply(
        "forward", case, ("open", "verified", "answered"),
        {CaseFile.unit_id: target["id"], CaseFile.agency_id: target["agency"],
         CaseFile.level: "unit"},
        actor, now,
        {"kind": "forwarded", "public": True, "text": text,
         "from_unit_id": case["unit_id"], "to_unit_id": target["id"], "level": "unit"},
        old={"unit_id": case["unit_id"], "agency_id": case["agency_id"],
             "level": case["level"]},
        new={"unit_id": target["id"], "agency_id": target["agency"], "unit": code,
             "level": "unit", "note": text})


async def escalate(receipt: str, reason: Any, actor: Actor, scope: Scope,
                   now: datetime | None = None) -> Done:
    """One level up (unit → agency → city), with a reason (an internal event)."""
    now = now or datetime.now(UTC)
    text = _text(reason, required=True, limit=MAX_REASON, code="reason")
    case = await find_case(receipt, scope)
    _check_step("escalate", scope, case)
    level = LEVELS[LEVEL_RANK[case["level"]] + 1]
    return await _apply(
        "escalate", case, ("open", "verified", "answered"),
        {CaseFile.level: level, CaseFile.escalated_at: now}, actor, now,
        {"kind": "escalated", "public": False, "text": text, "level": level},
        old={"level": case["level"]}, new={"level": level, "reason": text})


async def close(receipt: str, outcome: Any, note: Any, actor: Actor, scope: Scope,
                now: datetime | None = None) -> Done:
    """Close with an outcome and a note the citizen will see."""
    now = now or datetime.now(UTC)
    if outcome not in STAFF_OUTCOMES:
        raise Invalid("outcome_unknown")
    text = _text(note, required=True, limit=MAX_TEXT, code="note")
    case = await find_case(receipt, scope)
    _check_step("close", scope, case)
    if outcome not in outcomes_for(case["status"]):
        raise Invalid("outcome_not_now", status=case["status"])
    values: dict[Any, Any] = {CaseFile.status: "closed", CaseFile.closed_at: now,
                              CaseFile.outcome: outcome, CaseFile.auto_close_due: None}
    from_states: tuple[str, ...] = ("verified", "answered")
    if case["status"] == "open":  # closed at verification: no follow-up is owed
        values[CaseFile.follow_up_due] = None
        from_states = ("open",)
    return await _apply(
        "close", case, from_states, values, actor, now,
        {"kind": "closed", "public": True, "text": text, "outcome": outcome},
        old={"status": case["status"]}, new={"status": "closed", "outcome": outcome,
                                             "note": text})


async def record_contact_view(actor: Actor, receipt: str, now: datetime | None = None
                              ) -> None:
    """Showing a citizen's contact is audited as a view."""
    await record(actor, VIEW_CONTACT, "case", receipt, at=now)


# The sweep -------------------------------------------------------------------------------

@dataclass
class SweepReport:
    """What one sweep did (`suara cases sweep` prints it as JSON)."""

    to_agency: int = 0
    to_city: int = 0
    auto_closed: int = 0
    receipts: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.to_agency + self.to_city + self.auto_closed

    def as_json(self) -> dict[str, int]:
        return {"escalated_to_agency": self.to_agency, "escalated_to_city": self.to_city,
                "auto_closed": self.auto_closed}


EVENT_CHUNK = 60  # events per INSERT (14 columns: within SQLite's 999 variables)


async def _system_events(rows: list[dict[str, Any]], now: datetime, **fields: Any) -> None:
    """One system event per changed case (`fields` per case: a function of its row)."""
    events = [CaseEvent(case_id=row["id"], at=now, **actor_fields(SYSTEM),
                        **{k: f(row) for k, f in fields.items()}) for row in rows]
    for start in range(0, len(events), EVENT_CHUNK):
        await CaseEvent.insert(*events[start:start + EVENT_CHUNK])


async def sweep(now: datetime | None = None) -> SweepReport:
    """Escalate overdue cases (a missed verify_due while open → at least `agency`; a missed
    follow_up_due while open or verified → `city`), one event per level change, and close
    `answered` cases whose auto_close_due has passed (outcome no_reply).

    Each rule is one conditional UPDATE (… RETURNING) and its events, in one transaction:
    the condition is the rule itself, so a second pass at the same time (or another worker
    running it at once) changes nothing and adds no event. A case that missed both clocks
    at unit level goes to the agency, then to the city: two events."""
    now = now or datetime.now(UTC)
    report = SweepReport()
    # A deadline is the end of its WITA day (`clocks.overdue`): missed once today's WITA
    # date is after it, i.e. when the due day is on or before yesterday.
    cutoff = wita_day(now) - timedelta(days=1)
    verify_missed = (CaseFile.status == "open") & (CaseFile.verify_due <= cutoff)
    follow_missed = (CaseFile.status.is_in(["open", "verified"])
                     & (CaseFile.follow_up_due <= cutoff))
    back = (CaseFile.id, CaseFile.receipt, CaseFile.status, CaseFile.verify_due)

    def why(row: dict[str, Any]) -> str:
        missed = row["status"] == "open" and row["verify_due"] <= cutoff
        return CLOCK_VERIFY if missed else CLOCK_FOLLOW_UP

    async with transaction():
        lifted = await CaseFile.update({
            CaseFile.level: "agency", CaseFile.escalated_at: now, CaseFile.updated_at: now,
        }).where((CaseFile.level == "unit") & (verify_missed | follow_missed)).returning(*back)
        await _system_events(lifted, now, kind=lambda _: "escalated", text=why,
                             level=lambda _: "agency")
    async with transaction():
        to_city = await CaseFile.update({
            CaseFile.level: "city", CaseFile.escalated_at: now, CaseFile.updated_at: now,
        }).where((CaseFile.level == "agency") & follow_missed).returning(*back)
        await _system_events(to_city, now, kind=lambda _: "escalated",
                             text=lambda _: CLOCK_FOLLOW_UP, level=lambda _: "city")
    async with transaction():
        closed = await CaseFile.update({
            CaseFile.status: "closed", CaseFile.closed_at: now, CaseFile.outcome: "no_reply",
            CaseFile.auto_close_due: None, CaseFile.updated_at: now,
        }).where((CaseFile.status == "answered")
                 & (CaseFile.auto_close_due <= cutoff)).returning(*back)
        await _system_events(closed, now, kind=lambda _: "closed", public=lambda _: True,
                             outcome=lambda _: "no_reply")
    report.to_agency, report.to_city, report.auto_closed = len(lifted), len(to_city), len(closed)
    report.receipts = list(dict.fromkeys(
        r["receipt"] for r in sorted(lifted + to_city + closed, key=lambda r: r["id"])))
    if report.total:
        log.info("cases swept: %s", report.as_json())
    return report
