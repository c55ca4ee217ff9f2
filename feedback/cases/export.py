"""The cases to export in SP4N-LAPOR!-style fields (`app.output.cases_csv` writes the file).

One `ExportCase` per case opened in a range of WITA days, limited to a scope (None: every
case). It never reads the contact (`case_contact`). The comment is masked
(`feedback.comments.masking`); a case without a comment is described by its low ratings
(1 or 2). The category is the element of the comment's newest staff label
(`comment_label`), when there is one and it names an SKM element.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from feedback.accounts.scope import Scope
from feedback.cases.tables import CaseEvent, CaseFile
from feedback.clock import WITA, aware
from feedback.comments.masking import mask
from feedback.comments.tables import CommentLabel
from feedback.tables import Agency, Response, Unit
from scoring.ikm import ELEMENTS

LOW = (1, 2)  # ratings that describe a case without a comment


@dataclass(frozen=True)
class ExportCase:
    receipt: str
    opened_at: datetime  # aware
    channel: str
    agency_name: str
    unit_name: str
    element: str | None  # the comment's labelled SKM element, if any
    comment: str | None  # masked
    low_ratings: tuple[tuple[str, int], ...]  # (element, rating) with rating 1 or 2
    status: str
    verified_at: datetime | None
    answered_at: datetime | None
    last_reply: str | None
    closed_at: datetime | None
    outcome: str | None


def _answers(value: Any) -> dict[str, int]:
    if isinstance(value, str):
        value = json.loads(value)
    return {e: int(value[e]) for e in ELEMENTS if (value or {}).get(e)}


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC moments from the start of WITA day `first` to the start of the day after
    `last`."""
    start = datetime.combine(first, time(0), WITA).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), WITA).astimezone(UTC)
    return start, end


async def export_cases(first: date, last: date, scope: Scope | None = None
                       ) -> list[ExportCase]:
    """The cases opened from WITA day `first` to `last` (inclusive) that `scope` sees
    (None: all), oldest first."""
    if first > last:
        raise ValueError("first after last")
    start, end = day_bounds(first, last)
    query = CaseFile.select().where((CaseFile.opened_at >= start) & (CaseFile.opened_at < end))
    if scope is not None:
        clause = scope.unit_where(CaseFile.unit_id, CaseFile.agency_id)
        if clause is not None:
            query = query.where(clause)
    cases = await query.order_by(CaseFile.opened_at).order_by(CaseFile.id)
    if not cases:
        return []
    case_ids = [c["id"] for c in cases]
    response_ids = [c["response_id"] for c in cases]
    responses = {r["id"]: r for r in await Response.select(
        Response.id, Response.answers, Response.comment, Response.channel,
    ).where(Response.id.is_in(response_ids))}
    labels: dict[int, str] = {}
    for row in await CommentLabel.select(CommentLabel.response, CommentLabel.element).where(
            CommentLabel.response.is_in(response_ids)).order_by(CommentLabel.id):
        labels[row["response"]] = row["element"]  # ascending ids: the newest one stays
    replies: dict[int, str] = {}
    for row in await CaseEvent.select(CaseEvent.case_id, CaseEvent.text).where(
            CaseEvent.case_id.is_in(case_ids) & (CaseEvent.kind == "replied")
    ).order_by(CaseEvent.at).order_by(CaseEvent.id):
        replies[row["case_id"]] = row["text"] or ""
    units = {u["id"]: u["name"] for u in await Unit.select(Unit.id, Unit.name).where(
        Unit.id.is_in(sorted({c["unit_id"] for c in cases})))}
    agencies = {a["id"]: a["name"] for a in await Agency.select(Agency.id, Agency.name).where(
        Agency.id.is_in(sorted({c["agency_id"] for c in cases})))}
    out = []
    for c in cases:
        response = responses.get(c["response_id"]) or {}
        answers = _answers(response.get("answers"))
        comment = (response.get("comment") or "").strip()
        element = labels.get(c["response_id"])
        out.append(ExportCase(
            receipt=c["receipt"], opened_at=aware(c["opened_at"]),
            channel=response.get("channel") or "",
            agency_name=agencies.get(c["agency_id"], ""), unit_name=units.get(c["unit_id"], ""),
            element=element if element in ELEMENTS and comment else None,
            comment=mask(comment) if comment else None,
            low_ratings=tuple((e, r) for e, r in answers.items() if r in LOW),
            status=c["status"], verified_at=aware(c["verified_at"]),
            answered_at=aware(c["answered_at"]), last_reply=replies.get(c["id"]),
            closed_at=aware(c["closed_at"]), outcome=c["outcome"]))
    return out
