"""Validating and storing a citizen's response: one transaction, idempotent per submission
key, token-aware, device-interval-aware, aggregates updated in the same transaction."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.engine.base import Engine

from feedback import aggregates, limits, responses, skm
from feedback.engine import transaction
from feedback.tables import Counter, Questionnaire, Response, Service, TicketToken
from feedback.tokens import (
    OFFLINE_PREFIX,
    TokenError,
    new_server_token,
    normalise,
    verify_offline,
)
from scoring.ikm import ELEMENTS, min_answered

WITA = ZoneInfo("Asia/Makassar")
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_COUNTER_CACHE_SECONDS = 60.0


def wita_day(moment: datetime) -> date:
    return moment.astimezone(WITA).date()


@dataclass(frozen=True)
class CounterInfo:
    id: int
    code: str
    name: str
    is_kiosk: bool
    secret: str
    unit_id: int
    unit_code: str
    unit_name: str
    agency_name: str
    questionnaire_id: int
    services: tuple[tuple[str, str, str], ...]  # (code, name id, name en)
    service_ids: Mapping[str, int]


_counter_cache: dict[str, tuple[float, CounterInfo | None]] = {}


def clear_counter_cache() -> None:
    _counter_cache.clear()


async def current_questionnaire_id() -> int:
    row = await (
        Questionnaire.select(Questionnaire.id)
        .where(Questionnaire.code == skm.SKM_CODE)
        .order_by(Questionnaire.version, ascending=False)
        .first()
    )
    if row is None:
        raise RuntimeError("the SKM-2017 questionnaire is missing; run the migrations/seed")
    return row["id"]


async def load_counter(code: str) -> CounterInfo | None:
    """An active counter by its public code, cached briefly per process (counters and their
    services change rarely; a change shows within a minute)."""
    hit = _counter_cache.get(code)
    if hit and time.monotonic() - hit[0] < _COUNTER_CACHE_SECONDS:
        return hit[1]
    info = await _fetch_counter(code)
    _counter_cache[code] = (time.monotonic(), info)
    return info


async def _fetch_counter(code: str) -> CounterInfo | None:
    if not code.isalnum() or len(code) > 16:
        return None
    row = await (
        Counter.select(
            Counter.id, Counter.code, Counter.name, Counter.is_kiosk, Counter.secret,
            Counter.unit.id, Counter.unit.code, Counter.unit.name, Counter.unit.agency.name,
        )
        .where((Counter.code == code) & (Counter.active == True))  # noqa: E712
        .first()
    )
    if row is None:
        return None
    services = await (
        Service.select(Service.id, Service.code, Service.name_id, Service.name_en)
        .where(Service.unit == row["unit.id"])
        .order_by(Service.name_id)
    )
    return CounterInfo(
        id=row["id"], code=row["code"], name=row["name"], is_kiosk=row["is_kiosk"],
        secret=row["secret"], unit_id=row["unit.id"], unit_code=row["unit.code"],
        unit_name=row["unit.name"], agency_name=row["unit.agency.name"],
        questionnaire_id=await current_questionnaire_id(),
        services=tuple((s["code"], s["name_id"], s["name_en"]) for s in services),
        service_ids={s["code"]: s["id"] for s in services},
    )


# ---------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class FieldError:
    field: str  # "answers.waktu", "comment", "answers", ...
    code: str  # missing, not_a_number, out_of_range, unknown_element, too_few_answers, ...


class Invalid(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(", ".join(f"{e.field}: {e.code}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Draft:
    """A validated response, ready to store."""

    answers: dict[str, int]
    service_id: int | None
    gender: str | None
    age_band: str | None
    education: str | None
    occupation: str | None
    comment: str | None


def _rating(value: Any) -> int | str:
    """An answer as int 1..4, or an error code."""
    if isinstance(value, bool):
        return "not_a_number"
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 3:
            return "not_a_number"
        value = int(value)
    if not isinstance(value, int):
        return "not_a_number"
    return value if 1 <= value <= 4 else "out_of_range"


def _clean_text(value: str) -> str:
    # Keep newlines and tabs; drop other control characters.
    return "".join(ch for ch in value if ch in "\n\t" or ch.isprintable()).strip()


def validate(
    counter: CounterInfo,
    answers: Mapping[str, Any],
    *,
    service: Any = None,
    profile: Mapping[str, Any] | None = None,
    comment: Any = None,
) -> Draft:
    """Check a submission against the counter's questionnaire. Raises Invalid with every
    problem found (not just the first). Empty strings mean "not answered"."""
    errors: list[FieldError] = []
    clean: dict[str, int] = {}
    for key, value in answers.items():
        if key not in ELEMENTS:
            errors.append(FieldError(f"answers.{key}", "unknown_element"))
            continue
        if value is None or value == "":
            continue
        rating = _rating(value)
        if isinstance(rating, str):
            errors.append(FieldError(f"answers.{key}", rating))
        else:
            clean[key] = rating
    answered_or_bad = len(clean) + sum(1 for e in errors if e.field.startswith("answers."))
    if answered_or_bad < min_answered():
        errors.append(FieldError("answers", "too_few_answers"))

    service_id = None
    if service not in (None, ""):
        if not isinstance(service, str) or service not in counter.service_ids:
            errors.append(FieldError("service", "unknown_service"))
        else:
            service_id = counter.service_ids[service]

    chosen: dict[str, str | None] = {}
    for name, options in skm.PROFILE_FIELDS.items():
        value = (profile or {}).get(name)
        if value in (None, ""):
            chosen[name] = None
        elif not isinstance(value, str) or value not in options:
            errors.append(FieldError(name, "invalid_choice"))
        else:
            chosen[name] = value

    text = None
    if comment not in (None, ""):
        if not isinstance(comment, str):
            errors.append(FieldError("comment", "not_text"))
        else:
            text = _clean_text(comment) or None
            if text and len(text) > skm.MAX_COMMENT_CHARS:
                errors.append(FieldError("comment", "too_long"))

    if errors:
        raise Invalid(errors)
    return Draft(answers=clean, service_id=service_id, comment=text, **chosen)


# ---------------------------------------------------------------------------- storing


class TooSoon(Exception):
    """This device rated this counter less than the configured interval ago."""


class RateLimited(Exception):
    """Too many submissions from one network address in the current minute."""


class Conflict(Exception):
    """The response could not be stored because of a clash; the client should retry."""


@dataclass(frozen=True)
class Receipt:
    receipt: str
    submitted_at: datetime
    verified: bool
    duplicate: bool = False


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


def new_receipt() -> str:
    """8 characters from the 32-letter receipt alphabet: 40 random bits, one syscall."""
    bits = int.from_bytes(secrets.token_bytes(5), "big")
    return "".join(RECEIPT_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))


async def find_receipts(engine: Engine, keys: list[str]) -> dict[str, Receipt]:
    """Receipts of already stored submission keys (inside a transaction)."""
    if not keys:
        return {}
    return {
        key: Receipt(r["receipt"], _aware(r["submitted_at"]), bool(r["verified"]), True)
        for key, r in (await responses.find(engine, keys)).items()
    }


def _aware(moment: datetime | str) -> datetime:
    """Driver-level reads: SQLite gives ISO text, PostgreSQL an aware datetime."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def receipt_details(receipt: str, counter_id: int) -> Receipt | None:
    """A receipt given at this counter (another counter's receipt is not shown here)."""
    row = await (
        Response.select(Response.receipt, Response.submitted_at, Response.verified)
        .where((Response.receipt == receipt) & (Response.counter == counter_id))
        .first()
    )
    return Receipt(row["receipt"], row["submitted_at"], row["verified"]) if row else None


