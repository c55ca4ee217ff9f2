"""One-time ticket tokens that bind a rating to a real visit.

Two kinds, told apart by their first letter:

- `S…` server-minted: 16 random base32 characters after the `S`, stored when minted.
- `Q…` offline, minted by a queue machine holding the counter's secret, no network needed:

      token   = "Q" + base32(payload ‖ mac)            (RFC 4648 alphabet, no padding: 24 chars)
      payload = issued_minute (4 bytes, big-endian: minutes since 1970-01-01T00:00Z)
                ‖ serial (3 bytes, big-endian, any value; make it unique per minute)
      mac     = HMAC-SHA256(key = bytes.fromhex(counter_secret),
                            msg = b"suara-token-v1|" + counter_code.encode() + b"|" + payload)[:8]

  The server checks the MAC with the counter's secret, refuses a token issued more than
  5 minutes in the future or older than the validity period (default 24 h), and stores the
  token on first use so that a second use is refused.

Tokens are case-insensitive; spaces and dashes are ignored (they may be printed in groups).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SERVER_PREFIX = "S"
OFFLINE_PREFIX = "Q"
CLOCK_SKEW = timedelta(minutes=5)
_MAC_CONTEXT = b"suara-token-v1|"


class TokenError(Exception):
    """A token that cannot be used. `code` is one of: token_invalid, token_forged,
    token_expired, token_used, token_unknown, token_other_counter."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class OfflineToken:
    code: str
    issued_at: datetime
    serial: int


def normalise(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch not in " -\t")


def new_server_token() -> str:
    return SERVER_PREFIX + base64.b32encode(secrets.token_bytes(10)).decode()


def new_counter_secret() -> str:
    return secrets.token_hex(32)


def _mac(secret_hex: str, counter_code: str, payload: bytes) -> bytes:
    message = _MAC_CONTEXT + counter_code.encode() + b"|" + payload
    return hmac.new(bytes.fromhex(secret_hex), message, hashlib.sha256).digest()[:8]


def mint_offline(secret_hex: str, counter_code: str, issued_at: datetime, serial: int) -> str:
    """Reference implementation of what a queue machine does."""
    minute = int(issued_at.timestamp() // 60)
    payload = struct.pack(">I", minute) + serial.to_bytes(3, "big")
    raw = payload + _mac(secret_hex, counter_code, payload)
    return OFFLINE_PREFIX + base64.b32encode(raw).decode()


def verify_offline(
    token: str, secret_hex: str, counter_code: str, now: datetime, ttl: timedelta
) -> OfflineToken:
    """Check an offline token's format, MAC and age. Raises TokenError."""
    code = normalise(token)
    if not code.startswith(OFFLINE_PREFIX) or len(code) != 25:
        raise TokenError("token_invalid")
    try:
        raw = base64.b32decode(code[1:])
    except ValueError as exc:
        raise TokenError("token_invalid") from exc
    payload, mac = raw[:7], raw[7:]
    if not hmac.compare_digest(mac, _mac(secret_hex, counter_code, payload)):
        raise TokenError("token_forged")
    minute = struct.unpack(">I", payload[:4])[0]
    issued_at = datetime.fromtimestamp(minute * 60, UTC)
    if issued_at > now + CLOCK_SKEW or issued_at + ttl < now:
        raise TokenError("token_expired")
    return OfflineToken(code=code, issued_at=issued_at, serial=int.from_bytes(payload[4:], "big"))


def looks_like_token(raw: str) -> bool:
    code = normalise(raw)
    return 2 <= len(code) <= 64 and code[0] in (SERVER_PREFIX, OFFLINE_PREFIX) and code.isalnum()
