"""Checking what staff type into a follow-up plan: an action (element, what, who, due,
expected effect), a status with its evidence note, a decision note. Each check raises
`Invalid` with a code per field before anything is written.

`who` names a role or position ("Kepala Tata Usaha", "Petugas loket 2"), never a private
person's data: text holding an e-mail address, a phone number or a NIK (as
`feedback.comments.masking` recognises them) is refused. Text with control characters
(other than line breaks and tabs) is refused too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from feedback.comments.masking import mask
from feedback.performance.periods import Period
from feedback.plans.errors import Invalid
from feedback.plans.tables import ACTION_STATUSES, MAX_EFFECT, MAX_NOTE, MAX_WHAT, MAX_WHO
from scoring.ikm import ELEMENTS

MIN_TEXT = 3
DUE_YEARS = 3  # an action is due at most 3 years after its plan's period
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ActionInput:
    element: str
    what: str
    who: str
    due: date
    expected_effect: str


def _get(form: Any, name: str) -> Any:
    value = form.get(name) if hasattr(form, "get") else None
    return value if isinstance(value, str) else None


def text_of(value: Any, field: str, *, limit: int, required: bool = True,
            errors: dict[str, str]) -> str | None:
    """Stripped text (CRLF → LF), or None with a code in `errors`."""
    text = value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""
    if not text:
        if required:
            errors[field] = "missing"
        return None
    if _CONTROL.search(text):
        errors[field] = "control"
    elif len(text) > limit:
        errors[field] = "too_long"
    elif len(text) < MIN_TEXT:
        errors[field] = "too_short"
    else:
        return text
    return None


def _due(value: Any, period: Period, errors: dict[str, str]) -> date | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        errors["due"] = "missing"
        return None
    try:
        if not _DAY.match(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        errors["due"] = "not_a_date"
        return None
    if day < period.first:
        errors["due"] = "before_period"
    elif day > period.last + timedelta(days=365 * DUE_YEARS + 1):
        errors["due"] = "too_late"
    else:
        return day
    return None


def check_action(form: Any, period: Period) -> ActionInput:
    """The fields of an action form, checked; Invalid (with every field's error) else."""
    errors: dict[str, str] = {}
    element = (_get(form, "element") or "").strip()
    if element not in ELEMENTS:
        errors["element"] = "unknown"
    what = text_of(_get(form, "what"), "what", limit=MAX_WHAT, errors=errors)
    who = text_of(_get(form, "who"), "who", limit=MAX_WHO, errors=errors)
    if who is not None and mask(who) != who:
        errors["who"] = "personal"
        who = None
    effect = text_of(_get(form, "expected_effect"), "expected_effect", limit=MAX_EFFECT,
                     errors=errors)
    due = _due(_get(form, "due"), period, errors)
    if errors:
        raise Invalid("action", fields=errors)
    assert what is not None and who is not None and effect is not None and due is not None
    return ActionInput(element, what, who, due, effect)


def check_status(status: Any, note: Any, seen: Any) -> tuple[str, str]:
    """A new action status with its (required) evidence note; `seen` must be a status."""
    errors: dict[str, str] = {}
    if status not in ACTION_STATUSES:
        errors["status"] = "unknown"
    if seen not in ACTION_STATUSES:
        errors["seen"] = "unknown"
    text = text_of(note, "note", limit=MAX_NOTE, errors=errors)
    if errors:
        raise Invalid("status", fields=errors)
    assert text is not None
    return status, text


def note_text(note: Any, *, required: bool) -> str | None:
    """A decision note (required when a plan is returned)."""
    errors: dict[str, str] = {}
    text = text_of(note, "note", limit=MAX_NOTE, required=required, errors=errors)
    if errors:
        raise Invalid("note", fields=errors)
    return text
