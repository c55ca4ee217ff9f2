"""Opening a case and appending to its history: the two writes every case step shares.

`open_cases` opens many at once (the submit path opens the cases of a whole batch in a fixed
number of statements); `open_case` is the one-case form. They run inside the caller's
transaction (`feedback.engine.transaction`); callers check the
case's state first and update `case_file` in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from feedback.accounts.audit import Actor
from feedback.cases.clocks import opening_clocks
from feedback.cases.tables import CITIZEN, REASONS, SYSTEM, CaseEvent, CaseFile
from feedback.cases.workdays import WorkCalendar


def actor_fields(actor: Actor | str) -> dict[str, Any]:
    """`actor`/`actor_id` of an event: a staff Actor, or CITIZEN / SYSTEM."""
    if isinstance(actor, Actor):
        return {"actor": actor.email[:254], "actor_id": actor.id}
    if actor not in (CITIZEN, SYSTEM):
        raise ValueError(f"unknown actor {actor!r}")
    return {"actor": actor, "actor_id": None}


async def add_event(case_id: int, kind: str, actor: Actor | str, at: datetime, *,
                    text: str | None = None, public: bool = False, **fields: Any) -> int:
    """Append one event; returns its id. `fields`: answers_event, from_unit_id, to_unit_id,
    level, outcome."""
    rows = await CaseEvent.insert(CaseEvent(
        case_id=case_id, at=at, kind=kind, text=text, public=public,
        **actor_fields(actor), **fields)).returning(CaseEvent.id)
    return rows[0]["id"]


@dataclass(frozen=True)
class Opening:
    """A case to open for a stored response (see `open_cases`)."""

    response_id: int
    receipt: str
    counter_id: int
    unit_id: int
    agency_id: int
    reason: str
    opened_at: datetime


async def open_case(*, response_id: int, receipt: str, counter_id: int, unit_id: int,
                    agency_id: int, reason: str, opened_at: datetime,
                    cal: WorkCalendar) -> int:
    """Open a case for a stored response (clocks computed and stored now) with its public
    `opened` event; returns the case id. One case per response: the unique `response_id`
    makes a second opening an integrity error, which callers avoid by checking first."""
    opened = await open_cases([Opening(response_id, receipt, counter_id, unit_id, agency_id,
                                       reason, opened_at)], cal)
    return opened[response_id]


async def open_cases(openings: Sequence[Opening], cal: WorkCalendar) -> dict[int, int]:
    """`open_case` for many responses in two statements (the cases, their `opened` events),
    whatever their number; returns response id → case id."""
    if not openings:
        return {}
    for o in openings:
        if o.reason not in REASONS:
            raise ValueError(f"unknown reason {o.reason!r}")
    cases = []
    for o in openings:
        clocks = opening_clocks(cal, o.opened_at)
        cases.append(CaseFile(
            response_id=o.response_id, receipt=o.receipt, counter_id=o.counter_id,
            unit_id=o.unit_id, agency_id=o.agency_id, reason=o.reason, status="open",
            level="unit", opened_at=o.opened_at, verify_due=clocks.verify_due,
            follow_up_due=clocks.follow_up_due, updated_at=o.opened_at))
    rows = await CaseFile.insert(*cases).returning(CaseFile.id, CaseFile.response_id)
    ids = {r["response_id"]: r["id"] for r in rows}
    await CaseEvent.insert(*(CaseEvent(
        case_id=ids[o.response_id], at=o.opened_at, kind="opened", public=True,
        to_unit_id=o.unit_id, level="unit", **actor_fields(SYSTEM)) for o in openings))
    return ids
