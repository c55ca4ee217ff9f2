"""Published score snapshots: a period's full score result frozen as it was published.

`publish` reads the engine's inputs for the period (per-unit aggregates and the targets),
scores them with the city's parameters, and stores the JSON of the result exactly as encoded
(with the method version, every parameter and seed, a SHA-256 digest of the inputs, the note,
and who published it). A snapshot row is never changed or deleted (database triggers);
publishing the same period again adds the next version, which needs a reason. Readers get the
stored bytes back unchanged, so every public figure and export of a version is the same
forever.

While a period's latest version is published, its targets and actuals are locked for unit
users (`is_locked`); a city user can unlock them with a reason (`unlock`, audited), until the
next version is published.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

import msgspec

from feedback.accounts.audit import Actor, record
from feedback.engine import is_integrity_error, transaction
from feedback.performance.periods import Period
from feedback.performance.scores import engine_inputs, score_inputs
from feedback.performance.snapshot_tables import PeriodUnlock, ScoreSnapshot
from feedback.tables import UnitDayStats
from scoring.inputs import Kpi, Parameters, UnitData
from scoring.result import ScoreResult

MAX_NOTE = 2000  # characters of a note or a reason


class SnapshotError(ValueError):
    """Publishing or unlocking refused; `code` says why (the web maps it to a status)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code  # not_publishable | no_data | reason_required | too_long |
        # not_published | not_locked | conflict
        self.message = message


@dataclass(frozen=True)
class SnapshotInfo:
    """A snapshot without its result (for listings)."""

    id: int
    period: str
    version: int
    method: str
    period_from: date
    period_to: date
    parameters: dict[str, Any]
    inputs_digest: str
    result_digest: str
    note: str
    reason: str | None
    published_by: str
    published_at: datetime  # UTC


@dataclass(frozen=True)
class Snapshot:
    info: SnapshotInfo
    result_json: bytes  # exactly as stored

    @cached_property
    def result(self) -> ScoreResult:
        return msgspec.json.decode(self.result_json, type=ScoreResult)


_INFO_COLUMNS = (
    ScoreSnapshot.id, ScoreSnapshot.period, ScoreSnapshot.version, ScoreSnapshot.method,
    ScoreSnapshot.period_from, ScoreSnapshot.period_to, ScoreSnapshot.parameters,
    ScoreSnapshot.inputs_digest, ScoreSnapshot.result_digest, ScoreSnapshot.note,
    ScoreSnapshot.reason, ScoreSnapshot.published_by, ScoreSnapshot.published_at,
)


def _info(row: dict[str, Any]) -> SnapshotInfo:
    params = row["parameters"]
    if isinstance(params, str | bytes):
        params = msgspec.json.decode(params)
    published_at = row["published_at"]
    if published_at.tzinfo is None:
        published_at = published_at.replace(tzinfo=UTC)
    return SnapshotInfo(
        id=row["id"], period=row["period"], version=row["version"], method=row["method"],
        period_from=row["period_from"], period_to=row["period_to"], parameters=params,
        inputs_digest=row["inputs_digest"], result_digest=row["result_digest"],
        note=row["note"], reason=row["reason"], published_by=row["published_by"],
        published_at=published_at.astimezone(UTC),
    )


def inputs_digest(units: list[UnitData], kpis: list[Kpi]) -> str:
    """SHA-256 of a canonical JSON of the engine's inputs (units in code order)."""
    canonical = {
        "units": [
            [u.unit, u.agency, u.peer_group, u.volume, u.name, u.agency_name,
             u.element_counts.astype(int).tolist(), [list(r) for r in u.score_hist]]
            for u in units
        ],
        "kpis": [
            [k.unit, k.indicator, k.target, k.actual, k.direction, k.weight,
             k.previous_actual]
            for k in kpis
        ],
    }
    return hashlib.sha256(msgspec.json.encode(canonical)).hexdigest()


def _check_text(text: str, what: str) -> str:
    text = text.strip()
    if len(text) > MAX_NOTE:
        raise SnapshotError("too_long", f"the {what} is longer than {MAX_NOTE} characters")
    return text


