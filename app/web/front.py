"""A raw ASGI front for the submission routes: `POST /api/v1/responses` (JSON) and the
citizen form's `POST /s/{counter}` and `POST /k/{counter}`.

These are the hot paths (README "Performance"). Litestar's routing, dependency resolution,
signature model and response machinery cost about as much CPU per submission as the batch
writer does, so the front serves the common case itself with the same functions the
handlers use: it reads the body (at most the application's body limit), reads it the way the
handler would (a strict msgspec decode of `ResponseIn`; a strict UTF-8 url-encoded form),
builds the submission with the handler's own builder (`api.submission_of`,
`citizen.form_submission`) and submits it through the same writer. It answers the stored
outcome itself (201 with the receipt; the form's 303 to its thank-you page), byte for byte
what the handler would answer (tested).

Everything else goes on to Litestar unchanged, with the body replayed:
- before submitting, whatever the handler answers without storing (a body that is not
  strictly valid, too large or not JSON / not url-encoded, a malformed idempotency key, a
  cross-site form post, a device cookie this server did not sign);
- after submitting, every other outcome (duplicate, invalid, too soon, rate limited, token
  refused, unknown counter, conflict, unavailable) and any exception, with the decision in
  the scope (`app.web.submitting.DECIDED`): the handler renders it and never submits again.

The front sits inside Litestar's send wrapper, so the security headers (`before_send`) are on
its answers too."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n
from app.web import api, citizen, submitting
from app.web.clients import has_foreign_device_cookie
from app.web.security import is_cross_site
from feedback.survey.outcomes import Duplicate, Stored

_JSON = msgspec.json.Decoder(api.ResponseIn)
_ENCODE = msgspec.json.Encoder().encode
_FORM_TYPE = "application/x-www-form-urlencoded"


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


class SubmitFront:
    """ASGI middleware in front of Litestar's handler chain (`Litestar.asgi_handler`)."""

    def __init__(self, inner: ASGIApp, max_body: int) -> None:
        self.inner = inner
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            path: str = scope["path"]
            if path == "/api/v1/responses":
                return await self._serve(scope, receive, send, self._json, None)
            if path[:3] in ("/s/", "/k/") and "/" not in path[3:] and path[3:].isalnum():
                return await self._serve(scope, receive, send, self._form, path)
        await self.inner(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, handle: Any,
                     path: str | None) -> None:
        body, rest = await _read(receive, self.max_body)
        if rest is None and await handle(scope, body, send, path):
            return
        await self.inner(scope, _replay(body, rest, receive), send)

    async def _json(self, scope: Scope, body: bytes, send: Send, _: None) -> bool:
        request: Request = Request(scope)
        if _media_type(request) != "application/json":
            return False  # 415 from the handler's before_request
        try:
            data = _JSON.decode(body)
        except msgspec.DecodeError:  # (ValidationError is one) Litestar's 400 with fields
            return False
        if not api.key_is_valid(data):
            return False
        sub = api.submission_of(request, data)
        outcome = await _decide(scope, request, sub)
        if not isinstance(outcome, Stored):
            return False
        out = api.receipt_out(outcome.receipt, outcome.case, outcome.contact_kept)
        await _respond(send, 201, [(b"content-type", b"application/json")], _ENCODE(out))
        return True

    async def _form(self, scope: Scope, body: bytes, send: Send, path: str) -> bool:
        request: Request = Request(scope)
        if _media_type(request) != _FORM_TYPE:
            return False
        if not body.isascii():  # browsers percent-encode; anything else: the handler
            return False
        try:  # As Litestar reads it (blank values kept, the last of a repeated name wins),
            # but a value that is not UTF-8 goes to the handler's 422 page.
            values = dict(parse_qsl(body.decode("ascii"), keep_blank_values=True,
                                    separator="&", errors="strict"))
        except (UnicodeDecodeError, ValueError):
            return False
        settings = request.app.state.settings
        if is_cross_site(request, settings.public_url) or has_foreign_device_cookie(
                request, settings):
            return False
        counter, kiosk = path[3:], path[1] == "k"
        language = i18n.pick(values.get("lang") or request.query_params.get("lang"))
        sub = citizen.form_submission(request, counter, kiosk, values, language)
        outcome = await _decide(scope, request, sub)
        if not isinstance(outcome, Stored | Duplicate):
            return False
        location = citizen.thanks_location(counter, kiosk, outcome, values, language)
        await _respond(send, 303, [(b"location", location.encode()),
                                   (b"content-type", b"text/plain; charset=utf-8")], b"")
        return True


async def _decide(scope: Scope, request: Request, sub: Any) -> Any:
    """Submit; whatever the outcome (or exception), it is kept in the scope for the handler
    in case the front does not answer it itself."""
    try:
        outcome: Any = await submitting.run(request, sub)
    except Exception as exc:  # noqa: BLE001 - re-raised by the handler, for its error handlers
        outcome = exc
    scope["state"][submitting.DECIDED] = (sub, outcome)
    return outcome


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]],
                   body: bytes) -> None:
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read(receive: Receive, limit: int) -> tuple[bytes, Message | None]:
    """The request body, up to `limit` bytes. The second value is None when the body was read
    whole; otherwise the message where reading stopped (more to come, too large, or a
    disconnect), which the replay hands on."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), None
        if size > limit:
            return b"".join(chunks), {"type": "http.request", "body": b"", "more_body": True}


def _replay(body: bytes, rest: Message | None, receive: Receive) -> Receive:
    """A `receive` that gives the body read so far, then what the front stopped at, then the
    server's own messages."""
    pending: list[Message] = [{"type": "http.request", "body": body,
                               "more_body": rest is not None}]
    if rest is not None and rest["type"] != "http.request":
        pending.append(rest)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
