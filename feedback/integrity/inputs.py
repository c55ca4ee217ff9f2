"""What the screening reads from the database, as the plain inputs of scoring.integrity:
the counted, not-excluded responses of a window and its baseline weeks (`Ratings`), the
counters' opening hours (`CounterFacts`) and the served counts per counter-hour."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np

from feedback.integrity.tables import ServedCount
from feedback.org.hours import HoursError, parse
from feedback.tables import Counter, Response
from scoring.ikm import ELEMENTS
from scoring.integrity import CounterFacts, Ratings

_BATCH = 5000


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _answers(value: Any) -> list[int]:
    if isinstance(value, str):
        value = json.loads(value)
    return [int(value[e]) for e in ELEMENTS if value.get(e)]


def ratings_from_rows(rows: Iterable[dict[str, Any]]) -> Ratings:
    """Ratings from response rows (id, counter, submitted_at, answers, comment, device_hash,
    token)."""
    ids, counters, times, scores, all_four, verified, devices, comments = ([] for _ in range(8))
    for row in rows:
        given = _answers(row["answers"])
        if not given:
            continue
        ids.append(row["id"])
        counters.append(row["counter"])
        times.append(int(_aware(row["submitted_at"]).timestamp()))
        scores.append(sum(given) / len(given))
        all_four.append(all(a == 4 for a in given))
        verified.append(bool(row["token"]))
        devices.append(row["device_hash"] or None)
        comment = row["comment"]
        comments.append(comment if comment and comment.strip() else None)
    return Ratings(id=np.array(ids, dtype=np.int64), counter=np.array(counters, dtype=np.int64),
                   time=np.array(times, dtype=np.int64), score=np.array(scores, dtype=float),
                   all_four=np.array(all_four, dtype=bool),
                   verified=np.array(verified, dtype=bool),
                   device=np.array(devices, dtype=object),
                   comment=np.array(comments, dtype=object))


async def read_ratings(start: datetime, end: datetime) -> Ratings:
    """The counted, not-excluded responses submitted in [start, end)."""
    rows: list[dict[str, Any]] = []
    last_id = 0
    while True:  # in batches of ids, so that a long window never builds one huge result
        batch = await (
            Response.select(Response.id, Response.counter, Response.submitted_at,
                            Response.answers, Response.comment, Response.device_hash,
                            Response.token)
            .where((Response.submitted_at >= start) & (Response.submitted_at < end)
                   & (Response.counted == True)  # noqa: E712
                   & (Response.excluded == False)  # noqa: E712
                   & (Response.id > last_id))
            .order_by(Response.id).limit(_BATCH)
        )
        rows.extend(batch)
        if len(batch) < _BATCH:
            break
        last_id = batch[-1]["id"]
    return ratings_from_rows(rows)


async def read_counters() -> tuple[dict[int, str], dict[int, CounterFacts]]:
    """Counter codes and facts by id. Opening hours that no longer parse count as not given."""
    codes: dict[int, str] = {}
    facts: dict[int, CounterFacts] = {}
    for row in await Counter.select(Counter.id, Counter.code, Counter.opening_hours):
        codes[row["id"]] = row["code"]
        hours = None
        if row["opening_hours"]:
            try:
                hours = parse(row["opening_hours"])
            except HoursError:
                hours = None
        facts[row["id"]] = CounterFacts(hours=hours)
    return codes, facts


async def read_served(start: datetime, end: datetime) -> dict[tuple[int, int], int]:
    """Served counts by (counter id, UTC epoch second of the hour) for hours in [start, end)."""
    rows = await ServedCount.select(ServedCount.counter, ServedCount.hour,
                                    ServedCount.served).where(
        (ServedCount.hour >= start) & (ServedCount.hour < end))
    return {(r["counter"], int(_aware(r["hour"]).timestamp())): r["served"] for r in rows}
