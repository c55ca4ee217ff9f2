"""What the publishing page and `suara publish` read besides the snapshots themselves: which
standard periods can be published (started, with responses), how many units a result ranks,
leaves provisional or does not score, and the unlocks of published versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from feedback.performance import periods
from feedback.performance.periods import Period
from feedback.performance.snapshot_tables import PeriodUnlock
from feedback.tables import UnitDayStats
from scoring.result import ScoreResult

STATUSES = ("ranked", "provisional", "unranked_no_kpi", "not_scored")


@dataclass(frozen=True)
class StatusCounts:
    """Units of a result per status, and the counted responses."""

    ranked: int
    provisional: int
    unranked_no_kpi: int  # enough responses, but targets not reported
    not_scored: int  # fewer than 10 responses (units without any response included)
    responses: int
    method: str

    @property
    def units(self) -> int:
        return self.ranked + self.provisional + self.unranked_no_kpi + self.not_scored


def status_counts(result: ScoreResult) -> StatusCounts:
    counts = dict.fromkeys(STATUSES, 0)
    for unit in result.units:
        counts[unit.status] += 1
    return StatusCounts(**counts, responses=sum(u.n for u in result.units),
                        method=result.method)


def period_keys(year: int) -> list[str]:
    """The standard periods of a year, longest first: year, semesters, quarters, months."""
    return [f"{year}", f"{year}-S1", f"{year}-S2", *(f"{year}-Q{q}" for q in range(1, 5)),
            *(f"{year}-{m:02d}" for m in range(1, 13))]


async def publishable(today: date, years: int = 2) -> list[Period]:
    """The standard periods of this year and the years before (`years` in all) that have
    started by `today` and have at least one response, in `period_keys` order, newest year
    first."""
    first_year = today.year - years + 1
    rows = await UnitDayStats.select(UnitDayStats.day).where(
        (UnitDayStats.day >= date(first_year, 1, 1)) & (UnitDayStats.day <= today)
    ).distinct()
    months = set()
    for row in rows:
        day = row["day"]
        if isinstance(day, str):
            day = date.fromisoformat(day)
        months.add((day.year, day.month))
    out = []
    for year in range(today.year, first_year - 1, -1):
        for key in period_keys(year):
            period = periods.parse(key)
            if period.first > today:
                continue
            if any(period.first <= date(y, m, 1) <= period.last for y, m in months):
                out.append(period)
    return out


@dataclass(frozen=True)
class UnlockInfo:
    snapshot_id: int
    period: str
    reason: str
    unlocked_by: str
    unlocked_at: datetime  # UTC


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


async def unlocks() -> dict[int, UnlockInfo]:
    """Every unlock, by the id of the snapshot version it unlocked."""
    rows = await PeriodUnlock.select().order_by(PeriodUnlock.id)
    return {r["snapshot_id"]: UnlockInfo(
        snapshot_id=r["snapshot_id"], period=r["period"], reason=r["reason"],
        unlocked_by=r["unlocked_by"], unlocked_at=_utc(r["unlocked_at"])) for r in rows}
