"""Abuse limits shared by every worker process (stored in the database, never in memory).
Each function handles a whole batch of submissions with one multi-row upsert, inside the
caller's transaction.

- `device_marks`: a device may rate the same counter again only after an interval.
- `rate_hits`: fixed-window request counters per client key (a salted hash, not an IP).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from feedback.sql import insert_rows

# The upserts' tails, shared with the combined statements of `feedback.survey.statements`.
DEVICE_UPSERT = ('ON CONFLICT ("key") DO UPDATE SET "last_at" = excluded."last_at" '
                 'WHERE "device_seen"."last_at" <= ? RETURNING "key"')
RATE_UPSERT = ('ON CONFLICT ("key") DO UPDATE SET '
               '"hits" = CASE WHEN "rate_window"."window" = excluded."window" '
               'THEN "rate_window"."hits" + excluded."hits" ELSE excluded."hits" END, '
               '"window" = excluded."window" RETURNING "key", "hits"')


async def device_marks(keys: Sequence[str], now: datetime, interval: timedelta) -> set[str]:
    """Record a submission at `now` for each distinct device key whose previous one is at
    least `interval` old; return the keys that were allowed. Atomic per key: of two
    simultaneous submissions by one device, one wins."""
    keys = sorted(set(keys))
    if not keys:
        return set()
    rows = await insert_rows(
        "device_seen", (("key", "varchar"), ("last_at", "timestamptz")),
        [(key, now) for key in keys], DEVICE_UPSERT, (now - interval,),
    )
    return {row["key"] for row in rows}


async def rate_hits(
    counts: Mapping[str, int], now: datetime, window_seconds: int
) -> dict[str, int]:
    """Add `counts[key]` requests to each key's current window; return each key's total in
    the window after adding."""
    if not counts:
        return {}
    window = int(now.timestamp()) // window_seconds
    keys = sorted(counts)
    rows = await insert_rows(
        "rate_window", (("key", "varchar"), ("window", "integer"), ("hits", "integer")),
        [(key, window, counts[key]) for key in keys], RATE_UPSERT,
    )
    return {row["key"]: row["hits"] for row in rows}
