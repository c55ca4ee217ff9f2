"""Reading cases for the staff pages: the list in a user's scope with its clocks, and one
case in detail (ratings, comment, history, contact, the steps the user may take).

The clock of a case is the deadline it currently runs against: `verify_due` while open,
`follow_up_due` once verified, `auto_close_due` while a reply waits for the citizen (the
system closes it then: never "overdue" for staff), none once closed. Working days late or
left are counted with the working-day calendar (`feedback.cases.workdays`): late = the
working days after the due day up to today; left = the working days after today up to the
due day (0: due today).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from feedback.accounts.scope import Scope
from feedback.cases import access, clocks, work
from feedback.cases.tables import LEVELS, STATUSES, CaseContact, CaseEvent, CaseFile
from feedback.cases.workdays import WorkCalendar
from feedback.clock import wita_day
from feedback.tables import Agency, Counter, Response, Service, Unit

CLOCK_OF_STATUS = {"open": "verify", "verified": "follow_up", "answered": "auto_close"}
STAFF_CLOCKS = ("verify", "follow_up")  # the clocks staff can miss


@dataclass(frozen=True)
class Clock:
    kind: str  # verify | follow_up | auto_close
    due: date
    overdue: bool
    days: int  # working days late (overdue) or left


@dataclass(frozen=True)
class CaseItem:
    id: int
    receipt: str
    reason: str
    status: str
    level: str
    unit_id: int
    unit_code: str
    unit_name: str
    agency_id: int
    agency_name: str
    opened_at: datetime
    verify_due: date
    follow_up_due: date | None
    auto_close_due: date | None
    closed_at: datetime | None
    outcome: str | None
    clock: Clock | None

    @property
    def display_receipt(self) -> str:
        return f"{self.receipt[:4]}-{self.receipt[4:]}"

    @property
    def overdue(self) -> bool:
        return self.clock is not None and self.clock.overdue


def clock_of(cal: WorkCalendar, status: str, due: dict[str, date | None],
             now: datetime) -> Clock | None:
    """The clock a case in `status` runs against (module docstring)."""
    kind = CLOCK_OF_STATUS.get(status)
    day = due.get(kind) if kind else None
    if kind is None or day is None:
        return None
    today = wita_day(now)
    late = kind in STAFF_CLOCKS and clocks.overdue(day, now)
    days = cal.working_days_between(day, today) if late else cal.working_days_between(
        today, day)
    return Clock(kind, day, late, days)


def _item(row: dict[str, Any], cal: WorkCalendar, now: datetime) -> CaseItem:
    due = {"verify": row["verify_due"], "follow_up": row["follow_up_due"],
           "auto_close": row["auto_close_due"]}
    return CaseItem(
        id=row["id"], receipt=row["receipt"], reason=row["reason"], status=row["status"],
        level=row["level"], unit_id=row["unit_id"], unit_code=row["unit_code"],
        unit_name=row["unit_name"], agency_id=row["agency_id"],
        agency_name=row["agency_name"], opened_at=row["opened_at"],
        verify_due=row["verify_due"], follow_up_due=row["follow_up_due"],
        auto_close_due=row["auto_close_due"], closed_at=row["closed_at"],
        outcome=row["outcome"], clock=clock_of(cal, row["status"], due, now))


async def _with_names(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    unit_ids = sorted({r["unit_id"] for r in rows})
    agency_ids = sorted({r["agency_id"] for r in rows})
    units = {u["id"]: u for u in await Unit.select(Unit.id, Unit.code, Unit.name).where(
        Unit.id.is_in(unit_ids))} if unit_ids else {}
    agencies = {a["id"]: a["name"] for a in await Agency.select(Agency.id, Agency.name).where(
        Agency.id.is_in(agency_ids))} if agency_ids else {}
    for r in rows:
        unit = units.get(r["unit_id"], {"code": "?", "name": "?"})
        r["unit_code"], r["unit_name"] = unit["code"], unit["name"]
        r["agency_name"] = agencies.get(r["agency_id"], "?")
    return rows


def sort_key(item: CaseItem) -> tuple[Any, ...]:
    """Overdue first (the most late first), then open cases by their clock, closed last
    (newest closing first)."""
    if item.clock is None:
        closed = item.closed_at.timestamp() if item.closed_at else 0.0
        return (2, 0, -closed, item.id)
    if item.clock.overdue:
        return (0, item.clock.due.toordinal(), item.opened_at.timestamp(), item.id)
    return (1, item.clock.due.toordinal(), item.opened_at.timestamp(), item.id)


async def list_cases(scope: Scope, now: datetime, *, status: str | None = None,
                     level: str | None = None, overdue_only: bool = False,
                     cal: WorkCalendar | None = None) -> list[CaseItem]:
    """The cases the user's scope covers, filtered, overdue first (`sort_key`)."""
    if status is not None and status not in STATUSES:
        raise ValueError("status")
    if level is not None and level not in LEVELS:
        raise ValueError("level")
    query = CaseFile.select()
    where = access.scope_where(scope)
    if where is not None:
        query = query.where(where)
    if status is not None:
        query = query.where(CaseFile.status == status)
    if level is not None:
        query = query.where(CaseFile.level == level)
    if overdue_only:
        query = query.where(CaseFile.status.is_in(["open", "verified"]))
    rows = await _with_names(await query)
    cal = cal or await clocks.calendar()
    items = [_item(row, cal, now) for row in rows]
    if overdue_only:
        items = [i for i in items if i.overdue]
    return sorted(items, key=sort_key)


