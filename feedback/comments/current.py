"""The current labels of stored comments: the newest staff correction of each, else the
classifier in use (`feedback.comments.classifier.current_model`). Shared by the urgent
comment alerts (`feedback.alerts.raising`) and the cases opened from comments
(`feedback.cases.opening`)."""

from __future__ import annotations

import asyncio
from typing import Any

from feedback.comments.classifier import current_model
from feedback.comments.masking import mask
from feedback.comments.tables import CommentLabel


async def current_labels(rows: list[dict[str, Any]]) -> dict[int, tuple[str, str, bool, tuple]]:
    """(element, sentiment, urgent, terms) per response of `rows` (each with `id` and
    `comment`): the newest correction, else the model in use (on the masked comment)."""
    out: dict[int, tuple[str, str, bool, tuple]] = {}
    if not rows:
        return out
    model = await current_model()
    texts = [mask(r["comment"]) for r in rows]
    classified = await asyncio.to_thread(model.classify, texts)
    for row, label in zip(rows, classified, strict=True):
        if label is not None:
            out[row["id"]] = (label.element, label.sentiment, label.urgent,
                              label.urgent_terms)
    ids = [r["id"] for r in rows]
    for start in range(0, len(ids), 500):
        for c in await CommentLabel.select(
                CommentLabel.response, CommentLabel.element, CommentLabel.sentiment,
                CommentLabel.urgent).where(
                CommentLabel.response.is_in(ids[start:start + 500])).order_by(CommentLabel.id):
            out[c["response"]] = (c["element"], c["sentiment"], bool(c["urgent"]), ())
    return out
