"""Browser-facing defences: security headers on every response and the cross-site check of
citizen form posts.

Headers (a `before_send` hook, so they reach every response, error pages and unmatched
paths included):

- `Content-Security-Policy`, per page kind. Citizen pages run no inline script (the kiosk
  thank-you page loads /static/kiosk.js) and their one inline stylesheet (inlined for the
  14 KB first load) is allowed by its SHA-256 hash, never by 'unsafe-inline'. Staff pages
  allow inline styles only: the pygal charts are inline SVG with their own <style> and the
  templates set CSS variables in `style` attributes; scripts come from this server only.
  /schema (Swagger UI) loads its scripts from this server (the start-up script is
  /static/swagger-init.js, not inline) and needs inline styles and data: images for the
  React-rendered page. Every policy has `frame-ancestors 'none'`, `object-src 'none'`, and
  no source other than this server.
- `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (links carry ticket
  codes and receipts: no other site gets them; `no-referrer` would also make Chromium send
  `Origin: null` on the form's own posts), `X-Frame-Options: DENY` for browsers without
  frame-ancestors.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from urllib.parse import urlsplit

from litestar import Request
from litestar.types import Message, Scope

from app.web.page import css

_COMMON = ("frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'; "
           "img-src 'self' data:")


@cache
def citizen_policy() -> str:
    """Citizen (and every other non-staff) page: the inline stylesheet by hash only."""
    digest = base64.b64encode(hashlib.sha256(css().encode()).digest()).decode()
    return (f"default-src 'self'; script-src 'self'; style-src 'self' 'sha256-{digest}'; "
            + _COMMON)


STAFF_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " + _COMMON
DOCS_POLICY = STAFF_POLICY

_FIXED = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


def policy_for(path: str) -> str:
    if path == "/staf" or path.startswith("/staf/"):
        return STAFF_POLICY
    if path == "/schema" or path.startswith("/schema/"):
        return DOCS_POLICY
    return citizen_policy()


async def security_headers(message: Message, scope: Scope) -> None:
    """Add the security headers to every HTTP response (a Litestar `before_send` hook)."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers") or [])
    present = {name.lower() for name, _ in headers}
    for name, value in _FIXED:
        if name not in present:
            headers.append((name, value))
    if b"content-security-policy" not in present:
        headers.append((b"content-security-policy", policy_for(scope["path"]).encode()))
    message["headers"] = headers


# ------------------------------------------------------------------ cross-site form posts


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_cross_site(request: Request, public_url: str) -> bool:
    """A form post that a browser says comes from another site. `Sec-Fetch-Site` (set by
    the browser, never by a page) decides when present: `cross-site` is refused,
    `same-origin` and `none` (typed, bookmarked) are accepted. Otherwise an `Origin` is
    accepted only when it is SUARA_PUBLIC_URL's origin or names the host the request was
    sent to (`null`, as from a sandboxed frame, is refused). Requests with neither header
    (old phones send none) are accepted: a modern browser always sends one of them."""
    site = request.headers.get("sec-fetch-site", "").strip().lower()
    if site == "cross-site":
        return True
    if site in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return False
    origin = origin.strip().lower()
    if origin == _origin_of(public_url):
        return False
    host = request.headers.get("host", "").strip().lower()
    return not (host and origin in (f"http://{host}", f"https://{host}"))
