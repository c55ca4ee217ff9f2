"""When a response opens a case (`feedback.cases`), and keeping the citizen's contact.

Two ways in:

* At submission (`capture`, called by `feedback.survey.submit.store_batch` in the same
  transaction as the responses, only when some response of the batch came with a contact
  and consent): the response opens a case at once, reason `low_rating`, when
  `is_low_rating` (any answered element 1, or its IKM-scale score, the mean of its answered
  elements × 25, below LOW_SCORE). Its contact is stored (`case_contact`) when the case
  opened, or when the response has a comment (the comment may open a case later);
  otherwise the contact is not stored at all (data minimisation) and the thank-you page
  says so.
* From comments (`open_from_comments`, a step of the periodic case pass): the comments of
  the last LOOKBACK_DAYS days (responses not excluded, no case yet, not checked before) are
  labelled as the urgent-comment alerts label them (the newest staff correction, else the
  classifier in use, `feedback.comments.current`); an urgent comment opens a case with
  reason `urgent`, a negative one (`negatif`) with reason `complaint`. The case is opened
  at the response's `submitted_at`: its clocks count from then. Each response checked is
  recorded in `case_check` (claimed with ON CONFLICT DO NOTHING, so two workers never
  classify one twice), and the contact of a checked comment that opened no case is erased
  in the same transaction.

`suara purge` erases what is left (`feedback.survey.retention`): contacts of cases closed
more than SUARA_CONTACT_RETENTION_DAYS ago, and contacts without a case after a day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from feedback.cases.check_tables import CaseCheck
from feedback.cases.clocks import calendar
from feedback.cases.contact import CONSENT_VERSION, Contact
from feedback.cases.events import Opening, open_cases
from feedback.cases.tables import CaseContact, CaseFile
from feedback.clock import aware
from feedback.comments.current import current_labels
from feedback.engine import transaction
from feedback.tables import Response, Unit

LOW_SCORE = 65  # IKM scale (25–100): below it a response with a contact opens a case
LOOKBACK_DAYS = 3  # comments of the last days the opening pass looks at
NEGATIVE = "negatif"  # the classifier's negative sentiment (scoring.comments.SENTIMENTS)
CHUNK = 500  # rows per statement of the opening pass
TRACKING_PATH = "/lacak?r={receipt}"  # the citizen's tracking page (feedback.cases.tracking)


def is_low_rating(answers: Mapping[str, int]) -> bool:
    """Any answered element 1, or the IKM-scale score (mean of the answered elements × 25)
    below LOW_SCORE; exact (integers: 25·sum < LOW_SCORE·n)."""
    values = [v for v in answers.values() if v is not None]
    if not values:
        return False
    return min(values) == 1 or 25 * sum(values) < LOW_SCORE * len(values)


def comment_reason(label: tuple[str, str, bool, tuple] | None) -> str | None:
    """The reason a comment opens a case with: `urgent`, `complaint` (negative), or None."""
    if label is None:
        return None
    if label[2]:
        return "urgent"
    return "complaint" if label[1] == NEGATIVE else None


def tracking_path(receipt: str) -> str:
    return TRACKING_PATH.format(receipt=receipt)


@dataclass(frozen=True)
class Captured:
    """A response just stored with a contact given with consent."""

    response_id: int
    receipt: str
    counter_id: int
    unit_id: int
    answers: Mapping[str, int]
    has_comment: bool
    contact: Contact
    submitted_at: datetime


@dataclass(frozen=True)
class FollowUp:
    case: bool  # a case is open (or was) for the response
    contact_kept: bool  # its contact is stored


async def capture(items: Sequence[Captured]) -> dict[int, FollowUp]:
    """Open the cases of low ratings and store the contacts worth keeping, inside the
    caller's transaction, in a fixed number of statements whatever the number of items (the
    calendar, the units' agencies, the cases, their events, the contacts). Returns response
    id → FollowUp."""
    if not items:
        return {}
    low = [it for it in items if is_low_rating(it.answers)]
    opened: dict[int, int] = {}
    if low:
        cal = await calendar()
        agencies = {r["id"]: r["agency"] for r in await Unit.select(Unit.id, Unit.agency).where(
            Unit.id.is_in(sorted({it.unit_id for it in low})))}
        opened = await open_cases([
            Opening(response_id=it.response_id, receipt=it.receipt, counter_id=it.counter_id,
                    unit_id=it.unit_id, agency_id=agencies[it.unit_id], reason="low_rating",
                    opened_at=it.submitted_at)
            for it in low], cal)
    kept = [it for it in items if it.response_id in opened or it.has_comment]
    if kept:
        await CaseContact.insert(*(CaseContact(
            response_id=it.response_id, kind=it.contact.kind, value=it.contact.value,
            consent_version=CONSENT_VERSION, consented_at=it.submitted_at) for it in kept))
    kept_ids = {it.response_id for it in kept}
    return {it.response_id: FollowUp(it.response_id in opened, it.response_id in kept_ids)
            for it in items}


async def followup_of(receipt: str) -> FollowUp | None:
    """Whether the response with this receipt has a case and a stored contact (None: no
    such response)."""
    row = await Response.select(Response.id).where(Response.receipt == receipt).first()
    if row is None:
        return None
    case = await CaseFile.exists().where(CaseFile.response_id == row["id"])
    kept = await CaseContact.exists().where(CaseContact.response_id == row["id"])
    return FollowUp(case, kept)


async def open_from_comments(now: datetime, days: int = LOOKBACK_DAYS) -> int:
    """Open the cases of the urgent and negative comments of the last `days` days not
    checked yet (see the module doc); returns how many cases opened."""
    rows = await Response.select(
        Response.id, Response.comment, Response.receipt, Response.counter, Response.unit,
        Response.unit.agency.as_alias("agency_id"), Response.submitted_at).where(
        (Response.submitted_at >= now - timedelta(days=days))
        & (Response.submitted_at <= now) & Response.comment.is_not_null()
        & (Response.excluded == False))  # noqa: E712
    rows = [r for r in rows if r["comment"] and r["comment"].strip()]
    if not rows:
        return 0
    ids = [r["id"] for r in rows]
    done: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        done.update(r["response_id"] for r in await CaseFile.select(
            CaseFile.response_id).where(CaseFile.response_id.is_in(chunk)))
        done.update(r["response_id"] for r in await CaseCheck.select(
            CaseCheck.response_id).where(CaseCheck.response_id.is_in(chunk)))
    rows = [r for r in rows if r["id"] not in done]
    if not rows:
        return 0
    labels = await current_labels(rows)
    reasons = {r["id"]: comment_reason(labels.get(r["id"])) for r in rows}
    async with transaction():
        claimed: set[int] = set()
        for start in range(0, len(rows), CHUNK):
            claimed.update(r["response_id"] for r in await CaseCheck.insert(*(
                CaseCheck(response_id=r["id"], checked_at=now, reason=reasons[r["id"]])
                for r in rows[start:start + CHUNK])).on_conflict(
                action="DO NOTHING").returning(CaseCheck.response_id))
        # A case opened meanwhile (by a resubmission's batch, or another pass) is kept.
        claimed_ids = sorted(claimed)
        cased: set[int] = set()
        for start in range(0, len(claimed_ids), CHUNK):
            cased.update(r["response_id"] for r in await CaseFile.select(
                CaseFile.response_id).where(
                CaseFile.response_id.is_in(claimed_ids[start:start + CHUNK])))
        openings = [
            Opening(response_id=r["id"], receipt=r["receipt"], counter_id=r["counter"],
                    unit_id=r["unit"], agency_id=r["agency_id"], reason=reason,
                    opened_at=aware(r["submitted_at"]))
            for r in rows
            if r["id"] in claimed and r["id"] not in cased
            and (reason := reasons[r["id"]]) is not None]
        if openings:
            await open_cases(openings, await calendar())
        unopened = [i for i in claimed_ids
                    if i not in cased and reasons[i] is None]
        for start in range(0, len(unopened), CHUNK):
            await CaseContact.delete().where(
                CaseContact.response_id.is_in(unopened[start:start + CHUNK]))
    return len(openings)
