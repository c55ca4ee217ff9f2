"""Validating and storing a citizen's response: one transaction, idempotent per submission
key, token-aware, device-interval-aware, aggregates updated in the same transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from feedback.aggregates import daily as aggregates
from feedback.clock import wita_day
from feedback.engine import transaction
from feedback.org.counters import CounterInfo
from feedback.survey import limits, responses
from feedback.survey.receipts import Receipt, find_receipts, new_receipt
from feedback.survey.tickets import consume
from feedback.survey.tokens import TokenError, normalise
from feedback.survey.validate import Draft
from feedback.tables import TicketToken

# ---------------------------------------------------------------------------- storing


class TooSoon(Exception):
    """This device rated this counter less than the configured interval ago."""


class RateLimited(Exception):
    """Too many submissions from one network address in the current minute."""


class Conflict(Exception):
    """The response could not be stored because of a clash; the client should retry."""


@dataclass(frozen=True)
class Policy:
    device_interval: timedelta = timedelta(minutes=15)
    token_ttl: timedelta = timedelta(hours=24)
    rate_limit: int = 60  # submissions per minute per rate key
    rate_window_seconds: int = 60


@dataclass(frozen=True)
class Pending:
    """A validated response waiting to be stored."""

    counter: CounterInfo
    draft: Draft
    channel: str
    lang: str
    submission_key: str
    now: datetime
    token: str | None = None
    device_key: str | None = None  # None: exempt from the device interval (kiosk)
    rate_key: str | None = None  # None: not rate limited


Outcome = Receipt | Exception


async def store_batch(items: list[Pending], policy: Policy) -> list[Outcome]:
    """Store a batch of responses in ONE transaction with a fixed number of statements,
    whatever the batch size. Each item gets its own outcome: a Receipt (`duplicate=True` for
    a submission key already stored), or RateLimited, TooSoon, TokenError or Conflict; one
    refused item never affects the others. Idempotent per submission key."""
    out: list[Outcome | None] = [None] * len(items)
    first_of: dict[str, int] = {}
    for i, item in enumerate(items):
        first_of.setdefault(item.submission_key, i)
    live = [i for i, item in enumerate(items) if first_of[item.submission_key] == i]
    batch_now = max(item.now for item in items)
    inserted: dict[str, int] = {}
    async with transaction():
        stored = await find_receipts([items[i].submission_key for i in live])
        for i in live:
            out[i] = stored.get(items[i].submission_key)
        live = [i for i in live if out[i] is None]
        live = await _rate_limit(items, live, out, batch_now, policy)
        live = await _consume_tokens(items, live, out, batch_now, policy)
        live = await _device_interval(items, live, out, batch_now, policy)
        receipts = {i: new_receipt() for i in live}
        if live:
            inserted = await responses.insert([_row(items[i], receipts[i]) for i in live])
        for i in live:
            item = items[i]
            response_id = inserted.get(item.submission_key)
            if response_id is None:
                continue  # stored concurrently by another worker: looked up below
            out[i] = Receipt(receipts[i], item.now, item.token is not None)
            if item.token is not None:
                await TicketToken.update({TicketToken.response: response_id}).where(
                    TicketToken.code == normalise(item.token))
        await aggregates.apply(aggregates.deltas(
            (items[i].counter.unit_id, wita_day(items[i].now), items[i].draft.answers)
            for i in live if items[i].submission_key in inserted
        ))
    missing = [item.submission_key for i, item in enumerate(items)
               if out[i] is None and first_of[item.submission_key] == i]
    found: dict[str, Receipt] = {}
    if missing:  # stored meanwhile by another worker (rare)
        async with transaction():
            found = await find_receipts(missing)
    results: list[Outcome] = []
    for i, item in enumerate(items):
        outcome = out[i] or out[first_of[item.submission_key]] or found.get(item.submission_key)
        if isinstance(outcome, Receipt) and first_of[item.submission_key] != i:
            outcome = Receipt(outcome.receipt, outcome.submitted_at, outcome.verified, True)
        results.append(outcome if outcome is not None else Conflict())
    return results


def _row(item: Pending, receipt: str) -> tuple[Any, ...]:
    """Values in feedback.survey.responses.COLUMNS order."""
    d, verified = item.draft, item.token is not None
    return (
        item.counter.id, item.counter.unit_id, item.counter.questionnaire_id, d.service_id,
        json.dumps(d.answers), len(d.answers), True, d.gender, d.age_band, d.education,
        d.occupation, d.comment, "ticket" if verified and item.channel == "qr" else item.channel,
        item.lang, item.now, receipt, item.submission_key, verified,
        normalise(item.token) if item.token else None, item.device_key, "[]", False,
    )


async def _rate_limit(items: list[Pending], live: list[int],
                      out: list[Outcome | None], now: datetime, policy: Policy) -> list[int]:
    counts: dict[str, int] = {}
    for i in live:
        if (key := items[i].rate_key) is not None:
            counts[key] = counts.get(key, 0) + 1
    totals = await limits.rate_hits(counts, now, policy.rate_window_seconds)
    seen: dict[str, int] = {}
    kept = []
    for i in live:
        key = items[i].rate_key
        if key is not None:
            seen[key] = seen.get(key, 0) + 1
            if totals[key] - counts[key] + seen[key] > policy.rate_limit:
                out[i] = RateLimited()
                continue
        kept.append(i)
    return kept


async def _consume_tokens(items: list[Pending], live: list[int], out: list[Outcome | None],
                          now: datetime, policy: Policy) -> list[int]:
    kept, used = [], set()
    for i in live:
        item = items[i]
        if item.token is not None:
            code = normalise(item.token)
            try:
                if code in used:
                    raise TokenError("token_used")
                await consume(item.counter, code, now, policy.token_ttl)
                used.add(code)
            except TokenError as exc:
                out[i] = exc
                continue
        kept.append(i)
    return kept


async def _device_interval(items: list[Pending], live: list[int],
                           out: list[Outcome | None], now: datetime,
                           policy: Policy) -> list[int]:
    def mark(i: int) -> str | None:
        item = items[i]
        if item.device_key is None or item.counter.is_kiosk or item.token is not None:
            return None
        return f"{item.counter.id}:{item.device_key}"

    wanted = [m for i in live if (m := mark(i)) is not None]
    allowed = await limits.device_marks(wanted, now, policy.device_interval)
    kept, taken = [], set()
    for i in live:
        m = mark(i)
        if m is not None and (m not in allowed or m in taken):
            out[i] = TooSoon()
            continue
        if m is not None:
            taken.add(m)
        kept.append(i)
    return kept


async def submit(item: Pending, policy: Policy) -> Receipt:
    """Store one response (a batch of one). Raises what `store_batch` reports."""
    outcome = (await store_batch([item], policy))[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


