"""A citizen's contact for a complaint: parsing and normalising (pure, no database).

A contact is an Indonesian phone/WhatsApp number or an e-mail address, given only with the
explicit consent of the form's "May we contact you?" section (UU PDP 27/2022):

* phone: `08…`, `+62…` or `62…`, spaces and dashes allowed; the national significant
  number (after `0` or `62`) has PHONE_DIGITS digits and does not start with 0 (mobile
  numbers `8…` and landlines such as Kupang's `380…`). Stored as `+62` and its digits.
* e-mail: at most EMAIL_MAX characters, exactly one `@`, a local part of the usual ASCII
  characters (no leading, trailing or double dot), a dotted domain of ASCII letters, digits
  and hyphens whose last label is letters. Stored in lower case.

Anything else is refused (`ContactError`, code `invalid_contact`). `CONSENT_VERSION` names
the consent text the citizen ticked (stored with the contact); change it whenever the
text changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

CONSENT_VERSION = "kontak-2026.1"  # the consent text of the citizen form, first version

KINDS = ("phone", "email")
EMAIL_MAX = 254  # RFC 5321 path limit
LOCAL_MAX = 64
PHONE_DIGITS = (8, 12)  # national significant number, without 0 or 62
RAW_MAX = 254  # longer input is refused before anything else

_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TLD = re.compile(r"[A-Za-z]{2,63}")
_SEPARATORS = re.compile(r"[ \-\u00a0]+")


class ContactError(ValueError):
    def __init__(self, code: str = "invalid_contact") -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Contact:
    kind: str  # phone | email
    value: str  # normalised: +62… digits, or the e-mail in lower case


def parse_contact(text: str) -> Contact:
    """The normalised contact of what a citizen typed (surrounding spaces ignored), or
    ContactError."""
    raw = text.strip()
    if not raw or len(raw) > RAW_MAX:
        raise ContactError()
    if "@" in raw:
        return Contact("email", _email(raw))
    return Contact("phone", _phone(raw))


def _phone(raw: str) -> str:
    compact = _SEPARATORS.sub("", raw)
    if compact.startswith("+62"):
        rest = compact[3:]
    elif compact.startswith("62"):
        rest = compact[2:]
    elif compact.startswith("0"):
        rest = compact[1:]
    else:
        raise ContactError()
    if not (rest.isascii() and rest.isdigit()) or rest.startswith("0"):
        raise ContactError()
    if not PHONE_DIGITS[0] <= len(rest) <= PHONE_DIGITS[1]:
        raise ContactError()
    # Separators only between digit groups: not leading ("-0812…") nor trailing.
    if raw[0] in " -\u00a0" or raw[-1] in " -\u00a0" or "+" in raw[1:]:
        raise ContactError()
    return "+62" + rest


def _email(raw: str) -> str:
    if len(raw) > EMAIL_MAX or raw.count("@") != 1 or not raw.isascii():
        raise ContactError()
    local, domain = raw.split("@")
    if not local or len(local) > LOCAL_MAX or not _LOCAL.fullmatch(local):
        raise ContactError()
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ContactError()
    if not _TLD.fullmatch(labels[-1]):
        raise ContactError()
    return raw.lower()


def parse_consent(value: Any) -> bool | None:
    """The consent box: True for the form's `1` (and JSON `true` or `1`), False when not
    ticked (absent, empty, `false`, `0`), None for anything else (refused)."""
    if value is True or value == "1" or (type(value) is int and value == 1):
        return True
    if value is None or value is False or value == "" or value == "0" or (
            type(value) is int and value == 0):
        return False
    return None

