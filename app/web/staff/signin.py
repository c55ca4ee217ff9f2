"""`GET/POST /staf/masuk` (sign-in), `POST /staf/keluar` (sign-out) and `GET /staf` (to
the staff member's own view)."""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from app import i18n
from app.web.clients import network_key
from app.web.staff.auth import (
    StaffPrincipal,
    clock_of,
    home_url,
    principal_from,
    rotate_session,
    session_data,
    signed_in,
)
from app.web.staff.page import staff_context, staff_lang
from feedback.accounts import users

_LOCAL_NEXT = re.compile(r"^/staf(?:[/?][^\s\\]*)?$")


def safe_next(value: Any) -> str | None:
    """`next` only when it is a local /staf path (never another site, never `//host`)."""
    if not isinstance(value, str) or len(value) > 500 or not _LOCAL_NEXT.match(value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or "//" in parts.path or ".." in parts.path:
        return None
    return value


def _action(lang: str | None, nxt: str | None) -> str:
    query = {k: v for k, v in (("lang", lang), ("next", nxt)) if v}
    return "/staf/masuk" + (f"?{urlencode(query)}" if query else "")


def _form(request: Request, lang: str, *, email: str = "", error: str | None = None,
          notice: str | None = None, nxt: str | None = None, status: int = 200,
          headers: dict[str, str] | None = None) -> Template:
    chosen = request.query_params.get("lang")
    return Template(
        template_name="staff/signin.html",
        context=staff_context(request, lang, email=email, error=error, notice=notice,
                              next=nxt,
                              action=_action(chosen if chosen in i18n.LANGS else None, None)),
        status_code=status,
        headers=headers,
    )


class SignInController(Controller):
    path = "/staf"
    include_in_schema = False

    @get("/masuk", exclude_from_auth=True)
    async def sign_in_page(self, request: Request) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        notice = _("You have signed out.") if request.query_params.get("out") == "1" else None
        return _form(request, lang, notice=notice,
                     nxt=safe_next(request.query_params.get("next")))

    @post("/masuk", exclude_from_auth=True)
    async def sign_in(self, request: Request) -> Template | Redirect:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        form = await request.form()
        email = form.get("email")
        password = form.get("password")
        nxt = safe_next(form.get("next") or request.query_params.get("next"))
        if not isinstance(email, str) or not isinstance(password, str) or not email.strip() \
                or not password:
            return _form(request, lang, email=email if isinstance(email, str) else "",
                         error=_("Enter your e-mail address and your password."), nxt=nxt,
                         status=422)
        settings = request.app.state.settings
        now = clock_of(request).now()
        result = await users.sign_in(email, password, network=network_key(request, settings),
                                     now=now)
        if result.retry_after is not None:
            minutes = max(1, math.ceil(result.retry_after.total_seconds() / 60))
            seconds = max(1, math.ceil(result.retry_after.total_seconds()))
            return _form(request, lang, email=email[:254],
                         error=_("Too many failed sign-in attempts. Please try again in "
                                 "%(minutes)s minutes.", minutes=minutes),
                         nxt=nxt, status=429, headers={"Retry-After": str(seconds)})
        if result.user is None:
            return _form(request, lang, email=email[:254],
                         error=_("The e-mail address or the password is not correct."),
                         nxt=nxt, status=401)
        await rotate_session(request)
        chosen = request.query_params.get("lang")
        request.set_session(session_data(result.user, now,
                                         chosen if chosen in i18n.LANGS else None))
        return Redirect(nxt or home_url(principal_from(result.user)), status_code=303)

    @post("/keluar", guards=[signed_in])
    async def sign_out(self, request: Request[StaffPrincipal, Any, Any]) -> Redirect:
        lang = staff_lang(request)
        await users.record_sign_out(request.user,
                                    network_key(request, request.app.state.settings),
                                    now=clock_of(request).now())
        request.clear_session()
        return Redirect(f"/staf/masuk?{urlencode({'out': '1', 'lang': lang})}",
                        status_code=303)

    @get("/", guards=[signed_in])
    async def home(self, request: Request[StaffPrincipal, Any, Any]) -> Redirect:
        return Redirect(home_url(request.user), status_code=302)

