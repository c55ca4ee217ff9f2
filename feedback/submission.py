"""Validating and storing a citizen's response: one transaction, idempotent per submission
key, token-aware, device-interval-aware, aggregates updated in the same transaction."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.engine.base import Engine

from feedback import aggregates, limits, skm
from feedback.engine import is_integrity_error, transaction
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
_RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
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
        if not value.isdigit() or len(value) > 3:
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


def new_receipt() -> str:
    return "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(8))


async def find_receipt(submission_key: str) -> Receipt | None:
    row = await (
        Response.select(Response.receipt, Response.submitted_at, Response.verified)
        .where(Response.submission_key == submission_key)
        .first()
    )
    if row is None:
        return None
    return Receipt(row["receipt"], row["submitted_at"], row["verified"], duplicate=True)


async def receipt_details(receipt: str) -> Receipt | None:
    row = await (
        Response.select(Response.receipt, Response.submitted_at, Response.verified)
        .where(Response.receipt == receipt)
        .first()
    )
    return Receipt(row["receipt"], row["submitted_at"], row["verified"]) if row else None


async def submit(
    engine: Engine,
    counter: CounterInfo,
    draft: Draft,
    *,
    channel: str,
    lang: str,
    submission_key: str,
    token: str | None,
    device_key: str | None,
    now: datetime,
    policy: Policy,
) -> Receipt:
    """Store a validated response. Idempotent per `submission_key`: a repeat returns the
    first receipt with `duplicate=True`. Raises TokenError or TooSoon (nothing written)."""
    existing = await find_receipt(submission_key)
    if existing:
        return existing
    try:
        return await _store(engine, counter, draft, channel, lang, submission_key, token,
                            device_key, now, policy)
    except (TooSoon, TokenError) as exc:
        # A double tap whose twin committed first trips the device interval: show the twin.
        existing = await find_receipt(submission_key)
        if existing:
            return existing
        raise exc from None
    except Exception as exc:
        if is_integrity_error(exc):
            existing = await find_receipt(submission_key)
            if existing:
                return existing
        raise


async def _store(
    engine: Engine, counter: CounterInfo, draft: Draft, channel: str, lang: str,
    submission_key: str, token: str | None, device_key: str | None, now: datetime,
    policy: Policy,
) -> Receipt:
    receipt = new_receipt()
    verified = token is not None
    async with transaction(engine):
        if device_key and not counter.is_kiosk and not verified:
            key = f"{counter.id}:{device_key}"
            if not await limits.device_allowed(key, now, policy.device_interval):
                raise TooSoon()
        inserted = await Response.insert(
            Response(
                counter=counter.id, unit=counter.unit_id,
                questionnaire=counter.questionnaire_id, service=draft.service_id,
                answers=draft.answers, answered=len(draft.answers), counted=True,
                gender=draft.gender, age_band=draft.age_band, education=draft.education,
                occupation=draft.occupation, comment=draft.comment,
                channel="ticket" if verified and channel == "qr" else channel, lang=lang,
                submitted_at=now, receipt=receipt, submission_key=submission_key,
                verified=verified, token=normalise(token) if token else None,
                device_hash=device_key, flags=[],
            )
        ).returning(Response.id)
        if token is not None:
            await consume_token(counter, token, inserted[0]["id"], now, policy.token_ttl)
        batch = aggregates.deltas([(counter.unit_id, wita_day(now), draft.answers)])
        await aggregates.apply(batch)
    return Receipt(receipt, now, verified)


# ---------------------------------------------------------------------------- tokens

_CONSUME_SERVER_SQL = (
    'UPDATE "ticket_token" SET "used_at" = {}, "response" = {} '
    'WHERE "code" = {} AND "counter" = {} AND "used_at" IS NULL AND "expires_at" > {} '
    'RETURNING "id"'
)
_CONSUME_OFFLINE_SQL = (
    'INSERT INTO "ticket_token" ("code", "counter", "kind", "created_at", "expires_at", '
    '"used_at", "response") VALUES ({}, {}, {}, {}, {}, {}, {}) '
    'ON CONFLICT ("code") DO NOTHING RETURNING "id"'
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


async def consume_token(
    counter: CounterInfo, token: str, response_id: int, now: datetime, ttl: timedelta
) -> None:
    """Mark a token used by `response_id`, atomically. Raises TokenError."""
    code = normalise(token)
    if code.startswith(OFFLINE_PREFIX):
        parsed = verify_offline(code, counter.secret, counter.code, now, ttl)
        rows = await TicketToken.raw(
            _CONSUME_OFFLINE_SQL, code, counter.id, "offline", parsed.issued_at,
            parsed.issued_at + ttl, now, response_id,
        )
        if not rows:
            raise TokenError("token_used")
        return
    rows = await TicketToken.raw(_CONSUME_SERVER_SQL, now, response_id, code, counter.id, now)
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
