"""The citizen's side of a case: what the receipt code shows (`case_view`) and the citizen's
answer to a reply (`citizen_answer`). See `feedback.cases` for the states and the clocks.

The receipt is the citizen's only capability, so the view holds nothing personal: never the
contact, never the comment of the response, no staff names (a reply is the unit's). It has
the status and dates, the handling unit, and the public events: verified, forwarded (to which
unit; the forwarding note stays internal), replied (with the text the unit wrote for the
citizen), the citizen's own answers (masked like comments, in case a phone number was typed
in) and closed (with the outcome and the closing note, which staff write for the citizen).

The citizen may also withdraw the consent to be contacted (`erase_contact`, UU PDP 27/2022,
as the consent text on the form says): the case's `case_contact` row is deleted at once,
audited (`case.contact_erased`, actor "citizen", object the receipt); the view says only
whether a contact is kept (`has_contact`), never the contact itself.

An answer is accepted once per reply (`case_event.answers_event` is unique), only to a public
reply of the same case, never on a closed case, with 2 to `MAX_ANSWER_CHARS` characters once
control characters are dropped (the same answer sent again, as by a double tap, is the
stored one: nothing written, no refusal). It moves the case answered → verified, clears
`auto_close_due` and renews `follow_up_due` (`clocks.follow_up_after_answer`), in one
transaction with its public `citizen_answer` event (actor CITIZEN). A refusal writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from feedback.accounts.audit import Actor, record
from feedback.cases.clocks import calendar, follow_up_after_answer
from feedback.cases.events import add_event
from feedback.cases.tables import CITIZEN, CaseContact, CaseEvent, CaseFile
from feedback.clock import aware
from feedback.comments.masking import mask
from feedback.engine import is_integrity_error, transaction
from feedback.survey.receipts import RECEIPT_ALPHABET, RECEIPT_LENGTH
from feedback.survey.text import clean_text
from feedback.tables import Unit

MIN_ANSWER_CHARS = 2
MAX_ANSWER_CHARS = 1000
_RECEIPT = re.compile(f"[{RECEIPT_ALPHABET}]{{{RECEIPT_LENGTH}}}")
# Events the citizen sees (when stored as public); any other kind is never shown.
SHOWN = ("opened", "verified", "forwarded", "escalated", "replied", "citizen_answer", "closed")


class AnswerRefused(Exception):
    """Why an answer was not stored: `not_found` (no case for the receipt), `not_a_reply`
    (no such public reply in this case), `closed`, `already_answered`, `too_short`,
    `too_long`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def normalise_receipt(text: str | None) -> str | None:
    """`ABCD-EF23`, `abcd ef23` or `abcdef23` → `ABCDEF23`; None when it cannot be a
    receipt code (then nothing is looked up)."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    code = re.sub(r"[\s\-]", "", text).upper()
    return code if _RECEIPT.fullmatch(code) else None


@dataclass(frozen=True)
class Answer:
    id: int
    at: datetime
    text: str  # masked


@dataclass(frozen=True)
class Reply:
    id: int
    at: datetime
    text: str
    answer: Answer | None


@dataclass(frozen=True)
class PublicEvent:
    id: int
    kind: str
    at: datetime
    text: str | None = None  # a reply's or closing note's text, the citizen's answer (masked)
    unit_name: str | None = None  # forwarded: the unit it went to
    level: str | None = None  # escalated: unit | agency | city
    outcome: str | None = None  # closed
    answers_event: int | None = None


@dataclass(frozen=True)
class CaseView:
    receipt: str  # as stored (ABCDEF23)
    status: str
    opened_at: datetime
    verify_due: date
    follow_up_due: date | None
    auto_close_due: date | None
    verified_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    unit_name: str
    agency_name: str
    history: tuple[PublicEvent, ...]
    replies: tuple[Reply, ...]
    has_contact: bool = False  # a contact is kept for the case (never shown)

    @property
    def closed(self) -> bool:
        return self.status == "closed"

    def open_replies(self) -> set[int]:
        """Ids of the replies the citizen may still answer."""
        if self.closed:
            return set()
        return {r.id for r in self.replies if r.answer is None}


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def _unit_names(ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = await Unit.select(Unit.id, Unit.name, Unit.agency.name.as_alias("agency_name")
                             ).where(Unit.id.is_in(sorted(ids)))
    return {row["id"]: (row["name"], row["agency_name"]) for row in rows}


async def case_view(receipt: str | None) -> CaseView | None:
    """The public view of the case of a receipt code, or None when there is none."""
    code = normalise_receipt(receipt)
    if code is None:
        return None
    case = await CaseFile.select().where(CaseFile.receipt == code).first()
    if case is None:
        return None
    rows = await CaseEvent.select(
        CaseEvent.id, CaseEvent.kind, CaseEvent.at, CaseEvent.text, CaseEvent.to_unit_id,
        CaseEvent.level, CaseEvent.outcome, CaseEvent.answers_event,
    ).where((CaseEvent.case_id == case["id"]) & (CaseEvent.public == True)  # noqa: E712
            & CaseEvent.kind.is_in(list(SHOWN))).order_by(CaseEvent.at).order_by(CaseEvent.id)
    names = await _unit_names({case["unit_id"]} | {r["to_unit_id"] for r in rows
                                                   if r["kind"] == "forwarded"
                                                   and r["to_unit_id"] is not None})
    history = []
    for row in rows:
        text = row["text"]
        if row["kind"] == "citizen_answer":
            text = mask(text or "")
        elif row["kind"] not in ("replied", "closed"):
            text = None  # notes and reasons of other steps are the staff's
        to_unit = names.get(row["to_unit_id"]) if row["kind"] == "forwarded" else None
        history.append(PublicEvent(
            id=row["id"], kind=row["kind"], at=aware(row["at"]), text=text,
            unit_name=to_unit[0] if to_unit else None,
            level=row["level"] if row["kind"] == "escalated" else None,
            outcome=row["outcome"] if row["kind"] == "closed" else None,
            answers_event=row["answers_event"]))
    answers = {e.answers_event: Answer(e.id, e.at, e.text or "") for e in history
               if e.kind == "citizen_answer" and e.answers_event is not None}
    replies = tuple(Reply(e.id, e.at, e.text or "", answers.get(e.id)) for e in history
                    if e.kind == "replied")
    unit_name, agency_name = names.get(case["unit_id"], ("", ""))
    has_contact = await CaseContact.exists().where(
        CaseContact.response_id == case["response_id"])
    return CaseView(
        receipt=case["receipt"], status=case["status"], opened_at=aware(case["opened_at"]),
        verify_due=_day(case["verify_due"]), follow_up_due=_day(case["follow_up_due"]),
        auto_close_due=_day(case["auto_close_due"]),
        verified_at=aware(case["verified_at"]), closed_at=aware(case["closed_at"]),
        outcome=case["outcome"], unit_name=unit_name, agency_name=agency_name,
        history=tuple(history), replies=replies, has_contact=has_contact)


def clean_answer(text: Any) -> str:
    """The answer as stored, or AnswerRefused(`too_short` | `too_long`)."""
    cleaned = clean_text(text) if isinstance(text, str) else ""
    if len(cleaned) < MIN_ANSWER_CHARS:
        raise AnswerRefused("too_short")
    if len(cleaned) > MAX_ANSWER_CHARS:
        raise AnswerRefused("too_long")
    return cleaned


async def citizen_answer(receipt: str | None, reply_event_id: int, text: Any,
                         now: datetime) -> int:
    """Store the citizen's answer to a reply of the receipt's case; the new event's id (the
    stored one when this very answer was stored before). Raises AnswerRefused (nothing
    written)."""
    cleaned = clean_answer(text)
    code = normalise_receipt(receipt)
    if code is None:
        raise AnswerRefused("not_found")
    if not isinstance(reply_event_id, int) or not 0 < reply_event_id < 2**31:
        raise AnswerRefused("not_a_reply")
    cal = await calendar()
    try:
        async with transaction():
            case = await CaseFile.select(CaseFile.id, CaseFile.status).where(
                CaseFile.receipt == code).first()
            if case is None:
                raise AnswerRefused("not_found")
            if case["status"] == "closed":
                raise AnswerRefused("closed")
            reply = await CaseEvent.exists().where(
                (CaseEvent.id == reply_event_id) & (CaseEvent.case_id == case["id"])
                & (CaseEvent.kind == "replied") & (CaseEvent.public == True))  # noqa: E712
            if not reply:
                raise AnswerRefused("not_a_reply")
            earlier = await CaseEvent.select(CaseEvent.id, CaseEvent.text).where(
                CaseEvent.answers_event == reply_event_id).first()
            if earlier is not None:
                if earlier["text"] == cleaned:  # the same answer again (a double tap)
                    return earlier["id"]
                raise AnswerRefused("already_answered")
            event_id = await add_event(case["id"], "citizen_answer", CITIZEN, now,
                                       text=cleaned, public=True,
                                       answers_event=reply_event_id)
            # Only a case that is still not closed moves (a close at the same moment wins).
            moved = await CaseFile.update({
                CaseFile.status: "verified", CaseFile.auto_close_due: None,
                CaseFile.follow_up_due: follow_up_after_answer(cal, now),
                CaseFile.updated_at: now,
            }).where((CaseFile.id == case["id"]) & (CaseFile.status != "closed")
                     ).returning(CaseFile.id)
            if not moved:
                raise AnswerRefused("closed")
    except AnswerRefused:
        raise
    except Exception as exc:
        if is_integrity_error(exc):  # the same reply answered at the same moment
            raise AnswerRefused("already_answered") from exc
        raise
    return event_id


async def erase_contact(receipt: str | None, now: datetime, network: str | None = None
                        ) -> bool:
    """Withdraw the consent: delete the contact kept for the receipt's case (audited).
    False when there is no case or no contact (nothing written)."""
    code = normalise_receipt(receipt)
    if code is None:
        return False
    async with transaction():
        case = await CaseFile.select(CaseFile.response_id, CaseFile.receipt).where(
            CaseFile.receipt == code).first()
        if case is None:
            return False
        gone = await CaseContact.delete().where(
            CaseContact.response_id == case["response_id"]).returning(CaseContact.id)
        if not gone:
            return False
        await record(Actor(email=CITIZEN, network=network), "case.contact_erased", "case",
                     case["receipt"], old={"contact": "kept"}, new={"contact": "erased"},
                     at=now)
    return True

