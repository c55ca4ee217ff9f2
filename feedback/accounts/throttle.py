"""Sign-in throttling, shared by every worker (in the database): failures are counted per
account (its e-mail) and per network (a salted hash) in a fixed window that starts at the
first failure. While a key is at its limit, attempts are refused without checking the
password, until the window has passed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from feedback.accounts.tables import SignInThrottle
from feedback.engine import transaction
from feedback.sql import fetch

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5  # failures per account per window
NETWORK_LIMIT = 20  # failures per network per window


@dataclass(frozen=True)
class Limit:
    key: str
    limit: int


def account_key(email: str) -> str:
    return "acct:" + email.strip().lower()[:254]


def network_key(network_hash: str) -> str:
    return "net:" + network_hash


async def blocked(limits: Sequence[Limit], now: datetime) -> timedelta | None:
    """How long until the next attempt is allowed, when any key is at its limit."""
    keys = [item.key for item in limits]
    rows = await SignInThrottle.select().where(
        SignInThrottle.key.is_in(keys) & (SignInThrottle.first_at > now - WINDOW)
    )
    wait: timedelta | None = None
    limit_of = {item.key: item.limit for item in limits}
    for row in rows:
        if row["failures"] >= limit_of[row["key"]]:
            left = row["first_at"] + WINDOW - now
            wait = left if wait is None else max(wait, left)
    return wait


async def add_failure(keys: Sequence[str], now: datetime) -> None:
    """Count one failure for each key (atomic per key; a window that has passed starts
    again at `now`)."""
    async with transaction():
        for key in sorted(set(keys)):
            await fetch(
                'INSERT INTO "sign_in_throttle" ("key", "first_at", "failures") '
                "VALUES (?, ?, 1) "
                'ON CONFLICT ("key") DO UPDATE SET '
                '"failures" = CASE WHEN "sign_in_throttle"."first_at" > ? '
                'THEN "sign_in_throttle"."failures" + 1 ELSE 1 END, '
                '"first_at" = CASE WHEN "sign_in_throttle"."first_at" > ? '
                'THEN "sign_in_throttle"."first_at" ELSE excluded."first_at" END',
                key, now, now - WINDOW, now - WINDOW,
            )


async def clear(key: str) -> None:
    """A successful sign-in clears the account's failures (not the network's)."""
    await SignInThrottle.delete().where(SignInThrottle.key == key)


async def purge(now: datetime) -> int:
    """Remove windows that have passed."""
    rows = await SignInThrottle.delete().where(SignInThrottle.first_at <= now - WINDOW
                                               ).returning(SignInThrottle.id)
    return len(rows)
