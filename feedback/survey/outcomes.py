"""What became of a submission, and the one mapping from outcome to HTTP status and message
id, shared by the citizen form (POST /s/{counter}, /k/{counter}) and the JSON API
(POST /api/v1/responses). The web layers only render an outcome; they never decide it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from feedback.survey.receipts import Receipt
from feedback.survey.validate import FieldError


@dataclass(frozen=True)
class Stored:
    """Stored now. With a contact given with consent: whether the response opened a case
    (`feedback.cases.opening`) and whether its contact was kept."""

    receipt: Receipt
    case: bool = False
    contact_kept: bool = False


@dataclass(frozen=True)
class Duplicate:
    """This submission key was stored before: the first receipt, nothing stored again."""

    receipt: Receipt


@dataclass(frozen=True)
class Invalid:
    """The answers break the SKM rules; every problem, per field."""

    errors: tuple[FieldError, ...]


@dataclass(frozen=True)
class TokenRefused:
    """The ticket token cannot be used. `code`: token_invalid, token_forged, token_expired,
    token_used, token_unknown or token_other_counter."""

    code: str


@dataclass(frozen=True)
class TooSoon:
    """This device rated this (non-kiosk) counter less than the device interval ago."""

    retry_after: int  # seconds


@dataclass(frozen=True)
class RateLimited:
    """Too many submissions from one network in the current window."""

    retry_after: int  # seconds


@dataclass(frozen=True)
class Conflict:
    """A clash while storing (e.g. a database integrity error); sending again may work."""


@dataclass(frozen=True)
class UnknownCounter:
    """No active counter has this code."""


# Seconds a client is asked to wait when the database cannot be reached (a PostgreSQL
# restart takes a few seconds; the writer and the pool reconnect by themselves).
UNAVAILABLE_RETRY_AFTER = 5


@dataclass(frozen=True)
class Unavailable:
    """The database cannot be reached right now (e.g. restarting): nothing was acknowledged;
    sending the same submission (same key) again later stores it exactly once."""

    retry_after: int = UNAVAILABLE_RETRY_AFTER  # seconds


Outcome = (Stored | Duplicate | Invalid | TokenRefused | TooSoon | RateLimited | Conflict
           | UnknownCounter | Unavailable)

# Outcome → (HTTP status, message id). A message id of None means the outcome's own `code`
# (the token refusals). Documented in the README and in the endpoint's OpenAPI responses.
OUTCOME_STATUS: dict[type, tuple[int, str | None]] = {
    Stored: (201, "stored"),
    Duplicate: (200, "duplicate"),
    Invalid: (422, "invalid_response"),
    TokenRefused: (422, None),
    TooSoon: (429, "too_soon"),
    RateLimited: (429, "rate_limited"),
    Conflict: (409, "conflict"),
    UnknownCounter: (404, "unknown_counter"),
    Unavailable: (503, "unavailable"),
}


def status_of(outcome: Outcome) -> tuple[int, str]:
    """The HTTP status and message id of an outcome."""
    status, message = OUTCOME_STATUS[type(outcome)]
    if message is None:
        assert isinstance(outcome, TokenRefused)
        message = outcome.code
    return status, message


def retry_after(outcome: Outcome) -> int | None:
    """Seconds to wait before sending again (the Retry-After header), if any."""
    if isinstance(outcome, TooSoon | RateLimited | Unavailable):
        return outcome.retry_after
    return None


def minutes(seconds: int) -> int:
    """Whole minutes, rounded up, for messages."""
    return max(1, math.ceil(seconds / 60))
