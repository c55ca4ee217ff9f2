"""Data retention (UU PDP 27/2022): erase what is no longer needed for its purpose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from feedback.tables import DeviceSeen, RateWindow, Response


@dataclass(frozen=True)
class Purged:
    device_codes: int
    device_marks: int
    rate_windows: int


async def purge(now: datetime, device_retention: timedelta, device_interval: timedelta) -> Purged:
    """Erase device codes on responses older than the retention period, and limit records
    that can no longer limit anything."""
    old = await (
        Response.update({Response.device_hash: None})
        .where((Response.submitted_at < now - device_retention)
               & Response.device_hash.is_not_null())
        .returning(Response.id)
    )
    marks = await (
        DeviceSeen.delete().where(DeviceSeen.last_at < now - device_interval)
        .returning(DeviceSeen.id)
    )
    windows = await (
        RateWindow.delete().where(RateWindow.window < int(now.timestamp()) // 60 - 1)
        .returning(RateWindow.id)
    )
    return Purged(len(old), len(marks), len(windows))
