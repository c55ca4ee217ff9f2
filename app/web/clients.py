"""Pseudonymous client keys: salted hashes of a device cookie or network address. Raw IP
addresses are never stored."""

from __future__ import annotations

import hashlib
import hmac

from litestar import Request

from app.settings import Settings

DEVICE_COOKIE = "sl_d"


def _digest(secret: str, kind: str, value: str, size: int) -> str:
    mac = hmac.new(secret.encode(), f"{kind}|{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:size]


def client_ip(request: Request) -> str:
    """The client's address. Behind a reverse proxy, `suara serve` (SUARA_TRUST_PROXY=1) lets
    uvicorn take it from X-Forwarded-For, trusting only the proxies named in
    FORWARDED_ALLOW_IPS (default 127.0.0.1): the header's left end is the client's to forge."""
    return request.client.host if request.client else "unknown"


def network_key(request: Request, settings: Settings) -> str:
    return "net:" + _digest(settings.secret, "net", client_ip(request), 24)


def device_key(request: Request, settings: Settings, device_id: str | None = None) -> str:
    """The device cookie (or a device id sent by an app), else address + user agent."""
    ident = device_id or request.cookies.get(DEVICE_COOKIE)
    if not ident:
        ident = client_ip(request) + "|" + request.headers.get("user-agent", "")
    return _digest(settings.secret, "dev", ident, 32)
