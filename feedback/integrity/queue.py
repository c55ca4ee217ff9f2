"""The review queue's reads: the flagged counter-hours a staff member may review (agency:
its own agency's counters; city: all), newest flag per counter-hour only (every scan adds
its own flags), ordered pending first then by anomaly score; one flag's evidence (the
responses of the hour, a 5-minute timeline against the counter's normal for that clock
hour, the decisions taken); and the check before a decision (`check_decidable`: a newer
flag for the same counter-hour, or responses already decided, make it stale)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.query.functions.aggregate import Max

from feedback.accounts.scope import Scope
from feedback.clock import WITA
from feedback.integrity.tables import IntegrityDecision, IntegrityFlag
from feedback.tables import Response
from scoring.ikm import ELEMENTS

REVIEWERS = ("agency", "city")
SLOT_MINUTES = 5
NORMAL_DAYS = 28
STATUSES = ("pending", "decided")


class NotFound(LookupError):
    """No such flag, or outside the viewer's scope (indistinguishable)."""


class Stale(RuntimeError):
    """The decision was made on an outdated view (a newer flag, or already decided)."""


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


@dataclass(frozen=True)
class QueueItem:
    flag_id: int
    counter: str
    counter_name: str
    unit: str
    unit_name: str
    hour: datetime  # WITA
    reasons: tuple[str, ...]
    anomaly_score: float
    responses: int
    decided: int  # responses of the flag already decided on
    status: str  # pending | decided


def _scope_where(scope: Scope) -> Any:
    if scope.role not in REVIEWERS:
        return IntegrityFlag.counter == -1
    return scope.unit_where(IntegrityFlag.counter.unit.id, IntegrityFlag.counter.unit.agency)


async def _decided_ids(keys: set[tuple[str, datetime]] | None = None) -> dict[
        tuple[str, datetime], set[int]]:
    """Response ids decided on, per (counter code, hour UTC)."""
    rows = await IntegrityDecision.select(IntegrityDecision.counter, IntegrityDecision.hour,
                                          IntegrityDecision.response_ids)
    out: dict[tuple[str, datetime], set[int]] = {}
    for r in rows:
        key = (r["counter"], _aware(r["hour"]))
        if keys is None or key in keys:
            out.setdefault(key, set()).update(int(i) for i in _json(r["response_ids"]))
    return out


async def _newest_flags(scope: Scope) -> list[dict[str, Any]]:
    where = _scope_where(scope)
    latest = IntegrityFlag.select(Max(IntegrityFlag.id, alias="id")).group_by(
        IntegrityFlag.counter, IntegrityFlag.hour)
    if where is not None:
        latest = latest.where(where)
    ids = [r["id"] for r in await latest]
    if not ids:
        return []
    return await IntegrityFlag.select(
        IntegrityFlag.id, IntegrityFlag.hour, IntegrityFlag.reasons,
        IntegrityFlag.anomaly_score, IntegrityFlag.responses, IntegrityFlag.response_ids,
        IntegrityFlag.counter.code.as_alias("counter_code"),
        IntegrityFlag.counter.name.as_alias("counter_name"),
        IntegrityFlag.counter.unit.code.as_alias("unit_code"),
        IntegrityFlag.counter.unit.name.as_alias("unit_name")).where(
        IntegrityFlag.id.is_in(ids))


async def review_queue(scope: Scope, status: str | None = None) -> list[QueueItem]:
    """The newest flag of every flagged counter-hour in scope: pending first, then by
    anomaly score (highest first), then newest hour; `status` keeps one kind only."""
    if status is not None and status not in STATUSES:
        raise ValueError(status)
    flags = await _newest_flags(scope)
    decided = await _decided_ids()
    items = []
    for row in flags:
        hour = _aware(row["hour"])
        ids = {int(i) for i in _json(row["response_ids"])}
        done = len(ids & decided.get((row["counter_code"], hour), set()))
        state = "decided" if ids and done == len(ids) else "pending"
        if status is not None and state != status:
            continue
        items.append(QueueItem(
            flag_id=row["id"], counter=row["counter_code"], counter_name=row["counter_name"],
            unit=row["unit_code"], unit_name=row["unit_name"], hour=hour.astimezone(WITA),
            reasons=tuple(_json(row["reasons"])), anomaly_score=float(row["anomaly_score"]),
            responses=len(ids), decided=done, status=state))
    items.sort(key=lambda i: (i.status != "pending", -i.anomaly_score,
                              -i.hour.timestamp(), -i.flag_id))
    return items


@dataclass(frozen=True)
class FlagResponse:
    id: int
    at: datetime  # WITA
    answers: dict[str, int]
    mean: float | None
    device: str | None  # shortened hash
    token: bool
    comment: str | None  # raw: mask before showing
    excluded: bool
    decided: str | None  # exclude | keep, when a decision covers it


@dataclass(frozen=True)
class DecisionRow:
    id: int
    at: datetime  # WITA
    actor: str
    action: str
    reason: str
    responses: int


@dataclass(frozen=True)
class FlagDetail:
    item: QueueItem
    scan_id: int
    features: dict[str, float]
    evidence: dict[str, dict[str, Any]]
    responses: list[FlagResponse]
    slots: list[int]  # ratings per 5 minutes in the hour
    normal: list[float]  # the counter's mean per 5 minutes, same WITA hour, NORMAL_DAYS days
    decisions: list[DecisionRow] = field(default_factory=list)
    newer_flag: int | None = None  # a newer flag of the same counter-hour (this one is stale)

    @property
    def pending_ids(self) -> list[int]:
        return [r.id for r in self.responses if r.decided is None]


