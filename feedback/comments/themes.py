"""Comment themes of a unit for staff: every comment of a period labelled with its SKM
element, sentiment and urgency, counted per element and sentiment, filtered and paged.

Readers are those of the comment list (`feedback.comments.listing.READERS`: unit, agency,
city, within their scope). Comments of excluded responses are left out, texts are masked
(`feedback.comments.masking`, Indonesian markers for the model, the page's language for
display) before they are classified or shown. A comment's label is
its newest staff correction (`feedback.comments.labels`), else the model in use
(`feedback.comments.classifier.current_model`). Model labels are kept in memory per
process, keyed by model version, response id and text, so a page classifies only comments
it has not seen.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from feedback.accounts.scope import Scope
from feedback.clock import WITA
from feedback.comments.classifier import current_model
from feedback.comments.listing import MAX_PAGE, MAX_PER_PAGE, READERS, _as_datetime, _bounds
from feedback.comments.masking import MARKERS_ID, mask
from feedback.comments.tables import CommentLabel
from feedback.org.scoped import visible_unit
from feedback.performance.periods import Period
from feedback.tables import Response
from scoring.comments.corpus import ELEMENT_LABELS, SENTIMENTS

_CACHE_SIZE = 50_000
_LABELS: OrderedDict[tuple[str, int, str], tuple[str, str, bool]] = OrderedDict()


@dataclass(frozen=True)
class LabelledComment:
    id: int
    submitted_at: datetime  # WITA
    text: str  # masked
    element: str
    sentiment: str
    urgent: bool
    corrected: bool  # the label is a staff correction, not the model's


@dataclass(frozen=True)
class Themes:
    unit_id: int
    unit_code: str
    unit_name: str
    counts: dict[tuple[str, str], int]  # (element, sentiment) → comments, every pair
    total: int
    urgent: int
    corrected: int
    model_version: str
    comments: tuple[LabelledComment, ...]  # the filtered page, newest first
    matching: int  # comments that pass the filters
    page: int
    per_page: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.matching

    def element_total(self, element: str) -> int:
        return sum(self.counts[element, s] for s in SENTIMENTS)

    def sentiment_total(self, sentiment: str) -> int:
        return sum(self.counts[e, sentiment] for e in ELEMENT_LABELS)


async def _model_labels(rows: list[dict[str, Any]]) -> tuple[str, dict[int, tuple]]:
    model = await current_model()
    version = model.model_version
    keys = {r["id"]: (version, r["id"], r["raw"]) for r in rows}
    missing = [r for r in rows if keys[r["id"]] not in _LABELS]
    if missing:
        labels = model.classify([mask(r["raw"]) for r in missing])
        for row, label in zip(missing, labels, strict=True):
            if label is not None:
                _LABELS[keys[row["id"]]] = (label.element, label.sentiment, label.urgent)
        while len(_LABELS) > _CACHE_SIZE:
            _LABELS.popitem(last=False)
    return version, {rid: _LABELS[key] for rid, key in keys.items() if key in _LABELS}


async def _corrections(ids: list[int]) -> dict[int, tuple[str, str, bool]]:
    out: dict[int, tuple[str, str, bool]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = await CommentLabel.select(
            CommentLabel.response, CommentLabel.element, CommentLabel.sentiment,
            CommentLabel.urgent).where(CommentLabel.response.is_in(chunk)).order_by(
            CommentLabel.id)
        for row in rows:  # ascending: the newest correction stays
            out[row["response"]] = (row["element"], row["sentiment"], bool(row["urgent"]))
    return out


async def unit_themes(scope: Scope, unit_code: str, period: Period | None, *,
                      element: str | None = None, sentiment: str | None = None,
                      urgent: bool | None = None, page: int = 1, per_page: int = 20,
                      markers: Mapping[str, str] = MARKERS_ID) -> Themes:
    """The unit's labelled comments of `period` (WITA days; None: any time). Filters:
    `element` (an SKM code or `lainnya`), `sentiment`, `urgent` (True: urgent only).
    Raises NotAllowed / NotFound (scope), ValueError (an unknown filter value or a page
    outside its bounds)."""
    unit = await visible_unit(scope, unit_code, READERS)
    if element is not None and element not in ELEMENT_LABELS:
        raise ValueError(f"unknown element {element!r}")
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise ValueError(f"unknown sentiment {sentiment!r}")
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError("page out of range")
    query = Response.select(Response.id, Response.submitted_at, Response.comment).where(
        (Response.unit == unit["id"]) & Response.comment.is_not_null()
        & (Response.excluded == False))  # noqa: E712
    bounds = _bounds(period)
    if bounds is not None:
        query = query.where((Response.submitted_at >= bounds[0])
                            & (Response.submitted_at < bounds[1]))
    rows = [{"id": r["id"], "at": _as_datetime(r["submitted_at"]), "raw": r["comment"],
             "text": mask(r["comment"], markers)}
            for r in await query.order_by(Response.submitted_at, ascending=False)
            .order_by(Response.id, ascending=False)
            if r["comment"] and r["comment"].strip()]
    version, model_labels = await _model_labels(rows)
    corrections = await _corrections([r["id"] for r in rows])
    counts: Counter[tuple[str, str]] = Counter()
    labelled = []
    for r in rows:
        label = corrections.get(r["id"]) or model_labels.get(r["id"])
        if label is None:
            continue
        counts[label[0], label[1]] += 1
        labelled.append(LabelledComment(
            id=r["id"], submitted_at=r["at"].astimezone(WITA), text=r["text"],
            element=label[0], sentiment=label[1], urgent=label[2],
            corrected=r["id"] in corrections))
    matching = [c for c in labelled
                if (element is None or c.element == element)
                and (sentiment is None or c.sentiment == sentiment)
                and (not urgent or c.urgent)]
    first = (page - 1) * per_page
    return Themes(
        unit_id=unit["id"], unit_code=unit["code"], unit_name=unit["name"],
        counts={(e, s): counts[e, s] for e in ELEMENT_LABELS for s in SENTIMENTS},
        total=len(labelled), urgent=sum(c.urgent for c in labelled),
        corrected=sum(c.corrected for c in labelled), model_version=version,
        comments=tuple(matching[first:first + per_page]), matching=len(matching),
        page=page, per_page=per_page)
