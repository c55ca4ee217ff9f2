"""Local time: the city runs on WITA (Asia/Makassar, UTC+8); storage is UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

WITA = ZoneInfo("Asia/Makassar")


def wita_day(moment: datetime) -> date:
    return moment.astimezone(WITA).date()


def aware(value: Any) -> Any:
    """A moment read at the driver level as an aware datetime: SQLite gives ISO text and may
    give naive values (stored in UTC), PostgreSQL aware datetimes; None stays None."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
