"""Opening a case and appending to its history: the two writes every case step shares.

Both run inside the caller's transaction (`feedback.engine.transaction`); callers check the
case's state first and update `case_file` in the same transaction.
"""

from __future__ import annotations

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


async def open_case(*, response_id: int, receipt: str, counter_id: int, unit_id: int,
                    agency_id: int, reason: str, opened_at: datetime,
                    cal: WorkCalendar) -> int:
    """Open a case for a stored response (clocks computed and stored now) with its public
    `opened` event; returns the case id. One case per response: the unique `response_id`
    makes a second opening an integrity error, which callers avoid by checking first."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    clocks = opening_clocks(cal, opened_at)
    rows = await CaseFile.insert(CaseFile(
        response_id=response_id, receipt=receipt, counter_id=counter_id, unit_id=unit_id,
        agency_id=agency_id, reason=reason, status="open", level="unit",
        opened_at=opened_at, verify_due=clocks.verify_due,
        follow_up_due=clocks.follow_up_due, updated_at=opened_at,
    )).returning(CaseFile.id)
    case_id = rows[0]["id"]
    await add_event(case_id, "opened", SYSTEM, opened_at, public=True, to_unit_id=unit_id,
                    level="unit")
    return case_id
