"""The audit log: one append-only row per sign-in attempt and per staff change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feedback.accounts.tables import AuditLog

CLI = "cli"


@dataclass(frozen=True)
class Actor:
    """Who did it: a signed-in staff member (id and e-mail), or the CLI."""

    email: str
    id: int | None = None
    network: str | None = None  # salted network hash of the request, if any


CLI_ACTOR = Actor(email=CLI)


async def record(actor: Actor, action: str, object_type: str, object_key: str,
                 old: dict[str, Any] | None = None, new: dict[str, Any] | None = None,
                 at: datetime | None = None) -> None:
    """Append one row (inside the caller's transaction, if any)."""
    await AuditLog.insert(AuditLog(
        at=at or datetime.now(UTC), actor_id=actor.id, actor=actor.email[:254],
        action=action, object_type=object_type, object_key=object_key[:254],
        old=old, new=new, network=actor.network,
    ))


async def entries(limit: int = 100, object_type: str | None = None,
                  object_key: str | None = None, after_id: int = 0) -> list[dict[str, Any]]:
    """The newest rows first (tests and the admin view)."""
    query = AuditLog.select().where(AuditLog.id > after_id)
    if object_type is not None:
        query = query.where(AuditLog.object_type == object_type)
    if object_key is not None:
        query = query.where(AuditLog.object_key == object_key)
    rows = await query.order_by(AuditLog.id, ascending=False).limit(limit)
    for row in rows:
        for field in ("old", "new"):
            if isinstance(row[field], str):
                row[field] = json.loads(row[field])
    return rows
