"""Reporting periods: a year, semester, quarter or month by key, or a custom range of WITA
days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_KEY = re.compile(r"^(\d{4})(?:-(S[12]|Q[1-4]|\d{2}))?$")


@dataclass(frozen=True)
class Period:
    key: str  # "2026", "2026-S1", "2026-Q2", "2026-03", or "2026-01-05..2026-02-10"
    first: date
    last: date
    months: float  # length in months (average months for a custom range)
    previous: str | None = None  # the key of the period before (same kind), for KPIs


def _month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse(key: str) -> Period:
    """Parse a period key. Raises ValueError with a readable message."""
    match = _KEY.match(key.strip())
    if not match:
        raise ValueError(f"unknown period {key!r}: use 2026, 2026-S1, 2026-Q3 or 2026-03")
    year, part = int(match.group(1)), match.group(2)
    key = match.group(0)
    if part is None:
        return Period(key, date(year, 1, 1), date(year, 12, 31), 12, f"{year - 1}")
    if part.startswith("S"):
        start = 1 if part == "S1" else 7
        previous = f"{year - 1}-S2" if part == "S1" else f"{year}-S1"
        return Period(key, date(year, start, 1), _month_end(year, start + 5), 6, previous)
    if part.startswith("Q"):
        quarter = int(part[1])
        start = 3 * (quarter - 1) + 1
        previous = f"{year - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}"
        return Period(key, date(year, start, 1), _month_end(year, start + 2), 3, previous)
    month = int(part)
    if not 1 <= month <= 12:
        raise ValueError(f"unknown period {key!r}: month must be 01..12")
    previous = f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    return Period(key, date(year, month, 1), _month_end(year, month), 1, previous)


def custom(first: date, last: date) -> Period:
    """A range of WITA days. It has no KPI values of its own (targets are set per period)."""
    if first > last:
        raise ValueError("the start date must not be after the end date")
    months = ((last - first).days + 1) / 30.4375
    return Period(f"{first.isoformat()}..{last.isoformat()}", first, last, months)
