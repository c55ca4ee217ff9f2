"""Who sees which alerts, the open ones listed and counted, and acknowledging one.

| role    | sees (open alerts)                                                        |
|---------|---------------------------------------------------------------------------|
| officer | none: the alerts are about their own counter (comments on its staff, its   |
|         | integrity flags); the unit head takes them up                              |
| unit    | its unit's urgent comments and sharp drops (integrity flags go to the      |
|         | agency and the city, who review them: a unit head is not asked to judge   |
|         | ratings stuffed at their own unit)                                         |
| agency  | every alert of its units (case alerts: those addressed to the agency)     |
| city    | (Inspektorat) every sharp drop and flagged counter-hour, and the urgent    |
|         | comments about illegal fees (pungli); other urgent comments stay with     |
|         | the agency; the case alerts addressed to the city (escalated to it)       |
| admin   | none                                                                       |

Case alerts (`kind` "case", `feedback.cases.notify`) name the case's unit and are addressed
by `agency_id`: the unit's agency, or `CITY_HOOK` (0) once a case is escalated to the city.

An alert is acknowledged once, by any user who sees it (`acknowledge`, audited as
`alert.acknowledge`); a second acknowledgement is refused (`AlreadyAcknowledged`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feedback.accounts.audit import Actor, record
from feedback.accounts.scope import Scope
from feedback.alerts.raising import CITY_HOOK, aware
from feedback.alerts.rules import city_sees
from feedback.alerts.tables import Alert
from feedback.engine import transaction
from feedback.org.scoped import NotAllowed, NotFound
from feedback.tables import Counter, Response, Unit

READERS = ("unit", "agency", "city")
AUDIT_ACTION = "alert.acknowledge"
MAX_LISTED = 200


class AlreadyAcknowledged(Exception):
    pass


@dataclass(frozen=True)
class AlertRow:
    id: int
    kind: str
    pungli: bool
    raised_at: datetime  # UTC
    unit_code: str
    unit_name: str
    counter_code: str | None
    counter_name: str | None
    comment: str | None  # raw text: the caller masks it
    details: dict[str, Any]
    acknowledged_at: datetime | None
    acknowledged_by: str | None


def _where(scope: Scope) -> Any:
    if scope.role not in READERS:
        raise NotAllowed(scope.role)
    if scope.role == "city":
        return (((Alert.kind != "urgent") & (Alert.kind != "case"))
                | (Alert.pungli == True)  # noqa: E712
                | ((Alert.kind == "case") & (Alert.agency_id == CITY_HOOK)))
    if scope.role == "agency":
        return Alert.agency_id == (scope.agency_id or -1)
    return (Alert.unit_id == (scope.unit_id or -1)) & (Alert.kind != "flag")


def sees(scope: Scope, alert: dict[str, Any]) -> bool:
    if scope.role == "city":
        return (city_sees(alert["kind"], bool(alert["pungli"]))
                or (alert["kind"] == "case" and alert["agency_id"] == CITY_HOOK))
    if scope.role == "agency":
        return alert["agency_id"] == scope.agency_id
    if scope.role == "unit":
        return alert["unit_id"] == scope.unit_id and alert["kind"] != "flag"
    return False


async def count_open(scope: Scope) -> int | None:
    """Open alerts `scope` sees; None for a role that sees no alerts."""
    if scope.role not in READERS:
        return None
    return await Alert.count().where(_where(scope) & Alert.acknowledged_at.is_null())


async def list_alerts(scope: Scope, *, acknowledged: bool = False) -> list[AlertRow]:
    """The open alerts (or, with `acknowledged`, the acknowledged ones) `scope` sees,
    newest first, at most MAX_LISTED. Raises NotAllowed for another role."""
    state = (Alert.acknowledged_at.is_not_null() if acknowledged
             else Alert.acknowledged_at.is_null())
    rows = await Alert.select().where(_where(scope) & state).order_by(
        Alert.raised_at, ascending=False).order_by(Alert.id, ascending=False).limit(MAX_LISTED)
    units = {r["id"]: r for r in await Unit.select(Unit.id, Unit.code, Unit.name).where(
        Unit.id.is_in([r["unit_id"] for r in rows] or [-1]))}
    counters = {r["id"]: r for r in await Counter.select(Counter.id, Counter.code,
                                                         Counter.name).where(
        Counter.id.is_in([r["counter_id"] for r in rows if r["counter_id"]] or [-1]))}
    comments = {r["id"]: r["comment"] for r in await Response.select(
        Response.id, Response.comment).where(
        Response.id.is_in([r["response_id"] for r in rows if r["response_id"]] or [-1]))}
    out = []
    for r in rows:
        unit = units.get(r["unit_id"], {"code": "?", "name": "?"})
        counter = counters.get(r["counter_id"]) if r["counter_id"] else None
        details = r["details"]
        if isinstance(details, str):
            details = json.loads(details)
        out.append(AlertRow(
            id=r["id"], kind=r["kind"], pungli=bool(r["pungli"]),
            raised_at=aware(r["raised_at"]), unit_code=unit["code"], unit_name=unit["name"],
            counter_code=counter["code"] if counter else None,
            counter_name=counter["name"] if counter else None,
            comment=comments.get(r["response_id"]) if r["response_id"] else None,
            details=details,
            acknowledged_at=aware(r["acknowledged_at"]) if r["acknowledged_at"] else None,
            acknowledged_by=r["acknowledged_by"]))
    return out


async def acknowledge(actor: Actor, scope: Scope, alert_id: int,
                      at: datetime | None = None) -> None:
    """Acknowledge an alert `scope` sees, audited. Raises NotAllowed (role), NotFound
    (unknown or outside the scope: indistinguishable), AlreadyAcknowledged."""
    if scope.role not in READERS:
        raise NotAllowed(scope.role)
    now = at or datetime.now(UTC)
    async with transaction():
        row = await Alert.select().where(Alert.id == alert_id).first()
        if row is None or not sees(scope, row):
            raise NotFound(str(alert_id))
        done = await Alert.update({Alert.acknowledged_at: now,
                                   Alert.acknowledged_by: actor.email[:254],
                                   Alert.acknowledged_by_id: actor.id}).where(
            (Alert.id == alert_id) & Alert.acknowledged_at.is_null()).returning(Alert.id)
        if not done:
            raise AlreadyAcknowledged(str(alert_id))
        await record(actor, AUDIT_ACTION, "alert", str(alert_id), old={"acknowledged": False},
                     new={"acknowledged": True, "kind": row["kind"]}, at=now)
