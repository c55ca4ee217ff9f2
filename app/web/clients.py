"""Pseudonymous client keys: salted hashes of a device cookie or network address. Raw IP
addresses are never stored.

The device cookie is signed (HMAC-SHA256 with SUARA_SECRET): only a code this server issued
counts as a device. A made-up, altered or unsigned cookie is ignored (the page sets a fresh
signed one) and that request falls back to the address + browser key, so inventing cookies
never yields a fresh device."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from litestar import Request
from litestar.datastructures import Cookie

from app.settings import Settings

DEVICE_COOKIE = "sl_d"
DEVICE_COOKIE_MAX_AGE = 365 * 86400


def _digest(secret: str, kind: str, value: str, size: int) -> str:
    mac = hmac.new(secret.encode(), f"{kind}|{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:size]


def _cookie_mac(secret: str, ident: str) -> str:
    mac = hmac.new(secret.encode(), f"device-cookie|{ident}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:16]).decode().rstrip("=")


def new_device_cookie(settings: Settings) -> Cookie:
    """A fresh signed device cookie: `<random id>.<HMAC of the id>`; Secure behind https."""
    ident = secrets.token_urlsafe(16)
    return Cookie(
        key=DEVICE_COOKIE,
        value=f"{ident}.{_cookie_mac(settings.secret, ident)}",
        max_age=DEVICE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.public_url.lower().startswith("https://"),
    )


def signed_device_id(request: Request, settings: Settings) -> str | None:
    """The id in the request's device cookie when this server signed it, else None."""
    raw = request.cookies.get(DEVICE_COOKIE) or ""
    ident, dot, mac = raw.partition(".")
    if not (dot and ident and mac) or len(raw) > 80:
        return None
    if not hmac.compare_digest(mac, _cookie_mac(settings.secret, ident)):
        return None
    return ident


def has_foreign_device_cookie(request: Request, settings: Settings) -> bool:
    """A device cookie is present but this server did not sign it (forged or stale)."""
    return bool(request.cookies.get(DEVICE_COOKIE)) and signed_device_id(request,
                                                                          settings) is None


def client_ip(request: Request) -> str:
    """The client's address. Behind a reverse proxy, `suara serve` (SUARA_TRUST_PROXY=1) lets
    uvicorn take it from X-Forwarded-For, trusting only the proxies named in
    FORWARDED_ALLOW_IPS (default 127.0.0.1): the header's left end is the client's to forge."""
    return request.client.host if request.client else "unknown"


def network_key(request: Request, settings: Settings) -> str:
    return "net:" + _digest(settings.secret, "net", client_ip(request), 24)


def device_key(request: Request, settings: Settings, device_id: str | None = None) -> str:
    """The device id sent by an app, else the signed device cookie, else address + user
    agent (a cookie this server did not sign counts as no cookie)."""
    ident = device_id or signed_device_id(request, settings)
    if not ident:
        ident = client_ip(request) + "|" + request.headers.get("user-agent", "")
    return _digest(settings.secret, "dev", ident, 32)
