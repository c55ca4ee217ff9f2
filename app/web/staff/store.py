"""A Litestar `Store` over the database (feedback.accounts.sessions), for server-side staff
sessions shared by every worker process and host."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from litestar.stores.base import Store

from feedback.accounts import sessions


def _seconds(value: int | timedelta | None) -> timedelta | None:
    if value is None:
        return None
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


def _user_id(data: bytes) -> int | None:
    """The signed-in user a session belongs to (`uid` in the session's JSON), so that all
    sessions of a user can be revoked at once."""
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    uid = value.get("uid") if isinstance(value, dict) else None
    return uid if isinstance(uid, int) and not isinstance(uid, bool) else None


class DatabaseStore(Store):
    """Keys are session ids; values the serialised session. `clock()` gives the current
    aware UTC time (tests move it)."""

    __slots__ = ("clock",)

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or (lambda: datetime.now(UTC))

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
                  ) -> None:
        data = value.encode("utf-8") if isinstance(value, str) else value
        now = self.clock()
        await sessions.save(key, data, now, _seconds(expires_in), _user_id(data))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return await sessions.load(key, self.clock(), _seconds(renew_for))

    async def delete(self, key: str) -> None:
        await sessions.delete(key)

    async def delete_all(self) -> None:
        await sessions.delete_all()

    async def delete_expired(self) -> int:
        return await sessions.purge(self.clock())

    async def exists(self, key: str) -> bool:
        return await sessions.load(key, self.clock()) is not None

    async def expires_in(self, key: str) -> int | None:
        at = await sessions.expires_at(key)
        if at is None:
            return None
        return int((at - self.clock()).total_seconds())
