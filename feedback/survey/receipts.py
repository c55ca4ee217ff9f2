"""Receipt codes: what a citizen keeps to show their rating was stored."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from feedback.clock import aware
from feedback.survey import responses
from feedback.tables import Response

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read out and type
RECEIPT_LENGTH = 8  # 40 bits, shown as XXXX-XXXX; uniqueness comes from retrying clashes
_BYTE_TO_LETTER = bytes(ord(RECEIPT_ALPHABET[b % len(RECEIPT_ALPHABET)]) for b in range(256))


@dataclass(frozen=True)
class Receipt:
    receipt: str
    submitted_at: datetime
    verified: bool
    duplicate: bool = False


def new_receipts(n: int, rng: Any = None) -> list[str]:
    """n distinct receipt codes: RECEIPT_LENGTH letters of RECEIPT_ALPHABET each, from the
    system's random source (one syscall), or from a seeded numpy Generator `rng` (the demo
    data, reproducible per seed). Distinct among themselves only: a code that clashes with a
    stored response is replaced when inserting (`responses.store`)."""
    if rng is None:  # 256 is a multiple of 32: every letter equally likely
        raw = secrets.token_bytes(RECEIPT_LENGTH * n).translate(_BYTE_TO_LETTER).decode()
        codes = [raw[i:i + RECEIPT_LENGTH] for i in range(0, RECEIPT_LENGTH * n, RECEIPT_LENGTH)]
    else:
        codes = []
        while len(codes) < n:
            block = rng.integers(0, len(RECEIPT_ALPHABET), size=(n - len(codes), RECEIPT_LENGTH))
            codes.extend("".join(RECEIPT_ALPHABET[i] for i in row) for row in block.tolist())
            codes = list(dict.fromkeys(codes))  # distinct, first occurrence kept
        return codes
    if len(set(codes)) < n:
        seen: set[str] = set()
        for i, code in enumerate(codes):
            while code in seen:
                code = new_receipts(1)[0]
            codes[i] = code
            seen.add(code)
    return codes


def display(receipt: str) -> str:
    """A receipt as shown and printed: two groups of four (`ABCD-EF23`)."""
    return f"{receipt[:4]}-{receipt[4:]}"


async def find_receipts(keys: list[str]) -> dict[str, Receipt]:
    """Receipts of already stored submission keys (inside a transaction)."""
    if not keys:
        return {}
    return {
        key: Receipt(r["receipt"], aware(r["submitted_at"]), bool(r["verified"]), True)
        for key, r in (await responses.find(keys)).items()
    }


async def receipt_details(receipt: str, counter_id: int) -> Receipt | None:
    """A receipt given at this counter (another counter's receipt is not shown here)."""
    row = await (
        Response.select(Response.receipt, Response.submitted_at, Response.verified)
        .where((Response.receipt == receipt) & (Response.counter == counter_id))
        .first()
    )
    return Receipt(row["receipt"], row["submitted_at"], row["verified"]) if row else None
