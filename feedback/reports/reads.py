"""What the SKM report reads besides the dashboards' aggregates: the responses per channel
and the period's comments (masked). Both are limited to counted or visible responses of
the report's units in the period's WITA days; `unit_ids` None means every unit (the city).

The channel count is one query over `response` (counted, not excluded: exactly the
responses in the official IKM, so the channels add up to n); the aggregates do not hold
the channel. Comments follow the staff comment pages (feedback.comments.listing): not of
excluded responses, masked, without counter, service, answers or profile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from feedback.clock import WITA
from feedback.comments.masking import mask
from feedback.performance.periods import Period
from feedback.tables import Response


@dataclass(frozen=True)
class RecentComment:
    submitted_at: datetime  # WITA
    text: str  # masked


def bounds(period: Period) -> tuple[datetime, datetime]:
    """The period's WITA days as a UTC half-open interval [start, end)."""
    start = datetime.combine(period.first, time(0), WITA).astimezone(UTC)
    end = datetime.combine(period.last + timedelta(days=1), time(0), WITA).astimezone(UTC)
    return start, end


def _where(unit_ids: Sequence[int] | None, period: Period, *extra: str
           ) -> tuple[str, list[Any]]:
    start, end = bounds(period)
    parts = ['"submitted_at" >= {}', '"submitted_at" < {}', '"excluded" = {}', *extra]
    args: list[Any] = [start, end, False]
    if unit_ids is not None:
        ids = sorted({int(u) for u in unit_ids}) or [-1]
        parts.insert(0, f'"unit" IN ({", ".join("{}" for _ in ids)})')
        args = [*ids, *args]
    return " AND ".join(parts), args


async def channel_counts(unit_ids: Sequence[int] | None, period: Period) -> dict[str, int]:
    """Counted, not excluded responses per channel (qr, ticket, kiosk, web, import)."""
    where, args = _where(unit_ids, period, '"counted" = {}')
    rows = await Response.raw(
        f'SELECT "channel", COUNT(*) AS "n" FROM "response" WHERE {where} '
        'GROUP BY "channel"', *args, True).run()
    return {row["channel"]: int(row["n"]) for row in rows}


async def comment_count(unit_ids: Sequence[int] | None, period: Period) -> int:
    where, args = _where(unit_ids, period, '"comment" IS NOT NULL')
    rows = await Response.raw(
        f'SELECT COUNT(*) AS "n" FROM "response" WHERE {where}', *args).run()
    return int(rows[0]["n"]) if rows else 0


async def recent_comments(unit_ids: Sequence[int] | None, period: Period, limit: int
                          ) -> tuple[RecentComment, ...]:
    """The period's `limit` newest comments, masked (feedback.comments.masking)."""
    where, args = _where(unit_ids, period, '"comment" IS NOT NULL')
    rows = await Response.raw(
        f'SELECT "id", "submitted_at", "comment" FROM "response" WHERE {where} '
        'ORDER BY "submitted_at" DESC, "id" DESC LIMIT {}', *args, limit).run()
    out = []
    for row in rows:
        at = row["submitted_at"]
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        out.append(RecentComment(at.astimezone(WITA), mask(row["comment"])))
    return tuple(out)
