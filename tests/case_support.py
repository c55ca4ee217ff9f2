"""Helpers for case tests: a low-rated response stored through the submit path and its case
opened with `feedback.cases.events.open_case` (clocks computed from the stored calendar)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from feedback.cases import clocks
from feedback.cases.events import open_case
from feedback.cases.tables import CaseContact, CaseEvent, CaseFile
from feedback.engine import transaction
from feedback.tables import Counter, Response, Unit

LOW = {"persyaratan": 3, "prosedur": 2, "waktu": 1, "biaya": 4, "produk": 2,
       "kompetensi": 3, "perilaku": 1, "pengaduan": 2, "sarana": 2}
COMMENT = "Antre 4 jam, petugas membentak. Hubungi saya 0812-3456-7890."


async def new_case(opened_at: datetime, counter: str = "OESAPAK1", *,
                   comment: str | None = COMMENT, contact: str | None = None,
                   reason: str = "low_rating") -> str:
    """Store one low-rated response at `counter` at `opened_at` and open its case; the
    receipt. With `contact` (a phone number) a case_contact row is stored too."""
    key = await _store(counter, opened_at, comment)
    row = await Response.select(Response.id, Response.receipt, Response.counter,
                                Response.unit).where(Response.submission_key == key).first()
    unit = await Unit.select(Unit.agency).where(Unit.id == row["unit"]).first()
    cal = await clocks.calendar()
    async with transaction():
        await open_case(response_id=row["id"], receipt=row["receipt"],
                        counter_id=row["counter"], unit_id=row["unit"],
                        agency_id=unit["agency"], reason=reason, opened_at=opened_at,
                        cal=cal)
        if contact is not None:
            await CaseContact.insert(CaseContact(
                response_id=row["id"], kind="phone", value=contact, consent_version="t1",
                consented_at=opened_at))
    return row["receipt"]


async def _store(counter_code: str, when: datetime, comment: str | None) -> str:
    """One low-rated response through the submit path (a kiosk counter: no limits)."""
    from feedback.org.counters import load_counter
    from feedback.survey import submit as submission
    from feedback.survey.validate import validate

    global _SEQ
    _SEQ += 1
    key = f"case-{counter_code}-{when.isoformat()}-{_SEQ}"
    counter = await load_counter(counter_code)
    await submission.store_one(submission.Pending(
        counter=counter, draft=validate(counter, LOW, comment=comment), channel="kiosk",
        lang="id", submission_key=key, now=when), submission.Policy())
    return key


_SEQ = 0


async def case_row(receipt: str) -> dict[str, Any]:
    return await CaseFile.select().where(CaseFile.receipt == receipt).first()


async def events_of(receipt: str) -> list[dict[str, Any]]:
    case = await case_row(receipt)
    return await CaseEvent.select().where(CaseEvent.case_id == case["id"]).order_by(
        CaseEvent.id)


async def counter_unit(code: str) -> int:
    row = await Counter.select(Counter.unit).where(Counter.code == code).first()
    return row["unit"]