Outcome = Receipt | Exception


async def store_batch(engine: Engine, items: list[Pending], policy: Policy) -> list[Outcome]:
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
    async with transaction(engine):
        stored = await find_receipts(engine, [items[i].submission_key for i in live])
        for i in live:
            out[i] = stored.get(items[i].submission_key)
        live = [i for i in live if out[i] is None]
        live = await _rate_limit(engine, items, live, out, batch_now, policy)
        live = await _consume_tokens(items, live, out, batch_now, policy)
        live = await _device_interval(engine, items, live, out, batch_now, policy)
        receipts = {i: new_receipt() for i in live}
        if live:
            inserted = await responses.insert(engine, [_row(items[i], receipts[i]) for i in live])
        for i in live:
            item = items[i]
            response_id = inserted.get(item.submission_key)
            if response_id is None:
                continue  # stored concurrently by another worker: looked up below
            out[i] = Receipt(receipts[i], item.now, item.token is not None)
            if item.token is not None:
                await TicketToken.update({TicketToken.response: response_id}).where(
                    TicketToken.code == normalise(item.token))
        await aggregates.apply(engine, aggregates.deltas(
            (items[i].counter.unit_id, wita_day(items[i].now), items[i].draft.answers)
            for i in live if items[i].submission_key in inserted
        ))
    missing = [item.submission_key for i, item in enumerate(items)
               if out[i] is None and first_of[item.submission_key] == i]
    found: dict[str, Receipt] = {}
    if missing:  # stored meanwhile by another worker (rare)
        async with transaction(engine):
            found = await find_receipts(engine, missing)
    results: list[Outcome] = []
    for i, item in enumerate(items):
        outcome = out[i] or out[first_of[item.submission_key]] or found.get(item.submission_key)
        if isinstance(outcome, Receipt) and first_of[item.submission_key] != i:
            outcome = Receipt(outcome.receipt, outcome.submitted_at, outcome.verified, True)
        results.append(outcome if outcome is not None else Conflict())
    return results


