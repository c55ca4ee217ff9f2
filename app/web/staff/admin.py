"""`/staf/admin/pengguna`: the administrator's user management: list, create (role and a
scope chosen from the real codes), disable/enable and set a temporary password (which ends
the user's sessions). Every change is audited; an administrator cannot disable themself."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app import i18n
from app.i18n import N_
from app.web.clients import network_key
from app.web.staff.auth import StaffPrincipal, roles
from app.web.staff.page import ROLE_LABELS, staff_context, staff_lang
from feedback.accounts import audit, passwords, users
from feedback.accounts.audit import Actor
from feedback.accounts.scope import ROLES, SCOPE_KIND
from feedback.clock import WITA

BASE = "/staf/admin/pengguna"

ERRORS = {
    "invalid_email": N_("Enter a valid e-mail address."),
    "email_taken": N_("An account with this e-mail address already exists."),
    "invalid_name": N_("The name is too long (at most 120 characters)."),
    "unknown_role": N_("Choose a role from the list."),
    "scope_required": N_("This role needs a scope: choose its counter, unit or agency."),
    "scope_not_allowed": N_("This role has no scope: choose \u201cnone\u201d."),
    "scope_mismatch": N_("The scope does not fit the role: a counter officer needs a "
                         "counter, a unit head a unit, an agency head an agency."),
    "unknown_scope": N_("This scope does not exist."),
    "password_too_short": N_("The password must have at least %(min)s characters."),
    "password_too_long": N_("The password is too long."),
    "self_disable": N_("You cannot disable your own account."),
    "invalid_lang": N_("Choose a language from the list."),
}
DONE = {
    "created": N_("The account %(email)s was created."),
    "disabled": N_("The account %(email)s was disabled; its sessions have ended."),
    "enabled": N_("The account %(email)s was enabled."),
    "password": N_("A new password was set for %(email)s; its sessions have ended. Give "
                   "it to the person in a safe way."),
}
KIND_LABELS = {"counter": N_("Counters"), "unit": N_("Units"), "agency": N_("Agencies")}


def _actor(request: Request[StaffPrincipal, Any, Any]) -> Actor:
    return Actor(email=request.user.email, id=request.user.id,
                 network=network_key(request, request.app.state.settings))


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _split_scope(role: str, value: str) -> str | None:
    """The scope field holds `kind:code` (or nothing); the kind must fit the role."""
    value = value.strip()
    if not value:
        return None
    kind, sep, code = value.partition(":")
    if not sep:
        return value  # a bare code: resolved by the role's kind
    if role in SCOPE_KIND:
        wanted = SCOPE_KIND[role]
        if wanted is None:
            raise users.AccountError("scope_not_allowed", role=role)
        if kind != wanted:
            raise users.AccountError("scope_mismatch", role=role)
    return code


def _message(lang: str, exc: users.AccountError) -> str:
    _ = i18n.gettext(lang)
    text = ERRORS.get(exc.code)
    if text is None:
        return _("The request could not be understood.")
    return _(text, min=passwords.MIN_LENGTH) if "%(min)s" in text else _(text)


class AdminUsersController(Controller):
    path = BASE
    include_in_schema = False
    guards = [roles("admin")]

    async def _page(self, request: Request[StaffPrincipal, Any, Any], lang: str, *,
                    form: dict[str, str] | None = None, error: str | None = None,
                    row_error: tuple[int, str] | None = None, status: int = 200) -> Template:
        _ = i18n.gettext(lang)
        people = await users.list_users()
        choices = await users.scope_choices()
        done = request.query_params.get("done")
        notice = None
        if done in DONE and not error:
            notice = _(DONE[done], email=request.query_params.get("email", ""))
        rows = [{
            "u": u,
            "role_label": _(ROLE_LABELS[u.role]) if u.role in ROLE_LABELS else u.role,
            "last": (u.last_sign_in_at.astimezone(WITA).strftime("%Y-%m-%d %H:%M")
                     if u.last_sign_in_at else None),
            "is_me": u.id == request.user.id,
        } for u in people]
        recent = await audit.entries(limit=20)
        for entry in recent:
            entry["when"] = entry["at"].astimezone(WITA).strftime("%Y-%m-%d %H:%M")
        return Template(
            template_name="staff/users.html",
            context=staff_context(
                request, lang, rows=rows, form=form or {"role": "", "scope": "", "lang": "id"},
                error=error, row_error=row_error, notice=notice,
                roles=[(r, _(ROLE_LABELS[r])) for r in ROLES],
                scope_groups=[(kind, _(KIND_LABELS[kind]), choices[kind])
                              for kind in ("counter", "unit", "agency")],
                min_length=passwords.MIN_LENGTH, recent=recent,
            ),
            status_code=status,
        )

    @get("/")
    async def list_page(self, request: Request[StaffPrincipal, Any, Any]) -> Template:
        return await self._page(request, staff_lang(request))

    @post("/")
    async def create(self, request: Request[StaffPrincipal, Any, Any]) -> Template | Redirect:
        lang = staff_lang(request)
        form = await request.form()
        values = {k: _text(form, k) for k in ("email", "name", "role", "scope", "lang")}
        try:
            scope_code = _split_scope(values["role"], values["scope"])
            user = await users.create_user(
                values["email"], role=values["role"], scope_code=scope_code,
                password=_text(form, "password"), actor=_actor(request),
                name=values["name"], lang=values["lang"] or "id")
        except users.AccountError as exc:
            status = 409 if exc.code == "email_taken" else 422
            return await self._page(request, lang, form=values,
                                    error=_message(lang, exc), status=status)
        return Redirect(f"{BASE}?{urlencode({'done': 'created', 'email': user.email})}",
                        status_code=303)

    async def _target(self, user_id: int) -> users.UserInfo:
        user = await users.get_user(user_id)
        if user is None:
            raise NotFoundException()
        return user

    async def _set_active(self, request: Request[StaffPrincipal, Any, Any], user_id: int,
                          active: bool) -> Template | Redirect:
        lang = staff_lang(request)
        target = await self._target(user_id)
        try:
            await users.set_active(target.email, active, actor=_actor(request))
        except users.AccountError as exc:
            return await self._page(request, lang, row_error=(user_id, _message(lang, exc)),
                                    status=422)
        done = "enabled" if active else "disabled"
        return Redirect(f"{BASE}?{urlencode({'done': done, 'email': target.email})}",
                        status_code=303)

    @post("/{user_id:int}/nonaktif")
    async def disable(self, request: Request[StaffPrincipal, Any, Any],
                      user_id: FromPath[int]) -> Template | Redirect:
        return await self._set_active(request, user_id, False)

    @post("/{user_id:int}/aktif")
    async def enable(self, request: Request[StaffPrincipal, Any, Any],
                     user_id: FromPath[int]) -> Template | Redirect:
        return await self._set_active(request, user_id, True)

    @post("/{user_id:int}/sandi")
    async def reset_password(self, request: Request[StaffPrincipal, Any, Any],
                             user_id: FromPath[int]) -> Template | Redirect:
        lang = staff_lang(request)
        target = await self._target(user_id)
        form = await request.form()
        try:
            await users.set_password(target.email, _text(form, "password"),
                                     actor=_actor(request))
        except users.AccountError as exc:
            return await self._page(request, lang, row_error=(user_id, _message(lang, exc)),
                                    status=422)
        return Redirect(f"{BASE}?{urlencode({'done': 'password', 'email': target.email})}",
                        status_code=303)
