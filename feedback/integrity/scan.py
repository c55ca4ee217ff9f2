"""`run_scan`: screen the counter-hours of a window (scoring.integrity.screen on the
database's inputs) and store the result: one `integrity_scan` row with the model version,
the features and the parameters, and one `integrity_flag` row per flagged counter-hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from feedback.alerts.raising import raise_flag_alerts
from feedback.clock import WITA
from feedback.engine import transaction
from feedback.integrity.inputs import read_counters, read_ratings, read_served
from feedback.integrity.tables import IntegrityFlag, IntegrityScan
from scoring.integrity import DEFAULT_PARAMS, Params, screen
from scoring.integrity.features import WEEK

DEFAULT_DAYS = 7



@dataclass(frozen=True)
class FlaggedHour:
    counter: str  # counter code
    hour: datetime  # start of the WITA hour (aware, WITA)
    reasons: tuple[str, ...]
    anomaly_score: float
    responses: int
    features: dict[str, float]
    evidence: dict[str, dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"counter": self.counter, "hour": self.hour.isoformat(),
                "reasons": list(self.reasons), "anomaly_score": self.anomaly_score,
                "responses": self.responses}


@dataclass(frozen=True)
class ScanReport:
    scan_id: int
    window_from: datetime  # aware UTC, start of the first WITA hour scanned
    window_to: datetime  # aware UTC, exclusive
    counter_hours: int
    flagged: list[FlaggedHour]  # most anomalous first
    model_version: str
    features: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"counter_hours": self.counter_hours,
                "flagged": [f.as_json() for f in self.flagged]}


def hour_floor(moment: datetime) -> datetime:
    """The start of the WITA hour `moment` is in, as aware UTC."""
    local = moment.astimezone(WITA).replace(minute=0, second=0, microsecond=0)
    return local.astimezone(UTC)


def default_window(now: datetime) -> tuple[datetime, datetime]:
    """The last DEFAULT_DAYS days up to now."""
    return now - timedelta(days=DEFAULT_DAYS), now


async def run_scan(start: datetime, end: datetime, *, trigger: str = "cli",
                   params: Params = DEFAULT_PARAMS, now: datetime | None = None) -> ScanReport:
    """Screen the WITA counter-hours from the hour of `start` up to `end` (exclusive; aware
    datetimes) and store the result. Raises ValueError when the window is empty."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    first = hour_floor(start)
    if end <= first:
        raise ValueError("the window ends before it starts")
    history = first - timedelta(seconds=params.baseline_weeks * WEEK)
    ratings = await read_ratings(history, end)
    codes, facts = await read_counters()
    served = await read_served(first, end)
    result = screen(ratings, int(first.timestamp()), int(end.timestamp()), facts, served,
                    params, history_start=int(history.timestamp()))

    flagged = [
        FlaggedHour(counter=codes.get(f.counter, str(f.counter)),
                    hour=datetime.fromtimestamp(f.hour, UTC).astimezone(WITA),
                    reasons=f.reasons, anomaly_score=f.anomaly_score, responses=f.responses,
                    features=f.features, evidence=f.evidence)
        for f in result.flagged
    ]
    started = now if now is not None else datetime.now(UTC)
    async with transaction():
        scan = IntegrityScan(started_at=started, window_from=first, window_to=end,
                             counter_hours=result.counter_hours, flagged=len(result.flagged),
                             training_hours=result.training_hours,
                             model_version=result.model_version,
                             features=list(result.features), params=result.params,
                             trigger=trigger)
        await scan.save()
        rows = [
            IntegrityFlag(scan=scan.id, counter=f.counter,
                          hour=datetime.fromtimestamp(f.hour, UTC), reasons=list(f.reasons),
                          anomaly_score=f.anomaly_score, responses=f.responses,
                          features=f.features, evidence=f.evidence,
                          response_ids=list(f.response_ids))
            for f in result.flagged
        ]
        for start_at in range(0, len(rows), 500):
            await IntegrityFlag.insert(*rows[start_at:start_at + 500])
    await raise_flag_alerts(started)  # an alert per newly flagged counter-hour
    return ScanReport(scan_id=scan.id, window_from=first, window_to=end,
                      counter_hours=result.counter_hours, flagged=flagged,
                      model_version=result.model_version, features=result.features)
