"""`/staf/akun/sandi`: a signed-in staff member changes their own password (e.g. the
temporary one an administrator set). Every other session of the account ends; this one
continues under a new session id."""

from __future__ import annotations

import math
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from app import i18n
from app.web.clients import network_key
from app.web.staff.admin import ERRORS
from app.web.staff.auth import (
    StaffPrincipal,
    clock_of,
    home_url,
    rotate_session,
    session_data,
    signed_in,
)
from app.web.staff.page import staff_context, staff_lang
from feedback.accounts import passwords, users


class AccountController(Controller):
    path = "/staf/akun"
    include_in_schema = False
    guards = [signed_in]

    def _form(self, request: Request[StaffPrincipal, Any, Any], lang: str, *,
              error: str | None = None, notice: str | None = None, status: int = 200,
              headers: dict[str, str] | None = None) -> Template:
        return Template(template_name="staff/password.html",
                        context=staff_context(request, lang, error=error, notice=notice,
                                              min_length=passwords.MIN_LENGTH,
                                              home=home_url(request.user)),
                        status_code=status, headers=headers)

    @get("/sandi")
    async def password_page(self, request: Request[StaffPrincipal, Any, Any]) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        notice = (_("Your password has been changed.")
                  if request.query_params.get("done") == "1" else None)
        return self._form(request, lang, notice=notice)

    @post("/sandi")
    async def change_password(self, request: Request[StaffPrincipal, Any, Any]
                              ) -> Template | Redirect:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        form = await request.form()
        current, new, again = (form.get(k) for k in ("current", "new", "again"))
        if not all(isinstance(v, str) and v for v in (current, new, again)):
            return self._form(request, lang, status=422,
                              error=_("Fill in all three fields."))
        if new != again:
            return self._form(request, lang, status=422,
                              error=_("The two new passwords are not the same."))
        now = clock_of(request).now()
        try:
            result = await users.change_own_password(
                request.user.id, str(current), str(new),
                network=network_key(request, request.app.state.settings), now=now)
        except users.AccountError as exc:
            text = ERRORS.get(exc.code, "The request could not be understood.")
            return self._form(request, lang, status=422,
                              error=_(text, min=passwords.MIN_LENGTH)
                              if "%(min)s" in text else _(text))
        if result.retry_after is not None:
            minutes = max(1, math.ceil(result.retry_after.total_seconds() / 60))
            return self._form(
                request, lang, status=429,
                headers={"Retry-After": str(math.ceil(result.retry_after.total_seconds()))},
                error=_("Too many failed sign-in attempts. Please try again in "
                        "%(minutes)s minutes.", minutes=minutes))
        if result.user is None:
            return self._form(request, lang, status=422,
                              error=_("The current password is not correct."))
        # Every session of the account has ended; this browser continues in a new one.
        await rotate_session(request)
        session = request.scope.get("session")
        chosen = session.get("lang") if isinstance(session, dict) else None
        request.set_session(session_data(result.user, now, chosen))
        return Redirect("/staf/akun/sandi?done=1", status_code=303)
