"""Staff corrections of a comment's labels (element, sentiment, urgent), audited.

`correct_label` stores a correction of one response's comment: unit users for their own
unit, agency users for the units of their agency (the roles of `CORRECTORS`; officers,
city and admin do not correct labels). Corrections are append-only (`comment_label`); a
response's label is its newest correction. Each one is written with its audit row
(`comment.label`, object `response`, the response id; old = the previous correction or
None) in one transaction. A correction that repeats the current one writes nothing.

`corrected_comments` gives the current correction of every corrected comment (the text
masked, `feedback.comments.masking`): what `suara comments retrain` folds into the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feedback.accounts.audit import Actor, record
from feedback.accounts.scope import Scope
from feedback.comments.masking import mask
from feedback.comments.tables import CommentLabel
from feedback.engine import transaction
from feedback.org.scoped import NotAllowed, NotFound
from feedback.tables import Response
from scoring.comments.corpus import ELEMENT_LABELS, SENTIMENTS

CORRECTORS = ("unit", "agency")
AUDIT_ACTION = "comment.label"
AUDIT_OBJECT = "response"

__all__ = ["CORRECTORS", "Correction", "CorrectedComment", "NotAllowed", "NotFound",
           "correct_label", "corrected_comments", "current_correction"]


@dataclass(frozen=True)
class Correction:
    id: int
    response_id: int
    element: str
    sentiment: str
    urgent: bool
    corrected_by: str
    corrected_at: datetime

    def labels(self) -> dict[str, Any]:
        return {"element": self.element, "sentiment": self.sentiment, "urgent": self.urgent}


@dataclass(frozen=True)
class CorrectedComment:
    correction_id: int
    response_id: int
    text: str  # masked
    element: str
    sentiment: str
    urgent: bool


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _correction(row: dict[str, Any]) -> Correction:
    return Correction(id=row["id"], response_id=row["response"], element=row["element"],
                      sentiment=row["sentiment"], urgent=bool(row["urgent"]),
                      corrected_by=row["corrected_by"],
                      corrected_at=_as_datetime(row["corrected_at"]))


def check_labels(element: str, sentiment: str) -> None:
    """Raise ValueError for an element or sentiment outside the classifier's labels."""
    if element not in ELEMENT_LABELS:
        raise ValueError(f"unknown element {element!r}")
    if sentiment not in SENTIMENTS:
        raise ValueError(f"unknown sentiment {sentiment!r}")


async def current_correction(response_id: int) -> Correction | None:
    row = await CommentLabel.select().where(CommentLabel.response == response_id).order_by(
        CommentLabel.id, ascending=False).first()
    return None if row is None else _correction(row)


async def correct_label(actor: Actor, scope: Scope, response_id: int, element: str,
                        sentiment: str, urgent: bool,
                        at: datetime | None = None) -> tuple[Correction, bool]:
    """Store `scope`'s correction of a response's comment labels, audited. Returns the
    response's correction and whether anything was written. Raises NotAllowed for a role
    that does not correct labels, NotFound for an unknown response or one outside the
    scope (indistinguishable), ValueError for an unknown label or a response without a
    comment."""
    if scope.role not in CORRECTORS:
        raise NotAllowed(scope.role)
    check_labels(element, sentiment)
    if not isinstance(urgent, bool):
        raise ValueError("urgent must be true or false")
    now = at or datetime.now(UTC)
    async with transaction():
        row = await Response.select(Response.id, Response.unit, Response.comment,
                                    Response.unit.agency.as_alias("agency")).where(
            Response.id == response_id).first()
        if row is None or not scope.can_see_unit(row["unit"], row["agency"]):
            raise NotFound(str(response_id))
        if row["comment"] is None or not row["comment"].strip():
            raise ValueError("the response has no comment")
        before = await current_correction(response_id)
        new = {"element": element, "sentiment": sentiment, "urgent": urgent}
        if before is not None and before.labels() == new:
            return before, False
        saved = CommentLabel(response=response_id, element=element, sentiment=sentiment,
                             urgent=urgent, corrected_by=actor.email[:254],
                             corrected_by_id=actor.id, corrected_at=now)
        await saved.save()
        await record(actor, AUDIT_ACTION, AUDIT_OBJECT, str(response_id),
                     old=None if before is None else before.labels(), new=new, at=now)
    correction = await current_correction(response_id)
    assert correction is not None
    return correction, True


async def corrected_comments(through: int | None = None) -> list[CorrectedComment]:
    """The newest correction of each corrected comment among corrections with id ≤
    `through` (None: all), by response id; texts masked."""
    query = CommentLabel.select(
        CommentLabel.id, CommentLabel.response, CommentLabel.element, CommentLabel.sentiment,
        CommentLabel.urgent, CommentLabel.response.comment.as_alias("comment"),
    ).order_by(CommentLabel.id)
    if through is not None:
        query = query.where(CommentLabel.id <= through)
    latest: dict[int, dict[str, Any]] = {}
    for row in await query:
        latest[row["response"]] = row  # ascending ids: the newest one stays
    return [CorrectedComment(correction_id=row["id"], response_id=rid,
                             text=mask(row["comment"] or ""), element=row["element"],
                             sentiment=row["sentiment"], urgent=bool(row["urgent"]))
            for rid, row in sorted(latest.items()) if (row["comment"] or "").strip()]