@dataclass(frozen=True)
class Event:
    id: int
    at: datetime
    kind: str
    actor: str
    text: str | None
    public: bool
    from_unit: str | None
    to_unit: str | None
    level: str | None
    outcome: str | None


@dataclass(frozen=True)
class CaseDetail:
    item: CaseItem
    submitted_at: datetime
    counter_name: str
    service_name: str | None
    answers: dict[str, int]
    comment: str | None
    events: list[Event]
    contact_kind: str | None  # phone | email | None (no contact stored)
    steps: tuple[str, ...]  # what this user may do now (access.allowed_steps)
    outcomes: tuple[str, ...]  # outcomes this user may close with now
    may_see_contact: bool
    forward_units: list[tuple[str, str]]  # (code, name) this user may forward to


async def forward_targets(scope: Scope, case: dict[str, Any]) -> list[tuple[str, str]]:
    """Active units the user may forward this case to (not its current unit)."""
    query = Unit.select(Unit.code, Unit.name, Unit.id).where(
        (Unit.active == True) & (Unit.id != case["unit_id"]))  # noqa: E712
    if scope.role in ("unit", "agency"):
        query = query.where(Unit.agency == case["agency_id"])
    return [(u["code"], u["name"]) for u in await query.order_by(Unit.name)]


async def case_detail(scope: Scope, receipt: str, now: datetime, lang: str = "id"
                      ) -> CaseDetail:
    """One case within the scope (work.NotFound otherwise)."""
    row = await work.find_case(receipt, scope)
    [row] = await _with_names([row])
    item = _item(row, await clocks.calendar(), now)
    response = await Response.select(
        Response.submitted_at, Response.answers, Response.comment, Response.counter,
        Response.service).where(Response.id == row["response_id"]).first()
    if response is None:
        raise work.NotFound("unknown_case")
    counter = await Counter.select(Counter.name).where(
        Counter.id == response["counter"]).first()
    service = None
    if response["service"] is not None:
        found = await Service.select(Service.name_id, Service.name_en).where(
            Service.id == response["service"]).first()
        if found:
            service = found["name_en"] if lang == "en" else found["name_id"]
    answers = response["answers"]
    if isinstance(answers, str):
        import json

        answers = json.loads(answers)
    events = await CaseEvent.select().where(CaseEvent.case_id == row["id"]).order_by(
        CaseEvent.at).order_by(CaseEvent.id)
    unit_ids = {e[k] for e in events for k in ("from_unit_id", "to_unit_id") if e[k]}
    names = {u["id"]: u["name"] for u in await Unit.select(Unit.id, Unit.name).where(
        Unit.id.is_in(sorted(unit_ids)))} if unit_ids else {}
    contact = await CaseContact.select(CaseContact.kind).where(
        CaseContact.response_id == row["response_id"]).first()
    steps = access.allowed_steps(scope, row)
    return CaseDetail(
        item=item, submitted_at=response["submitted_at"],
        counter_name=counter["name"] if counter else "?", service_name=service,
        answers={k: int(v) for k, v in (answers or {}).items() if v is not None},
        comment=response["comment"],
        events=[Event(e["id"], e["at"], e["kind"], e["actor"], e["text"], e["public"],
                      names.get(e["from_unit_id"]), names.get(e["to_unit_id"]), e["level"],
                      e["outcome"]) for e in events],
        contact_kind=contact["kind"] if contact else None,
        steps=steps,
        outcomes=access.outcomes_for(row["status"]) if "close" in steps else (),
        may_see_contact=contact is not None and access.may_see_contact(scope, row),
        forward_units=await forward_targets(scope, row) if "forward" in steps else [])


async def contact_value(scope: Scope, receipt: str) -> tuple[str, str] | None:
    """(kind, value) of the case's contact when this user may see it, else None."""
    row = await work.find_case(receipt, scope)
    if not access.may_see_contact(scope, row):
        return None
    contact = await CaseContact.select(CaseContact.kind, CaseContact.value).where(
        CaseContact.response_id == row["response_id"]).first()
    return (contact["kind"], contact["value"]) if contact else None
