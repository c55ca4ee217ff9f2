"""Runtime settings from the environment (see README, "Configuration")."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta

import msgspec

from feedback.notify.mail import MailSettings, mail_settings_from_env


class Settings(msgspec.Struct, frozen=True):
    secret: str
    public_url: str = "http://localhost:8000"
    device_interval: timedelta = timedelta(minutes=15)
    token_ttl: timedelta = timedelta(hours=24)
    rate_limit: int = 60  # submissions per minute from one network address
    kiosk_return_seconds: int = 20
    device_retention_days: int = 90
    # A complaint's contact is erased this many days after its case closes (UU PDP 27/2022).
    contact_retention_days: int = 30
    trust_proxy: bool = False
    # Dashboards show a breakdown group (counter, service, profile category) only with at
    # least this many counted responses.
    min_group: int = 10
    # E-mail of case events (SUARA_SMTP_*, feedback.notify.mail); None: no e-mail is sent.
    smtp: MailSettings | None = None


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from exc
    if value < 0:
        raise SystemExit(f"{name} must not be negative, got {raw!r}")
    return value


def _smtp() -> MailSettings | None:
    try:
        return mail_settings_from_env()
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


def from_env() -> Settings:
    """Read settings. Without SUARA_SECRET a random one is made for this process tree
    (`suara serve` exports it to its workers), so device codes change on restart."""
    secret = os.environ.get("SUARA_SECRET", "").strip()
    if not secret:
        secret = secrets.token_hex(32)
        os.environ["SUARA_SECRET"] = secret
    return Settings(
        secret=secret,
        public_url=os.environ.get("SUARA_PUBLIC_URL", "http://localhost:8000").rstrip("/"),
        device_interval=timedelta(seconds=_int("SUARA_DEVICE_INTERVAL", 900)),
        token_ttl=timedelta(hours=_int("SUARA_TOKEN_TTL_HOURS", 24)),
        rate_limit=_int("SUARA_RATE_LIMIT", 60),
        kiosk_return_seconds=_int("SUARA_KIOSK_RETURN", 20),
        device_retention_days=_int("SUARA_DEVICE_RETENTION_DAYS", 90),
        contact_retention_days=_int("SUARA_CONTACT_RETENTION_DAYS", 30),
        trust_proxy=os.environ.get("SUARA_TRUST_PROXY", "") in ("1", "true", "yes"),
        min_group=max(1, _int("SUARA_MIN_GROUP", 10)),
        smtp=_smtp(),
    )
