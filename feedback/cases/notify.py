"""Notifying case events: `notify_due(now, mailer)` handles every `case_event` whose
`notified_at` is NULL (oldest first, at most `BATCH` a pass; mails waiting for a retry are
left out until it is due). The periodic case pass (`feedback.cases.schedule`) runs it after
its other steps, so an escalation or an opening is notified in the pass that made it.

| event          | alert (kind `case`) addressed to            | e-mail to                       |
|----------------|---------------------------------------------|---------------------------------|
| opened         | the unit (and its agency)                   | the unit's active unit users     |
| forwarded      | the new unit (and its agency)               | the new unit's active unit users |
| citizen_answer | the unit (and its agency)                   | the unit's active unit users     |
| escalated      | level agency: the agency (and the unit);    | the agency's active agency users |
|                | level city: the city (and the unit)         | / the active city users          |
| replied        | none                                        | the citizen, only when the      |
|                |                                             | case's contact is an e-mail     |
| verified,      | none                                        | nobody                          |
| closed         |                                             |                                 |

Staff hear nothing of an event whose case is closed by the time it is handled (a backlog
after a stop, a case closed at once): it is only marked. The citizen's mail after a reply
goes out all the same.

A forwarded case gets an alert too (beyond opened, escalated and citizen_answer): without it
the new unit would learn of the case only by e-mail, and not at all without SMTP.

Alerts go through the alert machinery (`feedback.alerts.raising.raise_from`): source key
`case:<event id>` (so once per event, whatever the passes or workers), shown on
`/staf/peringatan` and counted in every staff header, and POSTed to the agency's webhook
(the city's for a case at the city level), signed and retried by `feedback.alerts.webhook`.
An alert names the case's unit and counter; its `agency_id` is the unit's agency, or
`CITY_HOOK` (0) for an escalation to the city (`feedback.alerts.reads`). Its details (the
webhook body's `details`) describe the event without personal data: event, ids, receipt,
reason, level, status, clocks, the units' codes, whether it was automatic; never a contact,
a staff name or a text.

E-mail (`feedback.notify.mail`, texts in `feedback.notify.case_mails`): one message per
recipient (each sees only their own address), none when `mailer` is None (SMTP not
configured) or nobody is to be told. The event is marked notified once its alert is raised
and its mail is sent, or at once when no mail is due. A failed sending (refused connection,
timeout, an SMTP error) leaves the event unnotified and is retried by a later pass after 1
min, 5 min, 30 min, 2 h (`RETRY_AFTER`), only to the recipients that did not get theirs;
after the fifth failed attempt the mail is given up (`failed`) and the event marked
notified. Every attempt is logged (`case_mail_attempt`, the error masked). An attempt is
claimed before it is sent (the first by inserting the mail's row, a retry by moving its next
attempt `LEASE` ahead in one conditional UPDATE), so two workers never send one twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from feedback.accounts.tables import StaffUser
from feedback.alerts.raising import CITY_HOOK, aware, raise_from
from feedback.cases.tables import SYSTEM, CaseContact, CaseEvent, CaseFile
from feedback.comments.masking import mask
from feedback.engine import transaction
from feedback.notify.case_mails import CaseFacts, EventFacts, citizen_mail, staff_mail
from feedback.notify.mail import Mailer, compose, mailer_from_env
from feedback.notify.tables import CaseMail, CaseMailAttempt
from feedback.tables import Response, Unit

BATCH = 200
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
               timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
LEASE = timedelta(minutes=2)
ALERTED = ("opened", "forwarded", "citizen_answer", "escalated")
STAFF_MAILED = ALERTED
CITIZEN = "citizen"  # the recipient key of the citizen's mail


@dataclass
class NotifyReport:
    """What one pass did (the case pass logs it as JSON)."""

    events: int = 0  # marked notified
    alerts: int = 0  # new alerts
    mails: int = 0  # messages sent
    retrying: int = 0  # mails that failed and wait for a later pass
    failed: int = 0  # mails given up
    waiting: int = 0  # events left for a later pass (a retry not due, or another worker's)

    def as_json(self) -> dict[str, int]:
        return {"events": self.events, "alerts": self.alerts, "mails": self.mails,
                "retrying": self.retrying, "failed": self.failed, "waiting": self.waiting}


@dataclass(frozen=True)
class Recipient:
    key: str  # user:<id> | citizen
    address: str


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    return date.fromisoformat(str(value)[:10])


def _iso(value: Any) -> str | None:
    day = _day(value)
    return day.isoformat() if day else None


def _unit_id(event: dict[str, Any], case: dict[str, Any]) -> int:
    """The unit an event is about: the new unit of a forward (and of an opening)."""
    if event["kind"] in ("opened", "forwarded") and event["to_unit_id"]:
        return event["to_unit_id"]
    return case["unit_id"]


async def _units(ids: set[int]) -> dict[int, dict[str, Any]]:
    rows = await Unit.select(Unit.id, Unit.code, Unit.name, Unit.agency,
                             Unit.agency.name.as_alias("agency_name")).where(
        Unit.id.is_in(list(ids) or [-1]))
    return {r["id"]: r for r in rows}


def _alert(event: dict[str, Any], case: dict[str, Any],
           units: dict[int, dict[str, Any]]) -> dict[str, Any]:
    unit_id = _unit_id(event, case)
    unit = units.get(unit_id, {})
    agency_id = unit.get("agency", case["agency_id"])
    level = event["level"] or case["level"]
    if event["kind"] == "escalated" and level == "city":
        agency_id = CITY_HOOK
    code = lambda uid: units.get(uid, {}).get("code") if uid else None  # noqa: E731
    return {
        "kind": "case", "source_key": f"case:{event['id']}", "agency_id": agency_id,
        "unit_id": unit_id, "counter_id": case["counter_id"], "response_id": None,
        "pungli": False,
        "details": {
            "event": event["kind"], "event_id": event["id"], "case_id": case["id"],
            "receipt": case["receipt"], "reason": case["reason"], "level": level,
            "status": case["status"],
            "at": aware(event["at"]).isoformat().replace("+00:00", "Z"),
            "automatic": event["actor"] == SYSTEM,
            "verify_due": _iso(case["verify_due"]),
            "follow_up_due": _iso(case["follow_up_due"]),
            "from_unit": code(event["from_unit_id"]), "to_unit": code(event["to_unit_id"])}}


async def _staff_users() -> list[dict[str, Any]]:
    """Every active user of the roles that are told (unit, agency, city): a city has a few
    hundred at most, read once a pass."""
    return await StaffUser.select(
        StaffUser.id, StaffUser.email, StaffUser.role, StaffUser.unit, StaffUser.agency).where(
        (StaffUser.active == True) & StaffUser.role.is_in(["unit", "agency", "city"])  # noqa: E712
    ).order_by(StaffUser.id)


def _staff(event: dict[str, Any], case: dict[str, Any],
           staff: list[dict[str, Any]]) -> list[Recipient]:
    if event["kind"] == "escalated":
        if (event["level"] or case["level"]) == "city":
            chosen = [u for u in staff if u["role"] == "city"]
        else:
            chosen = [u for u in staff
                      if u["role"] == "agency" and u["agency"] == case["agency_id"]]
    else:
        unit_id = _unit_id(event, case)
        chosen = [u for u in staff if u["role"] == "unit" and u["unit"] == unit_id]
    return [Recipient(f"user:{u['id']}", u["email"]) for u in chosen]


async def _citizen(case: dict[str, Any]) -> list[Recipient]:
    row = await CaseContact.select(CaseContact.kind, CaseContact.value).where(
        CaseContact.response_id == case["response_id"]).first()
    if row is None or row["kind"] != "email" or not row["value"]:
        return []
    return [Recipient(CITIZEN, row["value"])]


async def _recipients(event: dict[str, Any], case: dict[str, Any],
                      staff: list[dict[str, Any]]) -> list[Recipient]:
    if event["kind"] == "replied":
        return await _citizen(case)
    if event["kind"] in STAFF_MAILED:
        return _staff(event, case, staff)
    return []


def _facts(case: dict[str, Any], units: dict[int, dict[str, Any]]) -> CaseFacts:
    unit = units.get(case["unit_id"], {})
    return CaseFacts(
        receipt=case["receipt"], reason=case["reason"], status=case["status"],
        unit_name=unit.get("name", "?"), agency_name=unit.get("agency_name") or "?",
        opened_at=aware(case["opened_at"]), verify_due=_day(case["verify_due"]),
        follow_up_due=_day(case["follow_up_due"]),
        auto_close_due=_day(case["auto_close_due"]))


async def _messages(mailer: Mailer, event: dict[str, Any], case: dict[str, Any],
                    units: dict[int, dict[str, Any]], recipients: list[Recipient],
                    now: datetime) -> list[Any]:
    settings = mailer.settings
    facts = _facts(case, units)
    if event["kind"] == "replied":
        subject, body = citizen_mail(facts, settings.public_url)
    else:
        comment = None
        if event["kind"] in ("opened", "forwarded", "escalated"):
            row = await Response.select(Response.comment).where(
                Response.id == case["response_id"]).first()
            comment = mask(row["comment"]) if row and row["comment"] else None
        name = lambda uid: units.get(uid, {}).get("name") if uid else None  # noqa: E731
        facts_event = EventFacts(
            kind=event["kind"], at=aware(event["at"]), level=event["level"],
            text=(event["text"] if event["text"] in (None, "clock:verify_due",
                                                     "clock:follow_up_due")
                  else mask(event["text"])),
            from_unit_name=name(event["from_unit_id"]), to_unit_name=name(event["to_unit_id"]))
        subject, body = staff_mail(facts_event, facts, comment, settings.public_url)
    return [compose(settings, r.address, subject, body, now) for r in recipients]


async def _mark(event_ids: list[int], now: datetime) -> int:
    if not event_ids:
        return 0
    done = await CaseEvent.update({CaseEvent.notified_at: now}).where(
        CaseEvent.id.is_in(event_ids) & CaseEvent.notified_at.is_null()).returning(
        CaseEvent.id)
    return len(done)


async def _claim(event: dict[str, Any], now: datetime,
                 report: NotifyReport) -> dict[str, Any] | None:
    """The event's mail row, claimed for one attempt now (its next attempt moved LEASE
    ahead); None when another worker has it or its retry is not due; the row unchanged
    (not pending) when it was finished before."""
    fresh = await CaseMail.insert(CaseMail(
        event_id=event["id"], case_id=event["case_id"], state="pending", attempts=0,
        next_at=now + LEASE, sent_to="[]", created_at=now, updated_at=now)).on_conflict(
        target=CaseMail.event_id, action="DO NOTHING").returning(CaseMail.id)
    if fresh:  # a first attempt: inserting it was the claim
        return {"id": fresh[0]["id"], "state": "pending", "attempts": 0, "sent_to": "[]"}
    row = await CaseMail.select().where(CaseMail.event_id == event["id"]).first()
    if row["state"] != "pending":
        return row
    claimed = await CaseMail.update({CaseMail.next_at: now + LEASE}).where(
        (CaseMail.id == row["id"]) & (CaseMail.state == "pending")
        & (CaseMail.attempts == row["attempts"]) & (CaseMail.next_at <= now)
    ).returning(CaseMail.id)
    if not claimed:
        report.waiting += 1
        return None
    return row


async def _deliver(mailer: Mailer, event: dict[str, Any], case: dict[str, Any],
                   units: dict[int, dict[str, Any]], recipients: list[Recipient],
                   now: datetime, report: NotifyReport) -> bool:
    """Send (or retry) the event's mail; True when the event is done (sent or given up)."""
    row = await _claim(event, now, report)
    if row is None:
        return False
    if row["state"] != "pending":
        return True  # handled before (a pass stopped between sending and marking)
    done = set(json.loads(row["sent_to"] or "[]"))
    todo = [r for r in recipients if r.key not in done]
    try:
        sent, error = await mailer.send(
            await _messages(mailer, event, case, units, todo, now))
    except Exception as exc:  # a message that cannot be composed: logged, bounded like SMTP's
        sent, error = 0, f"{type(exc).__name__}: {exc}"[:500]
    done.update(r.key for r in todo[:sent])
    attempt = row["attempts"] + 1
    if error is None:
        state, next_at = "sent", None
    elif attempt >= MAX_ATTEMPTS:
        state, next_at = "failed", None
    else:
        state, next_at = "pending", now + RETRY_AFTER[attempt - 1]
    async with transaction():
        await CaseMailAttempt.insert(CaseMailAttempt(
            mail_id=row["id"], attempt=attempt, at=now, sent=sent, ok=error is None,
            error=None if error is None else mask(error)))
        await CaseMail.update({CaseMail.attempts: attempt, CaseMail.state: state,
                               CaseMail.next_at: next_at,
                               CaseMail.sent_to: json.dumps(sorted(done)),
                               CaseMail.updated_at: now}).where(CaseMail.id == row["id"])
    report.mails += sent
    if state == "pending":
        report.retrying += 1
    elif state == "failed":
        report.failed += 1
    return state != "pending"


