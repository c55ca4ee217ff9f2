"""The IKM with and without flagged responses, for the unit and city views: the IKM as
counted (excluded responses already left out: the official figure), the IKM without the
responses still pending review (flagged by the newest scan of their counter-hour, no
decision yet), and how many responses are excluded and pending in the period."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np

from feedback.clock import WITA
from feedback.integrity.decisions import _utc
from feedback.integrity.tables import IntegrityDecision, IntegrityFlag
from feedback.performance.periods import Period
from feedback.tables import Response
from scoring.ikm import ELEMENTS, official_ikm


@dataclass(frozen=True)
class IntegrityNote:
    n: int  # counted responses that count (not excluded)
    ikm: float | None  # as counted
    excluded: int  # counted responses excluded by a review
    pending: int  # counted, not excluded, flagged and not decided
    n_without: int
    ikm_without: float | None  # without the pending ones

    @property
    def shown(self) -> bool:
        return bool(self.excluded or self.pending)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _ikm(rows: list[dict[str, Any]]) -> float | None:
    counts = np.zeros((len(ELEMENTS), 4))
    for r in rows:
        answers = _json(r["answers"]) or {}
        for i, e in enumerate(ELEMENTS):
            value = answers.get(e)
            if value:
                counts[i, int(value) - 1] += 1
    return official_ikm(counts, len(rows)).ikm if rows else None


async def pending_ids(start: datetime, end: datetime,
                      counter_ids: Collection[int] | None = None) -> set[int]:
    """Responses flagged by the newest flag of their counter-hour (hours from `start` up to
    `end`) with no decision yet."""
    query = IntegrityFlag.select(IntegrityFlag.id, IntegrityFlag.counter, IntegrityFlag.hour,
                                 IntegrityFlag.response_ids,
                                 IntegrityFlag.counter.code.as_alias("code")).where(
        (IntegrityFlag.hour >= start - timedelta(hours=1)) & (IntegrityFlag.hour < end))
    if counter_ids is not None:
        query = query.where(IntegrityFlag.counter.is_in(list(counter_ids) or [-1]))
    newest: dict[tuple[str, datetime], dict[str, Any]] = {}
    for row in await query:
        key = (row["code"], _utc(row["hour"]))
        if key not in newest or row["id"] > newest[key]["id"]:
            newest[key] = row
    decided: set[tuple[str, datetime, int]] = set()
    for d in await IntegrityDecision.select(IntegrityDecision.counter, IntegrityDecision.hour,
                                            IntegrityDecision.response_ids):
        hour = _utc(d["hour"])
        decided.update((d["counter"], hour, int(i)) for i in _json(d["response_ids"]))
    return {int(i) for (code, hour), row in newest.items()
            for i in _json(row["response_ids"]) if (code, hour, int(i)) not in decided}


async def integrity_note(period: Period, unit_id: int | None = None) -> IntegrityNote:
    """The figures of one unit (or of every unit, for the city) in the period."""
    start = datetime.combine(period.first, time(0), WITA).astimezone(UTC)
    end = datetime.combine(period.last + timedelta(days=1), time(0), WITA).astimezone(UTC)
    where = ((Response.submitted_at >= start) & (Response.submitted_at < end)
             & (Response.counted == True))  # noqa: E712
    if unit_id is not None:
        where = where & (Response.unit == unit_id)
    rows = await Response.select(Response.id, Response.answers, Response.excluded).where(where)
    counted = [r for r in rows if not r["excluded"]]
    pending = await pending_ids(start, end) if counted else set()
    without = [r for r in counted if r["id"] not in pending]
    return IntegrityNote(n=len(counted), ikm=_ikm(counted),
                         excluded=len(rows) - len(counted),
                         pending=len(counted) - len(without), n_without=len(without),
                         ikm_without=_ikm(without))
