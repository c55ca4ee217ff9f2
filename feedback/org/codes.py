"""Public counter codes and counter secrets."""

from __future__ import annotations

import re
import secrets

# Public counter codes: no I, O, 0 or 1 (easy to read aloud and to type from a poster).
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
COUNTER_CODE_LENGTH = 8
# A code given by staff: ASCII letters and digits (it is part of the citizen URL).
COUNTER_CODE = re.compile(r"[A-Za-z0-9]{4,16}")


def new_counter_code() -> str:
    """A random public counter code (8 characters of CODE_ALPHABET: 40 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(COUNTER_CODE_LENGTH))


def new_counter_secret() -> str:
    """A counter's HMAC key for offline ticket tokens: 32 random bytes in hex."""
    return secrets.token_hex(32)