def _for_staff(event: dict[str, Any], cases: dict[int, dict[str, Any]]) -> bool:
    """Staff are told of the event (alert, e-mail): its kind is one they hear of and its
    case is not closed by now (a backlog of old events tells nobody of finished cases)."""
    case = cases.get(event["case_id"])
    return event["kind"] in ALERTED and case is not None and case["status"] != "closed"


async def notify_due(now: datetime | None = None, mailer: Mailer | None = None, *,
                     limit: int = BATCH) -> NotifyReport:
    """Notify the case events not notified yet (see the module doc)."""
    now = now or datetime.now(UTC)
    report = NotifyReport()
    # Mails waiting for a retry are left out, so that they never hold up the events after
    # them (their alerts above all) when the SMTP server is down for a while.
    later = [r["event_id"] for r in await CaseMail.select(CaseMail.event_id).where(
        (CaseMail.state == "pending") & (CaseMail.next_at > now))]
    report.waiting = len(later)
    where = CaseEvent.notified_at.is_null()
    if later:
        where = where & CaseEvent.id.not_in(later)
    events = await CaseEvent.select(
        CaseEvent.id, CaseEvent.case_id, CaseEvent.at, CaseEvent.kind, CaseEvent.actor,
        CaseEvent.text, CaseEvent.from_unit_id, CaseEvent.to_unit_id, CaseEvent.level).where(
        where).order_by(CaseEvent.id).limit(limit)
    if not events:
        return report
    cases = {r["id"]: r for r in await CaseFile.select().where(
        CaseFile.id.is_in(list({e["case_id"] for e in events})))}
    unit_ids = {c["unit_id"] for c in cases.values()}
    unit_ids |= {e[k] for e in events for k in ("from_unit_id", "to_unit_id") if e[k]}
    units = await _units(unit_ids)
    report.alerts = await raise_from(
        [_alert(e, cases[e["case_id"]], units) for e in events if _for_staff(e, cases)], now)
    finished = []
    staff = await _staff_users() if mailer is not None else []
    for event in events:
        case = cases.get(event["case_id"])
        told = case is not None and mailer is not None and (
            event["kind"] == "replied" or _for_staff(event, cases))
        recipients = await _recipients(event, case, staff) if told else []
        if not recipients or await _deliver(mailer, event, case, units, recipients, now,
                                            report):
            finished.append(event["id"])
    report.events = await _mark(finished, now)
    return report



async def notify_pass(now: datetime | None = None) -> NotifyReport:
    """`notify_due` with the environment's SMTP settings (no e-mail when SUARA_SMTP_HOST is
    unset): the step of the periodic case pass."""
    return await notify_due(now, mailer_from_env())
