"""`raise_alerts(now)`: raise the alerts of the rules (`feedback.alerts.rules`), once per
source object, and queue their webhook deliveries.

* urgent comments: the comments of the last `LOOKBACK_DAYS` days (not excluded) that the
  classifier in use or the newest staff correction marks urgent;
* sharp drops: each counter with a counted rating in the last `rules.RECENT_DAYS` days;
* flagged counter-hours: every stored `integrity_flag` (one alert per counter-hour, however
  many scans flagged it). `raise_flag_alerts` alone runs at the end of each integrity scan.

Idempotent: an alert's `source_key` is unique and inserted with ON CONFLICT DO NOTHING, so
two runs at once (two workers, the CLI beside the server) never raise one twice. Nothing
here runs on the citizens' submit path. Each new alert of an agency with an active webhook
gets one `alert_delivery` (its JSON body frozen), sent by `feedback.alerts.webhook`; the
alerts the city role sees (drops, flags, pungli comments) also go to the city's webhook.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from feedback.alerts import rules
from feedback.alerts.tables import Alert, AlertDelivery, AlertWebhook
from feedback.comments.current import current_labels as _labels
from feedback.comments.masking import mask
from feedback.engine import transaction
from feedback.integrity.tables import IntegrityFlag
from feedback.tables import Counter, Response, Unit

LOOKBACK_DAYS = 7
CITY_HOOK = 0  # the agency_id of the city's webhook (alert_webhook)


@dataclass(frozen=True)
class Raised:
    urgent: int = 0
    drop: int = 0
    flag: int = 0

    @property
    def total(self) -> int:
        return self.urgent + self.drop + self.flag

    def as_json(self) -> dict[str, int]:
        return {"urgent": self.urgent, "drop": self.drop, "flag": self.flag}


def aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _answers(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


async def _existing(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        rows = await Alert.select(Alert.source_key).where(Alert.source_key.is_in(chunk))
        found.update(r["source_key"] for r in rows)
    return found


async def _codes(unit_ids: set[int], counter_ids: set[int]) -> tuple[dict, dict]:
    units = {r["id"]: r for r in await Unit.select(
        Unit.id, Unit.code, Unit.name, Unit.agency.code.as_alias("agency_code")).where(
        Unit.id.is_in(list(unit_ids) or [-1]))}
    counters = {r["id"]: r for r in await Counter.select(
        Counter.id, Counter.code, Counter.name).where(Counter.id.is_in(list(counter_ids) or [-1]))}
    return units, counters


def body_of(alert: dict[str, Any], units: dict, counters: dict,
            comment: str | None) -> str:
    """The JSON POSTed to a webhook for one alert (see the README's format)."""
    unit = units.get(alert["unit_id"], {})
    counter = counters.get(alert["counter_id"]) if alert["counter_id"] else None
    return json.dumps({
        "id": alert["id"], "kind": alert["kind"], "pungli": alert["pungli"],
        "raised_at": aware(alert["raised_at"]).isoformat().replace("+00:00", "Z"),
        "agency": unit.get("agency_code"), "unit": unit.get("code"),
        "unit_name": unit.get("name"),
        "counter": counter["code"] if counter else None,
        "counter_name": counter["name"] if counter else None,
        "comment": comment, "details": alert["details"],
    }, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


async def _insert(candidates: list[dict[str, Any]], now: datetime,
                  comments: dict[int, str] | None = None) -> int:
    """Insert the candidates not raised yet; queue deliveries. Returns how many were new."""
    if not candidates:
        return 0
    known = await _existing([c["source_key"] for c in candidates])
    fresh = [c for c in candidates if c["source_key"] not in known]
    if not fresh:
        return 0
    hooks = {r["agency_id"]: r["id"] for r in await AlertWebhook.select(
        AlertWebhook.id, AlertWebhook.agency_id).where(AlertWebhook.active == True)}  # noqa: E712
    units, counters = (await _codes({c["unit_id"] for c in fresh},
                                    {c["counter_id"] for c in fresh if c["counter_id"]})
                       if hooks else ({}, {}))
    new = 0
    async with transaction():
        for c in fresh:
            rows = await Alert.insert(Alert(raised_at=now, **c)).on_conflict(
                target=Alert.source_key, action="DO NOTHING").returning(Alert.id)
            if not rows:
                continue
            new += 1
            targets = [hooks.get(c["agency_id"])]
            if rules.city_sees(c["kind"], c["pungli"]):
                targets.append(hooks.get(CITY_HOOK))
            targets = [t for t in targets if t is not None]
            if not targets:
                continue
            alert = {**c, "id": rows[0]["id"], "raised_at": now}
            body = body_of(alert, units, counters, (comments or {}).get(c["response_id"] or 0))
            await AlertDelivery.insert(*(AlertDelivery(
                alert_id=alert["id"], webhook_id=hook, state="pending", attempts=0,
                next_at=now, created_at=now, body=body) for hook in targets))
    return new


async def raise_from(candidates: list[dict[str, Any]], now: datetime) -> int:
    """Raise alerts that another feature built (the case events, `feedback.cases.notify`):
    each a dict of the `alert` columns but `raised_at`; once per `source_key`, deliveries
    queued as for the rules' own. Returns how many were new."""
    return await _insert(candidates, now)


async def raise_flag_alerts(now: datetime) -> int:
    """An alert per flagged counter-hour not alerted yet."""
    rows = await IntegrityFlag.select(
        IntegrityFlag.id, IntegrityFlag.counter, IntegrityFlag.hour, IntegrityFlag.reasons,
        IntegrityFlag.anomaly_score, IntegrityFlag.responses,
        IntegrityFlag.counter.unit.as_alias("unit_id"),
        IntegrityFlag.counter.unit.agency.as_alias("agency_id")).order_by(IntegrityFlag.id)
    candidates: dict[str, dict[str, Any]] = {}
    for r in rows:
        hour = aware(r["hour"])
        key = f"flag:{r['counter']}:{hour.strftime('%Y-%m-%dT%H:%MZ')}"
        if key in candidates:
            continue
        reasons = r["reasons"] if isinstance(r["reasons"], list) else json.loads(r["reasons"])
        candidates[key] = {
            "kind": "flag", "source_key": key, "agency_id": r["agency_id"],
            "unit_id": r["unit_id"], "counter_id": r["counter"], "response_id": None,
            "pungli": False,
            "details": {"flag_id": r["id"], "hour": hour.isoformat(), "reasons": reasons,
                        "anomaly_score": round(float(r["anomaly_score"]), 4),
                        "responses": r["responses"]}}
    return await _insert(list(candidates.values()), now)


async def raise_comment_alerts(now: datetime, days: int = LOOKBACK_DAYS) -> int:
    """An alert per urgent comment of the last `days` days not alerted yet."""
    rows = await Response.select(
        Response.id, Response.comment, Response.counter, Response.unit,
        Response.unit.agency.as_alias("agency_id")).where(
        (Response.submitted_at >= now - timedelta(days=days))
        & (Response.submitted_at <= now) & Response.comment.is_not_null()
        & (Response.excluded == False))  # noqa: E712
    rows = [r for r in rows if r["comment"] and r["comment"].strip()]
    known = await _existing([f"comment:{r['id']}" for r in rows])
    rows = [r for r in rows if f"comment:{r['id']}" not in known]
    labels = await _labels(rows)
    candidates, comments = [], {}
    for r in rows:
        label = labels.get(r["id"])
        if label is None or not label[2]:
            continue
        masked = mask(r["comment"])
        comments[r["id"]] = masked
        candidates.append({
            "kind": "urgent", "source_key": f"comment:{r['id']}", "agency_id": r["agency_id"],
            "unit_id": r["unit"], "counter_id": r["counter"], "response_id": r["id"],
            "pungli": rules.is_pungli(masked, label[0]),
            "details": {"element": label[0], "sentiment": label[1],
                        "terms": list(label[3]) or list(rules.fee_terms(masked))}})
    return await _insert(candidates, now, comments)


async def raise_drop_alerts(now: datetime) -> int:
    """An alert per counter whose last WINDOW ratings are a sharp drop (rules.drop_test)
    and share no rating with the window of its previous drop alert."""
    recent = now - timedelta(days=rules.RECENT_DAYS)
    counters = await Response.select(
        Response.counter, Response.unit, Response.unit.agency.as_alias("agency_id")).where(
        (Response.submitted_at >= recent) & (Response.submitted_at <= now)
        & (Response.counted == True) & (Response.excluded == False)).distinct()  # noqa: E712
    candidates = []
    for c in counters:
        base = ((Response.counter == c["counter"]) & (Response.counted == True)  # noqa: E712
                & (Response.excluded == False) & (Response.submitted_at <= now))  # noqa: E712
        window = await Response.select(Response.id, Response.submitted_at,
                                       Response.answers).where(base).order_by(
            Response.submitted_at, ascending=False).order_by(
            Response.id, ascending=False).limit(rules.WINDOW)
        if len(window) < rules.WINDOW:
            continue
        first = aware(window[-1]["submitted_at"])
        ids = sorted(r["id"] for r in window)
        previous = await Alert.select(Alert.details).where(
            (Alert.kind == "drop") & (Alert.counter_id == c["counter"])).order_by(
            Alert.id, ascending=False).first()
        if previous is not None:
            details = previous["details"]
            if isinstance(details, str):
                details = json.loads(details)
            if set(details.get("response_ids", [])) & set(ids):
                continue
        history = await Response.select(Response.answers).where(
            base & (Response.submitted_at >= first - timedelta(days=rules.BASELINE_DAYS))
            & (Response.submitted_at < first))
        scores = [rules.respondent_score(_answers(r["answers"])) for r in window]
        baseline = [rules.respondent_score(_answers(r["answers"])) for r in history]
        drop = rules.drop_test([s for s in scores if s is not None],
                               [s for s in baseline if s is not None])
        if drop is None:
            continue
        candidates.append({
            "kind": "drop", "source_key": f"drop:{c['counter']}:{ids[-1]}",
            "agency_id": c["agency_id"], "unit_id": c["unit"], "counter_id": c["counter"],
            "response_id": None, "pungli": False,
            "details": {**drop.as_json(), "response_ids": ids,
                        "window_from": first.isoformat(),
                        "window_to": aware(window[0]["submitted_at"]).isoformat()}})
    return await _insert(candidates, now)


async def raise_alerts(now: datetime | None = None, comment_days: int = LOOKBACK_DAYS
                       ) -> Raised:
    """Raise every rule's new alerts (see the module doc); urgent comments of the last
    `comment_days` days."""
    now = now or datetime.now(UTC)
    return Raised(urgent=await raise_comment_alerts(now, comment_days),
                  drop=await raise_drop_alerts(now), flag=await raise_flag_alerts(now))


__all__ = ["LOOKBACK_DAYS", "Raised", "aware", "body_of", "raise_alerts",
           "raise_comment_alerts", "raise_from", "raise_drop_alerts", "raise_flag_alerts"]
