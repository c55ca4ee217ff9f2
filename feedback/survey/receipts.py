"""Receipt codes: what a citizen keeps to show their rating was stored."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from feedback.survey import responses
from feedback.tables import Response

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Receipt:
    receipt: str
    submitted_at: datetime
    verified: bool
    duplicate: bool = False




def new_receipt() -> str:
    """8 characters from the 32-letter receipt alphabet: 40 random bits, one syscall."""
    bits = int.from_bytes(secrets.token_bytes(5), "big")
    return "".join(RECEIPT_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))


async def find_receipts(keys: list[str]) -> dict[str, Receipt]:
    """Receipts of already stored submission keys (inside a transaction)."""
    if not keys:
        return {}
    return {
        key: Receipt(r["receipt"], _aware(r["submitted_at"]), bool(r["verified"]), True)
        for key, r in (await responses.find(keys)).items()
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
