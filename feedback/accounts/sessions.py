"""Server-side staff sessions in the database (the web's session store uses these), so
every worker sees the same sessions and a session can be revoked everywhere at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from feedback.accounts.tables import StaffSession
from feedback.engine import transaction


async def load(key: str, now: datetime, renew_for: timedelta | None = None) -> bytes | None:
    """The data of a live session (an expired one is deleted); `renew_for` moves a session's
    expiry to now + renew_for (the idle timeout)."""
    row = await StaffSession.select(StaffSession.data, StaffSession.expires_at).where(
        StaffSession.key == key).first()
    if row is None:
        return None
    if row["expires_at"] is not None and row["expires_at"] <= now:
        await StaffSession.delete().where(StaffSession.key == key)
        return None
    if renew_for is not None and row["expires_at"] is not None:
        await StaffSession.update({StaffSession.expires_at: now + renew_for}).where(
            StaffSession.key == key)
    return bytes(row["data"])


async def save(key: str, data: bytes, now: datetime, expires_in: timedelta | None,
               user_id: int | None) -> None:
    """Create or replace a session."""
    expires_at = now + expires_in if expires_in is not None else None
    async with transaction():
        updated = await StaffSession.update(
            {StaffSession.data: data, StaffSession.expires_at: expires_at,
             StaffSession.user_id: user_id}
        ).where(StaffSession.key == key).returning(StaffSession.id)
        if not updated:
            await StaffSession.insert(StaffSession(key=key, data=data, user_id=user_id,
                                                   expires_at=expires_at, created_at=now))


async def delete(key: str) -> None:
    await StaffSession.delete().where(StaffSession.key == key)


async def delete_all() -> None:
    await StaffSession.delete(force=True)


async def expires_at(key: str) -> datetime | None:
    row = await StaffSession.select(StaffSession.expires_at).where(
        StaffSession.key == key).first()
    return row["expires_at"] if row else None


async def revoke_user(user_id: int) -> int:
    """End every session of a user; the number ended."""
    rows = await StaffSession.delete().where(StaffSession.user_id == user_id).returning(
        StaffSession.id)
    return len(rows)


async def purge(now: datetime) -> int:
    rows = await StaffSession.delete().where(StaffSession.expires_at <= now).returning(
        StaffSession.id)
    return len(rows)
