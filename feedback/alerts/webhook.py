"""Outgoing webhooks: an agency's alerts POSTed as JSON to its URL, signed, retried.

* `set_webhook(actor, agency_code, url, secret=None)` stores (or replaces) the agency's
  webhook (`agency_code` None: the city's, which gets the alerts the city role sees: every
  drop and flag and the pungli comments); a secret is generated when none is given and
  returned once (it is never shown again, nor written to the audit log: the audit row
  `alert.webhook` has the URL and the secret's SHA-256 fingerprint). `disable_webhook` turns it off.
* Each new alert of the agency gets one delivery (`feedback.alerts.raising`), its body
  frozen: every attempt sends the same bytes.
* A request carries `Content-Type: application/json`, `X-Suara-Delivery` (the delivery
  id: a receiver drops repeats), `X-Suara-Timestamp` (Unix seconds of this attempt) and
  `X-Suara-Signature: sha256=<hex>`, the HMAC-SHA256 with the secret of
  `<timestamp>.<body>` (the timestamp, a dot, then the exact body bytes). A receiver
  recomputes it and refuses a timestamp more than 5 minutes away from its clock, so a
  captured request cannot be replayed later.
* A 2xx answer delivers. Anything else (another status, a timeout of `TIMEOUT` seconds, a
  refused connection) is retried after 1 min, 5 min, 30 min and 2 h (`RETRY_AFTER`); after
  the fifth failed attempt the delivery is given up (`failed`). Every attempt is logged in
  `alert_delivery_attempt` (status code, error, time).
* `deliver_due(now)` sends the deliveries due, each claimed first (its next attempt is
  moved `LEASE` ahead in one conditional UPDATE), so two senders never send one attempt
  twice. `suara alerts deliver` runs it; `suara serve` runs it every minute.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from feedback.accounts.audit import Actor, record
from feedback.alerts.raising import CITY_HOOK
from feedback.alerts.tables import AlertDelivery, AlertDeliveryAttempt, AlertWebhook
from feedback.engine import transaction
from feedback.tables import Agency

RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
               timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
TIMEOUT = 5.0
LEASE = timedelta(minutes=2)
AUDIT_ACTION = "alert.webhook"
MAX_URL = 500


class UnknownAgency(LookupError):
    pass


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Suara-Signature` value of a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if (parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL
            or any(c.isspace() for c in url)):
        raise ValueError("the URL must be an http:// or https:// address of at most "
                         f"{MAX_URL} characters")
    return url


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


async def _agency_id(code: str | None) -> int:
    if code is None:
        return CITY_HOOK
    row = await Agency.select(Agency.id).where(Agency.code == code).first()
    if row is None:
        raise UnknownAgency(code)
    return row["id"]


def _object(agency_code: str | None) -> tuple[str, str]:
    return ("city", "city") if agency_code is None else ("agency", agency_code)


async def set_webhook(actor: Actor, agency_code: str | None, url: str, secret: str | None = None,
                      at: datetime | None = None) -> str:
    """Store the agency's webhook (active); returns its secret. Raises UnknownAgency,
    ValueError (a bad URL, a secret shorter than 16 characters)."""
    url = check_url(url)
    if secret is None:
        secret = secrets.token_hex(32)
    if len(secret) < 16 or len(secret) > 128:
        raise ValueError("the secret must have 16 to 128 characters")
    agency = await _agency_id(agency_code)
    now = at or datetime.now(UTC)
    async with transaction():
        old = await AlertWebhook.select().where(AlertWebhook.agency_id == agency).first()
        values = {AlertWebhook.url: url, AlertWebhook.secret: secret,
                  AlertWebhook.active: True, AlertWebhook.updated_at: now,
                  AlertWebhook.updated_by: actor.email[:254]}
        if old is None:
            await AlertWebhook.insert(AlertWebhook(
                agency_id=agency, url=url, secret=secret, active=True, updated_at=now,
                updated_by=actor.email[:254]))
        else:
            await AlertWebhook.update(values).where(AlertWebhook.id == old["id"])
        await record(actor, AUDIT_ACTION, *_object(agency_code),
                     old=None if old is None else {"url": old["url"], "active": old["active"],
                                                   "secret": fingerprint(old["secret"])},
                     new={"url": url, "active": True, "secret": fingerprint(secret)}, at=now)
    return secret


async def disable_webhook(actor: Actor, agency_code: str | None,
                          at: datetime | None = None) -> bool:
    """Turn the agency's webhook off (pending deliveries stay and are not sent). Returns
    whether anything changed."""
    agency = await _agency_id(agency_code)
    now = at or datetime.now(UTC)
    async with transaction():
        old = await AlertWebhook.select().where(AlertWebhook.agency_id == agency).first()
        if old is None or not old["active"]:
            return False
        await AlertWebhook.update({AlertWebhook.active: False, AlertWebhook.updated_at: now,
                                   AlertWebhook.updated_by: actor.email[:254]}).where(
            AlertWebhook.id == old["id"])
        await record(actor, AUDIT_ACTION, *_object(agency_code),
                     old={"url": old["url"], "active": True},
                     new={"url": old["url"], "active": False}, at=now)
    return True


@dataclass(frozen=True)
class DeliveryReport:
    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def as_json(self) -> dict[str, int]:
        return {"attempted": self.attempted, "delivered": self.delivered,
                "retrying": self.retrying, "failed": self.failed}


async def _claim(row: dict, now: datetime) -> bool:
    claimed = await AlertDelivery.update({AlertDelivery.next_at: now + LEASE}).where(
        (AlertDelivery.id == row["id"]) & (AlertDelivery.state == "pending")
        & (AlertDelivery.attempts == row["attempts"])
        & (AlertDelivery.next_at <= now)).returning(AlertDelivery.id)
    return bool(claimed)


async def _post(client: httpx.AsyncClient, url: str, secret: str, delivery_id: int,
                body: bytes, now: datetime) -> tuple[int | None, str | None]:
    stamp = int(now.timestamp())
    headers = {"Content-Type": "application/json", "User-Agent": "suara-layanan-alerts",
               "X-Suara-Delivery": str(delivery_id), "X-Suara-Timestamp": str(stamp),
               "X-Suara-Signature": sign(secret, stamp, body)}
    try:
        answer = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= answer.status_code < 300:
        return answer.status_code, None
    return answer.status_code, f"HTTP {answer.status_code}"


async def deliver_due(now: datetime | None = None, *, limit: int = 100,
                      client: httpx.AsyncClient | None = None) -> DeliveryReport:
    """Send the deliveries due at `now` (see the module doc)."""
    now = now or datetime.now(UTC)
    rows = await AlertDelivery.select().where(
        (AlertDelivery.state == "pending") & (AlertDelivery.next_at <= now)).order_by(
        AlertDelivery.next_at).limit(limit)
    if not rows:
        return DeliveryReport()
    hooks = {r["id"]: r for r in await AlertWebhook.select().where(
        AlertWebhook.id.is_in(list({r["webhook_id"] for r in rows})))}
    own = client is None
    client = client or httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
    counts = {"attempted": 0, "delivered": 0, "retrying": 0, "failed": 0}
    try:
        for row in rows:
            hook = hooks.get(row["webhook_id"])
            if hook is None or not hook["active"] or not await _claim(row, now):
                continue
            attempt = row["attempts"] + 1
            status, error = await _post(client, hook["url"], hook["secret"], row["id"],
                                        row["body"].encode(), now)
            ok = error is None
            if ok:
                state, next_at = "delivered", None
            elif attempt >= MAX_ATTEMPTS:
                state, next_at = "failed", None
            else:
                state, next_at = "pending", now + RETRY_AFTER[attempt - 1]
            async with transaction():
                await AlertDeliveryAttempt.insert(AlertDeliveryAttempt(
                    delivery_id=row["id"], attempt=attempt, at=now, status_code=status,
                    error=error, ok=ok))
                await AlertDelivery.update({AlertDelivery.attempts: attempt,
                                            AlertDelivery.state: state,
                                            AlertDelivery.next_at: next_at}).where(
                    AlertDelivery.id == row["id"])
            counts["attempted"] += 1
            key = {"delivered": "delivered", "failed": "failed"}.get(state, "retrying")
            counts[key] += 1
    finally:
        if own:
            await client.aclose()
    return DeliveryReport(**counts)
