"""Checking a submission against the SKM rules: every problem at once, as field errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from feedback.cases.contact import Contact, ContactError, parse_consent, parse_contact
from feedback.org.counters import CounterInfo
from feedback.survey import skm
from feedback.survey.text import clean_text
from scoring.ikm import ELEMENTS, min_answered

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
    contact: Contact | None = None  # given with consent (the form's "may we contact you?")


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


def validate(
    counter: CounterInfo,
    answers: Mapping[str, Any],
    *,
    service: Any = None,
    profile: Mapping[str, Any] | None = None,
    comment: Any = None,
    contact: Any = None,
    consent: Any = None,
) -> Draft:
    """Check a submission against the counter's questionnaire. Raises Invalid with every
    problem found (not just the first). Empty strings mean "not answered". A contact needs
    consent and consent a contact (`feedback.cases.contact`)."""
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
            text = clean_text(comment) or None
            if text and len(text) > skm.MAX_COMMENT_CHARS:
                errors.append(FieldError("comment", "too_long"))

    given = _contact(contact, consent, errors)

    if errors:
        raise Invalid(errors)
    return Draft(answers=clean, service_id=service_id, comment=text, contact=given, **chosen)


def _contact(contact: Any, consent: Any, errors: list[FieldError]) -> Contact | None:
    """The contact given with consent; a contact without consent, consent without a contact
    or a contact that is neither a phone number nor an e-mail address is an error."""
    agreed = parse_consent(consent)
    if agreed is None:
        errors.append(FieldError("consent", "invalid_consent"))
    if contact in (None, "") or (isinstance(contact, str) and not contact.strip()):
        if agreed:
            errors.append(FieldError("contact", "contact_required"))
        return None
    if not isinstance(contact, str):
        errors.append(FieldError("contact", "invalid_contact"))
        return None
    try:
        parsed = parse_contact(contact)
    except ContactError as exc:
        errors.append(FieldError("contact", exc.code))
        parsed = None
    if agreed is False:
        errors.append(FieldError("consent", "consent_required"))
    return parsed if agreed else None
