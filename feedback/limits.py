"""Abuse limits shared by every worker process (stored in the database, never in memory).

- `device_allowed`: a device may rate the same counter again only after an interval.
- `rate_hit`: fixed-window request counter per client key (a salted hash, not an IP).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from feedback.tables import DeviceSeen, RateWindow

_DEVICE_SQL = (
    'INSERT INTO "device_seen" ("key", "last_at") VALUES ({}, {}) '
    'ON CONFLICT ("key") DO UPDATE SET "last_at" = excluded."last_at" '
    'WHERE "device_seen"."last_at" <= {} RETURNING "key"'
)
_RATE_SQL = (
    'INSERT INTO "rate_window" ("key", "window", "hits") VALUES ({}, {}, 1) '
    'ON CONFLICT ("key") DO UPDATE SET '
    '"hits" = CASE WHEN "rate_window"."window" = excluded."window" '
    'THEN "rate_window"."hits" + 1 ELSE 1 END, "window" = excluded."window" '
    'RETURNING "hits"'
)


async def device_allowed(key: str, now: datetime, interval: timedelta) -> bool:
    """Record a submission by `key` at `now` if its previous one is at least `interval` old.
    Atomic: of two simultaneous submissions by one device, one wins."""
    rows = await DeviceSeen.raw(_DEVICE_SQL, key, now, now - interval)
    return bool(rows)


async def rate_hit(key: str, now: datetime, limit: int, window_seconds: int) -> bool:
    """Count one request for `key`; False once `limit` requests fell in the current window."""
    window = int(now.timestamp()) // window_seconds
    rows = await RateWindow.raw(_RATE_SQL, key, window)
    return rows[0]["hits"] <= limit