async def publish(period: Period, actor: Actor, note: str, reason: str | None = None,
                  params: Parameters | None = None) -> SnapshotInfo:
    """Freeze the period's score result as the next version. A period published before
    needs a `reason`. Raises SnapshotError."""
    if ".." in period.key:
        raise SnapshotError("not_publishable",
                            "only a year, semester, quarter or month can be published")
    note = _check_text(note, "note")
    reason = _check_text(reason or "", "reason") or None
    params = params or Parameters()
    has_data = await UnitDayStats.exists().where(
        (UnitDayStats.day >= period.first) & (UnitDayStats.day <= period.last))
    if not has_data:
        raise SnapshotError("no_data", f"no responses in {period.key}")
    previous = await _latest_info(period.key)
    if previous is not None and not reason:
        raise SnapshotError(
            "reason_required",
            f"{period.key} is already published (version {previous.version}): give the "
            "reason for a new version")
    units, kpis = await engine_inputs(period)
    digest = inputs_digest(units, kpis)
    result = await score_inputs(period, units, kpis, params)
    payload = msgspec.json.encode(result)
    parameters = msgspec.to_builtins(result.parameters)
    now = datetime.now(UTC)
    try:
        async with transaction():
            version = 1 + max(
                (r["version"] for r in await ScoreSnapshot.select(ScoreSnapshot.version)
                 .where(ScoreSnapshot.period == period.key)), default=0)
            if (previous is None) != (version == 1):
                raise SnapshotError("conflict", "someone published this period meanwhile")
            row = ScoreSnapshot(
                period=period.key, version=version, method=result.method,
                period_from=period.first, period_to=period.last, parameters=parameters,
                inputs_digest=digest, result=payload.decode(),
                result_digest=hashlib.sha256(payload).hexdigest(), note=note,
                reason=reason, published_by=actor.email[:254], published_by_id=actor.id,
                published_at=now)
            await row.save()
            await record(actor, "publish", "score_snapshot", f"{period.key} v{version}",
                         new={"period": period.key, "version": version,
                              "method": result.method, "inputs_digest": digest,
                              "result_digest": row.result_digest, "note": note,
                              "reason": reason}, at=now)
    except SnapshotError:
        raise
    except Exception as exc:  # the unique (period, version) index: a concurrent publish
        if is_integrity_error(exc):
            raise SnapshotError("conflict", "someone published this period meanwhile") from exc
        raise
    return await _info_by_id(row.id)


async def _info_by_id(snapshot_id: int) -> SnapshotInfo:
    row = await ScoreSnapshot.select(*_INFO_COLUMNS).where(
        ScoreSnapshot.id == snapshot_id).first()
    assert row is not None
    return _info(row)


async def _latest_info(period_key: str) -> SnapshotInfo | None:
    row = await ScoreSnapshot.select(*_INFO_COLUMNS).where(
        ScoreSnapshot.period == period_key).order_by(
        ScoreSnapshot.version, ascending=False).first()
    return None if row is None else _info(row)


async def _snapshot(where: Any) -> Snapshot | None:
    row = await ScoreSnapshot.select(*_INFO_COLUMNS, ScoreSnapshot.result).where(
        where).order_by(ScoreSnapshot.version, ascending=False).first()
    if row is None:
        return None
    return Snapshot(info=_info(row), result_json=row["result"].encode())


async def latest(period_key: str) -> Snapshot | None:
    """The version the public sees: the latest of the period, or None."""
    return await _snapshot(ScoreSnapshot.period == period_key)


async def get(period_key: str, version: int) -> Snapshot | None:
    return await _snapshot((ScoreSnapshot.period == period_key)
                           & (ScoreSnapshot.version == version))


async def versions(period_key: str | None = None) -> list[SnapshotInfo]:
    """Every version (of one period, or of all), newest period first, newest version
    first."""
    query = ScoreSnapshot.select(*_INFO_COLUMNS)
    if period_key is not None:
        query = query.where(ScoreSnapshot.period == period_key)
    rows = await query.order_by(ScoreSnapshot.period_to, ascending=False).order_by(
        ScoreSnapshot.period_from).order_by(ScoreSnapshot.version, ascending=False)
    return [_info(row) for row in rows]


async def published_periods() -> list[SnapshotInfo]:
    """The latest version of each published period: periods ending last first (for the same
    end, the longer period first)."""
    seen: set[str] = set()
    out = []
    for info in await versions():
        if info.period not in seen:
            seen.add(info.period)
            out.append(info)
    return out


async def is_locked(period_key: str) -> bool:
    """True while the period's latest version is published and not unlocked."""
    info = await _latest_info(period_key)
    if info is None:
        return False
    return not await PeriodUnlock.exists().where(PeriodUnlock.snapshot_id == info.id)


async def unlock(period_key: str, actor: Actor, reason: str) -> None:
    """Let unit users edit the period's targets and actuals again (until the next version
    is published). Raises SnapshotError."""
    reason = _check_text(reason, "reason")
    if not reason:
        raise SnapshotError("reason_required", "give the reason for unlocking")
    info = await _latest_info(period_key)
    if info is None:
        raise SnapshotError("not_published", f"{period_key} is not published")
    now = datetime.now(UTC)
    async with transaction():
        if await PeriodUnlock.exists().where(PeriodUnlock.snapshot_id == info.id):
            raise SnapshotError("not_locked", f"{period_key} is already unlocked")
        await PeriodUnlock.insert(PeriodUnlock(
            period=period_key, snapshot_id=info.id, reason=reason,
            unlocked_by=actor.email[:254], unlocked_by_id=actor.id, unlocked_at=now))
        await record(actor, "unlock_targets", "period", period_key,
                     old={"locked": True, "version": info.version},
                     new={"locked": False, "reason": reason}, at=now)