async def flag_detail(scope: Scope, flag_id: int) -> FlagDetail:
    where = IntegrityFlag.id == flag_id
    limit = _scope_where(scope)
    if limit is not None:
        where = where & limit
    rows = await IntegrityFlag.select(
        IntegrityFlag.all_columns(),
        IntegrityFlag.counter.code.as_alias("counter_code"),
        IntegrityFlag.counter.name.as_alias("counter_name"),
        IntegrityFlag.counter.unit.code.as_alias("unit_code"),
        IntegrityFlag.counter.unit.name.as_alias("unit_name")).where(where)
    if not rows:
        raise NotFound(flag_id)
    row = rows[0]
    hour = _aware(row["hour"])
    code = row["counter_code"]
    ids = sorted(int(i) for i in _json(row["response_ids"]))
    newer = await IntegrityFlag.select(IntegrityFlag.id).where(
        (IntegrityFlag.counter == row["counter"]) & (IntegrityFlag.hour == hour)
        & (IntegrityFlag.id > flag_id)).order_by(IntegrityFlag.id, ascending=False).first()

    decision_rows = await IntegrityDecision.select().where(
        (IntegrityDecision.counter == code) & (IntegrityDecision.hour == hour)
    ).order_by(IntegrityDecision.id)
    decided_action: dict[int, str] = {}
    for d in decision_rows:
        for i in _json(d["response_ids"]):
            decided_action[int(i)] = d["action"]
    decisions = [DecisionRow(id=d["id"], at=_aware(d["at"]).astimezone(WITA),
                             actor=d["actor"], action=d["action"], reason=d["reason"],
                             responses=len(_json(d["response_ids"])))
                 for d in decision_rows]

    found = await Response.select(
        Response.id, Response.submitted_at, Response.answers, Response.device_hash,
        Response.token, Response.comment, Response.excluded).where(
        Response.id.is_in(ids)).order_by(Response.submitted_at) if ids else []
    responses = []
    for r in found:
        answers = {k: int(v) for k, v in (_json(r["answers"]) or {}).items()
                   if k in ELEMENTS and v}
        given = [answers[e] for e in ELEMENTS if e in answers]
        device = r["device_hash"]
        responses.append(FlagResponse(
            id=r["id"], at=_aware(r["submitted_at"]).astimezone(WITA), answers=answers,
            mean=sum(given) / len(given) if given else None,
            device=device[:8] if device else None, token=bool(r["token"]),
            comment=r["comment"] if r["comment"] and r["comment"].strip() else None,
            excluded=bool(r["excluded"]), decided=decided_action.get(r["id"])))

    slots = [0] * (60 // SLOT_MINUTES)
    for r in responses:
        slots[min(r.at.minute // SLOT_MINUTES, len(slots) - 1)] += 1
    normal = await _normal(row["counter"], hour)

    done = sum(1 for i in ids if i in decided_action)
    item = QueueItem(
        flag_id=row["id"], counter=code, counter_name=row["counter_name"],
        unit=row["unit_code"], unit_name=row["unit_name"], hour=hour.astimezone(WITA),
        reasons=tuple(_json(row["reasons"])), anomaly_score=float(row["anomaly_score"]),
        responses=len(ids), decided=done,
        status="decided" if ids and done == len(ids) else "pending")
    return FlagDetail(item=item, scan_id=row["scan"], features=_json(row["features"]) or {},
                      evidence=_json(row["evidence"]) or {}, responses=responses,
                      slots=slots, normal=normal, decisions=decisions,
                      newer_flag=newer["id"] if newer else None)


async def _normal(counter_id: int, hour: datetime) -> list[float]:
    """The counter's mean ratings per 5-minute slot in the same WITA clock hour over the
    NORMAL_DAYS days before (counted, not excluded responses)."""
    start = hour - timedelta(days=NORMAL_DAYS)
    rows = await Response.select(Response.submitted_at).where(
        (Response.counter == counter_id) & (Response.submitted_at >= start)
        & (Response.submitted_at < hour) & (Response.counted == True)  # noqa: E712
        & (Response.excluded == False))  # noqa: E712
    clock = hour.astimezone(WITA).hour
    slots = [0] * (60 // SLOT_MINUTES)
    for r in rows:
        at = _aware(r["submitted_at"]).astimezone(WITA)
        if at.hour == clock:
            slots[min(at.minute // SLOT_MINUTES, len(slots) - 1)] += 1
    return [s / NORMAL_DAYS for s in slots]


async def check_decidable(scope: Scope, flag_id: int, response_ids: Sequence[int] | None,
                          seen: int | None) -> FlagDetail:
    """The flag's detail if a decision on it (all its undecided responses, or
    `response_ids`) is still current: raises NotFound (outside the scope), Stale (a newer
    flag of the counter-hour exists, a decision was taken since the page was read — `seen`
    is the number of decisions the page showed — or a chosen response is decided)."""
    detail = await flag_detail(scope, flag_id)
    if detail.newer_flag is not None:
        raise Stale("newer")
    if seen is not None and seen != len(detail.decisions):
        raise Stale("changed")
    pending = set(detail.pending_ids)
    chosen = set(response_ids) if response_ids is not None else pending
    if not pending or not chosen <= pending | (chosen - {r.id for r in detail.responses}):
        raise Stale("decided")
    return detail
