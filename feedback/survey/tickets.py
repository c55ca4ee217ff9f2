"""Ticket tokens in the database: checking, consuming (once) and minting."""

from __future__ import annotations

from datetime import datetime, timedelta

from feedback.org.counters import CounterInfo
from feedback.survey.tokens import (
    OFFLINE_PREFIX,
    TokenError,
    new_server_token,
    normalise,
    verify_offline,
)
from feedback.tables import TicketToken

# ---------------------------------------------------------------------------- tokens

_CONSUME_SERVER_SQL = (
    'UPDATE "ticket_token" SET "used_at" = {} '
    'WHERE "code" = {} AND "counter" = {} AND "used_at" IS NULL AND "expires_at" > {} '
    'RETURNING "id"'
)
_CONSUME_OFFLINE_SQL = (
    'INSERT INTO "ticket_token" ("code", "counter", "kind", "created_at", "expires_at", '
    '"used_at") VALUES ({}, {}, {}, {}, {}, {}) ON CONFLICT ("code") DO NOTHING RETURNING "id"'
)


async def check_token(counter: CounterInfo, token: str, now: datetime, ttl: timedelta) -> None:
    """Would this token be accepted now? Raises TokenError; changes nothing."""
    code = normalise(token)
    if code.startswith(OFFLINE_PREFIX):
        verify_offline(code, counter.secret, counter.code, now, ttl)
        used = await TicketToken.exists().where(TicketToken.code == code)
        if used:
            raise TokenError("token_used")
        return
    await _server_token_state(counter, code, now)


async def _server_token_state(counter: CounterInfo, code: str, now: datetime) -> None:
    row = await (
        TicketToken.select(TicketToken.counter, TicketToken.expires_at, TicketToken.used_at)
        .where(TicketToken.code == code)
        .first()
    )
    if row is None:
        raise TokenError("token_unknown")
    if row["counter"] != counter.id:
        raise TokenError("token_other_counter")
    if row["used_at"] is not None:
        raise TokenError("token_used")
    if row["expires_at"] <= now:
        raise TokenError("token_expired")


async def consume(counter: CounterInfo, code: str, now: datetime, ttl: timedelta) -> None:
    """Mark a token used, atomically (inside the batch transaction). Raises TokenError."""
    if code.startswith(OFFLINE_PREFIX):
        parsed = verify_offline(code, counter.secret, counter.code, now, ttl)
        rows = await TicketToken.raw(
            _CONSUME_OFFLINE_SQL, code, counter.id, "offline", parsed.issued_at,
            parsed.issued_at + ttl, now,
        )
        if not rows:
            raise TokenError("token_used")
        return
    rows = await TicketToken.raw(_CONSUME_SERVER_SQL, now, code, counter.id, now)
    if not rows:
        await _server_token_state(counter, code, now)
        raise TokenError("token_used")  # lost a race with a simultaneous use


async def mint_server_tokens(counter_id: int, count: int, now: datetime,
                             ttl: timedelta) -> list[TicketToken]:
    """Create `count` one-time server tokens for a counter."""
    rows = [
        TicketToken(code=new_server_token(), counter=counter_id, kind="server",
                    created_at=now, expires_at=now + ttl)
        for _ in range(count)
    ]
    await TicketToken.insert(*rows)
    return rows
