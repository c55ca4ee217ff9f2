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
    """Stored now."""

    receipt: Receipt


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


Outcome = (Stored | Duplicate | Invalid | TokenRefused | TooSoon | RateLimited | Conflict
           | UnknownCounter)

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
    if isinstance(outcome, TooSoon | RateLimited):
        return outcome.retry_after
    return None


def minutes(seconds: int) -> int:
    """Whole minutes, rounded up, for messages."""
    return max(1, math.ceil(seconds / 60))
