"""The submit step, decided once for the citizen form and the JSON API: validate → store →
outcome (`feedback.survey.outcomes`). Storing is one transaction per batch, idempotent per
submission key, token-aware, device-interval-aware, with aggregates updated in the same
transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from feedback.aggregates import daily as aggregates
from feedback.cases import opening
from feedback.clock import wita_day
from feedback.engine import is_unavailable, transaction
from feedback.org.counters import CounterInfo, load_counter
from feedback.survey import receipts, responses, statements, validate
from feedback.survey.outcomes import (
    Conflict,
    Duplicate,
    Invalid,
    Outcome,
    RateLimited,
    Stored,
    TokenRefused,
    TooSoon,
    Unavailable,
    UnknownCounter,
)
from feedback.survey.receipts import Receipt, find_receipts
from feedback.survey.tickets import consume
from feedback.survey.tokens import TokenError, looks_like_token, normalise
from feedback.survey.validate import Draft
from feedback.tables import TicketToken

# ---------------------------------------------------------------------------- the submit step


@dataclass(frozen=True)
class Submission:
    """A submission as it arrives (form fields or JSON), before validation."""

    counter: str  # the counter's public code
    answers: Mapping[str, Any]
    submission_key: str
    channel: str  # qr, kiosk or web (a verified qr becomes ticket)
    lang: str
    service: Any = None
    profile: Mapping[str, Any] = field(default_factory=dict)
    comment: Any = None
    token: str | None = None
    device_key: str | None = None  # the device's pseudonymous key, if known
    rate_key: str | None = None  # the network's pseudonymous key; None: not rate limited
    contact: Any = None  # "may we contact you?": a phone number or e-mail address
    consent: Any = None  # the consent box (form `1`, JSON `true` or `1`)


async def submit(sub: Submission, store: Callable[[Pending], Awaitable[Outcome]],
                 now: datetime) -> Outcome:
    """The whole submit step: find the counter, validate, check the token's form, store with
    `store` (a `Writer.submit`, or `store_one` with a policy), and return the outcome. Only a
    counter configured as a kiosk (`CounterInfo.is_kiosk`) skips the device interval; the
    channel a client names (the /k/ page, `"channel": "kiosk"`) never does. A database that
    cannot be reached is the outcome Unavailable, here or in `store`."""
    try:
        counter = await load_counter(sub.counter)
    except Exception as exc:
        if is_unavailable(exc):
            return Unavailable()
        raise
    if counter is None:
        return UnknownCounter()
    try:
        draft = validate.validate(counter, sub.answers, service=sub.service,
                                  profile=sub.profile, comment=sub.comment,
                                  contact=sub.contact, consent=sub.consent)
    except validate.Invalid as exc:
        return Invalid(tuple(exc.errors))
    if sub.token is not None and not looks_like_token(sub.token):
        return TokenRefused("token_invalid")
    return await store(Pending(
        counter=counter, draft=draft, channel=sub.channel, lang=sub.lang,
        submission_key=sub.submission_key, now=now, token=sub.token,
        device_key=sub.device_key, rate_key=sub.rate_key,
    ))


# ---------------------------------------------------------------------------- storing


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
    # None: no device interval (no device known). A kiosk counter is exempt whatever this is.
    device_key: str | None = None
    rate_key: str | None = None  # None: not rate limited


async def store_batch(items: list[Pending], policy: Policy) -> list[Outcome]:
    """Store a batch of responses in ONE transaction with a fixed number of statements,
    whatever the batch size. Each item gets its own outcome: Stored, Duplicate (a submission
    key already stored), RateLimited, TokenRefused, TooSoon or Conflict; one refused item
    never affects the others. Idempotent per submission key; every stored response gets a
    unique receipt (clashing codes are replaced, see `responses.store`). Responses given
    with a contact and consent open their cases and keep their contacts in the same
    transaction (`feedback.cases.opening.capture`: a fixed number of further statements,
    only when some item has a contact)."""
    out: list[Outcome | None] = [None] * len(items)
    first_of: dict[str, int] = {}
    for i, item in enumerate(items):
        first_of.setdefault(item.submission_key, i)
    live = [i for i, item in enumerate(items) if first_of[item.submission_key] == i]
    batch_now = max(item.now for item in items)
    inserted: dict[str, tuple[int, str]] = {}
    async with transaction():
        known, totals = await statements.stored_and_rate(
            [items[i].submission_key for i in live], [items[i].rate_key for i in live],
            batch_now, policy.rate_window_seconds)
        for i in live:
            if (receipt := known.get(items[i].submission_key)) is not None:
                out[i] = Duplicate(receipt)
        live = [i for i in live if out[i] is None]
        live = _rate_limit(items, live, out, totals, batch_now, policy)
        live = await _consume_tokens(items, live, out, batch_now, policy)
        live, marks = _device_marks(items, live, out, policy)
        if live:
            codes = receipts.new_receipts(len(live))
            allowed, inserted = await statements.mark_and_insert(
                [_row(items[i], code) for i, code in zip(live, codes, strict=True)], marks,
                batch_now, policy.device_interval)
            for i, mark in zip(live, marks, strict=True):
                if mark is not None and mark not in allowed:
                    out[i] = TooSoon(int(policy.device_interval.total_seconds()))
            live = [i for i in live if out[i] is None]
        for i in live:
            item = items[i]
            if item.submission_key not in inserted:
                continue  # stored concurrently by another worker: looked up below
            response_id, receipt = inserted[item.submission_key]
            out[i] = Stored(Receipt(receipt, item.now, item.token is not None))
            if item.token is not None:
                await TicketToken.update({TicketToken.response: response_id}).where(
                    TicketToken.code == normalise(item.token))
        followups = await opening.capture([
            opening.Captured(
                response_id=inserted[items[i].submission_key][0],
                receipt=inserted[items[i].submission_key][1], counter_id=items[i].counter.id,
                unit_id=items[i].counter.unit_id, answers=items[i].draft.answers,
                has_comment=bool(items[i].draft.comment), contact=items[i].draft.contact,
                submitted_at=items[i].now)
            for i in live
            if items[i].draft.contact is not None and items[i].submission_key in inserted])
        for i in live:
            if items[i].submission_key in inserted:
                found = followups.get(inserted[items[i].submission_key][0])
                if found is not None and isinstance(stored_now := out[i], Stored):
                    out[i] = Stored(stored_now.receipt, found.case, found.contact_kept)
        await aggregates.apply(aggregates.deltas(
            (items[i].counter.unit_id, wita_day(items[i].now), items[i].draft.answers,
             _group_keys(items[i]))
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
        first = first_of[item.submission_key]
        outcome = out[i] or out[first]
        if outcome is None and item.submission_key in found:
            outcome = Duplicate(found[item.submission_key])
        if isinstance(outcome, Stored) and first != i:
            outcome = Duplicate(Receipt(outcome.receipt.receipt, outcome.receipt.submitted_at,
                                        outcome.receipt.verified, True))
        results.append(outcome if outcome is not None else Conflict())
    return results


def _group_keys(item: Pending) -> tuple[aggregates.GroupKey, ...]:
    d = item.draft
    return aggregates.group_keys(item.counter.id, d.service_id, d.gender, d.age_band,
                                 d.education, d.occupation)


def _row(item: Pending, receipt: str) -> tuple[Any, ...]:
    d, verified = item.draft, item.token is not None
    return responses.row(
        counter_id=item.counter.id, unit_id=item.counter.unit_id,
        questionnaire_id=item.counter.questionnaire_id, service_id=d.service_id,
        answers=d.answers, gender=d.gender, age_band=d.age_band, education=d.education,
        occupation=d.occupation, comment=d.comment,
        channel="ticket" if verified and item.channel == "qr" else item.channel,
        lang=item.lang, submitted_at=item.now, receipt=receipt,
        submission_key=item.submission_key, verified=verified,
        token=normalise(item.token) if item.token else None,
        device_hash=None if item.counter.is_kiosk else item.device_key,
    )


def _rate_limit(items: list[Pending], live: list[int], out: list[Outcome | None],
                totals: dict[str, int], now: datetime, policy: Policy) -> list[int]:
    """Refuse the submissions past each network's limit: `totals` are the windows' counts
    with this batch's submissions (`live`, one each) already added."""
    counts: dict[str, int] = {}
    for i in live:
        if (key := items[i].rate_key) is not None:
            counts[key] = counts.get(key, 0) + 1
    seen: dict[str, int] = {}
    kept = []
    for i in live:
        key = items[i].rate_key
        if key is not None:
            seen[key] = seen.get(key, 0) + 1
            if totals[key] - counts[key] + seen[key] > policy.rate_limit:
                out[i] = RateLimited(_window_left(now, policy.rate_window_seconds))
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
                out[i] = TokenRefused(exc.code)
                continue
        kept.append(i)
    return kept


def _device_marks(items: list[Pending], live: list[int], out: list[Outcome | None],
                  policy: Policy) -> tuple[list[int], list[str | None]]:
    """The device mark each submission takes (None: no device interval — no device known, a
    kiosk counter, or a ticket token); of two submissions of one device to one counter in a
    batch, the second is refused here. Returns the submissions kept and their marks; which
    marks are allowed the database decides (`statements.mark_and_insert`)."""
    kept: list[int] = []
    marks: list[str | None] = []
    taken: set[str] = set()
    for i in live:
        item = items[i]
        mark = (None if item.device_key is None or item.counter.is_kiosk
                or item.token is not None else f"{item.counter.id}:{item.device_key}")
        if mark is not None:
            if mark in taken:
                out[i] = TooSoon(int(policy.device_interval.total_seconds()))
                continue
            taken.add(mark)
        kept.append(i)
        marks.append(mark)
    return kept, marks


def _window_left(now: datetime, window_seconds: int) -> int:
    """Seconds until the current rate window ends (at least 1)."""
    return max(1, window_seconds - int(now.timestamp()) % window_seconds)


async def store_one(item: Pending, policy: Policy) -> Outcome:
    """Store one response (a batch of one)."""
    return (await store_batch([item], policy))[0]