def _row(item: Pending, receipt: str) -> tuple[Any, ...]:
    """Values in feedback.responses.COLUMNS order."""
    d, verified = item.draft, item.token is not None
    return (
        item.counter.id, item.counter.unit_id, item.counter.questionnaire_id, d.service_id,
        json.dumps(d.answers), len(d.answers), True, d.gender, d.age_band, d.education,
        d.occupation, d.comment, "ticket" if verified and item.channel == "qr" else item.channel,
        item.lang, item.now, receipt, item.submission_key, verified,
        normalise(item.token) if item.token else None, item.device_key, "[]", False,
    )


async def _rate_limit(engine: Engine, items: list[Pending], live: list[int],
                      out: list[Outcome | None], now: datetime, policy: Policy) -> list[int]:
    counts: dict[str, int] = {}
    for i in live:
        if (key := items[i].rate_key) is not None:
            counts[key] = counts.get(key, 0) + 1
    totals = await limits.rate_hits(engine, counts, now, policy.rate_window_seconds)
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
                await _consume(item.counter, code, now, policy.token_ttl)
                used.add(code)
            except TokenError as exc:
                out[i] = exc
                continue
        kept.append(i)
    return kept


async def _device_interval(engine: Engine, items: list[Pending], live: list[int],
                           out: list[Outcome | None], now: datetime,
                           policy: Policy) -> list[int]:
    def mark(i: int) -> str | None:
        item = items[i]
        if item.device_key is None or item.counter.is_kiosk or item.token is not None:
            return None
        return f"{item.counter.id}:{item.device_key}"

    wanted = [m for i in live if (m := mark(i)) is not None]
    allowed = await limits.device_marks(engine, wanted, now, policy.device_interval)
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


async def submit(engine: Engine, item: Pending, policy: Policy) -> Receipt:
    """Store one response (a batch of one). Raises what `store_batch` reports."""
    outcome = (await store_batch(engine, [item], policy))[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


class Writer:
    """Groups concurrent submissions of one process into batches: while a batch is being
    written, new submissions queue up and go together in the next one. Under light load a
    batch holds one submission; under heavy load the cost per submission falls. A request
    returns only after its batch has committed."""

    def __init__(self, engine: Engine, policy: Policy, *, max_batch: int = 64,
                 tasks: int = 2) -> None:
        self.engine, self.policy = engine, policy
        self.max_batch, self.tasks = max_batch, tasks
        self._queue: asyncio.Queue[tuple[Pending, asyncio.Future[Receipt]]] | None = None
        self._workers: list[asyncio.Task[None]] = []

    async def submit(self, item: Pending) -> Receipt:
        if not self._workers or any(w.done() for w in self._workers):
            self._start()
        assert self._queue is not None
        future: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((item, future))
        return await future

    def _start(self) -> None:
        for w in self._workers:
            w.cancel()
        self._queue = asyncio.Queue()
        self._workers = [asyncio.create_task(self._run()) for _ in range(self.tasks)]

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            batch = [await queue.get()]
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            items = [item for item, _ in batch]
            try:
                outcomes = await store_batch(self.engine, items, self.policy)
            except Exception as exc:  # e.g. a deadlock victim: retry one by one
                outcomes = []
                for item in items:
                    try:
                        outcomes.extend(await store_batch(self.engine, [item], self.policy))
                    except Exception as single:
                        outcomes.append(single if len(items) > 1 else exc)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    async def close(self) -> None:
        for w in self._workers:
            w.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []


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


async def _consume(counter: CounterInfo, code: str, now: datetime, ttl: timedelta) -> None:
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
