"""Local time: the city runs on WITA (Asia/Makassar, UTC+8); storage is UTC."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

WITA = ZoneInfo("Asia/Makassar")


def wita_day(moment: datetime) -> date:
    return moment.astimezone(WITA).date()
