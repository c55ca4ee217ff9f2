"""Data retention (UU PDP 27/2022): erase what is no longer needed for its purpose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from feedback.cases.tables import CaseContact, CaseFile
from feedback.tables import DeviceSeen, RateWindow, Response

# A contact kept for a comment that may still open a case (feedback.cases.opening) is
# erased when no case opened within this time.
CONTACT_WITHOUT_CASE = timedelta(days=1)
DEFAULT_CONTACT_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Purged:
    device_codes: int
    device_marks: int
    rate_windows: int
    contacts_closed: int = 0  # contacts of cases closed more than the retention ago
    contacts_without_case: int = 0  # contacts left without a case for more than a day


async def purge(now: datetime, device_retention: timedelta, device_interval: timedelta,
                contact_retention: timedelta = DEFAULT_CONTACT_RETENTION) -> Purged:
    """Erase device codes on responses older than the retention period, limit records that
    can no longer limit anything, the contacts of cases closed more than
    `contact_retention` ago (SUARA_CONTACT_RETENTION_DAYS) and contacts without a case
    for more than CONTACT_WITHOUT_CASE."""
    old = await (
        Response.update({Response.device_hash: None})
        .where((Response.submitted_at < now - device_retention)
               & Response.device_hash.is_not_null())
        .returning(Response.id)
    )
    marks = await (
        DeviceSeen.delete().where(DeviceSeen.last_at < now - device_interval)
        .returning(DeviceSeen.id)
    )
    windows = await (
        RateWindow.delete().where(RateWindow.window < int(now.timestamp()) // 60 - 1)
        .returning(RateWindow.id)
    )
    closed = await (
        CaseContact.delete().where(CaseContact.response_id.is_in(
            CaseFile.select(CaseFile.response_id).where(
                CaseFile.closed_at.is_not_null()
                & (CaseFile.closed_at < now - contact_retention))))
        .returning(CaseContact.id)
    )
    orphans = await (
        CaseContact.delete().where(
            (CaseContact.consented_at < now - CONTACT_WITHOUT_CASE)
            & CaseContact.response_id.not_in(CaseFile.select(CaseFile.response_id)))
        .returning(CaseContact.id)
    )
    return Purged(len(old), len(marks), len(windows), len(closed), len(orphans))
