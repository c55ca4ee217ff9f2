"""What every staff page shares: its language, and the context of the page shell
(`staff/base.html`: header with name, role, links by role, language switch and sign-out)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.utils.scope.state import ScopeState

from app import i18n
from app.i18n import N_
from app.web.staff.auth import StaffPrincipal, home_url

ROLE_LABELS = {
    "officer": N_("Counter officer"),
    "unit": N_("Unit head"),
    "agency": N_("Agency head"),
    "city": N_("City government"),
    "admin": N_("Administrator"),
}
STATIC = Path(__file__).parent.parent / "static"


@cache
def staff_css() -> str:
    text = (STATIC / "staff.css").read_text(encoding="utf-8")
    return "".join(line.strip() for line in text.splitlines())


def current_user(request: Request) -> StaffPrincipal | None:
    user = request.scope.get("user")
    return user if isinstance(user, StaffPrincipal) else None


def staff_lang(request: Request) -> str:
    """`?lang=` when given (remembered in a signed-in session), else the session's choice,
    else the user's language, else Indonesian."""
    asked = request.query_params.get("lang")
    user = current_user(request)
    session = request.scope.get("session")
    if asked in i18n.LANGS:
        if user is not None and isinstance(session, dict) and session.get("lang") != asked:
            session["lang"] = asked
        return asked
    if isinstance(session, dict) and session.get("lang") in i18n.LANGS:
        return session["lang"]
    if user is not None:
        return i18n.pick(user.lang)
    return i18n.DEFAULT_LANG


def csrf_token(request: Request) -> str:
    """The CSRF token for this request's forms (hidden field `_csrf_token`)."""
    token = ScopeState.from_scope(request.scope).csrf_token
    return token if isinstance(token, str) else ""


def lang_switch_url(request: Request, lang: str) -> str:
    other = "en" if lang == "id" else "id"
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    query["lang"] = other
    return f"{request.url.path}?{urlencode(query)}"


def nav(user: StaffPrincipal | None, lang: str, path: str,
        alerts: int | None = None) -> list[dict[str, Any]]:
    """The header's links for a role: (url, label, current); with `alerts` (the open
    alerts the user sees, app.web.staff.alerts), a link to the alerts with that count."""
    if user is None:
        return []
    _ = i18n.gettext(lang)
    items: list[tuple[str, str]] = []
    home = home_url(user)
    if user.role == "officer":
        items.append((home, _("My counter")))
    elif user.role == "unit":
        items.append((home, _("My unit")))
    elif user.role == "agency":
        items.append((home, _("My agency")))
    elif user.role == "city":
        items.append(("/staf/kota", _("Agencies")))
    elif user.role == "admin":
        items.append(("/staf/admin/pengguna", _("Users")))
    if user.role in ("agency", "city"):
        items.append(("/staf/integritas", _("Integrity review")))
    if user.role in ("unit", "agency", "city", "admin"):
        items.append(("/staf/kasus", _("Cases")))
    if alerts is not None:
        items.append(("/staf/peringatan", _("Alerts (%(n)s)", n=alerts)))
    return [{"url": url, "label": label, "current": path == url or path.startswith(url + "/")}
            for url, label in items]


def staff_context(request: Request, lang: str, **extra: Any) -> dict[str, Any]:
    """The context of a page extending `staff/base.html`: `_` & co. in `lang`, `lang`,
    `user` (a StaffPrincipal or None), `role_label`, `csrf_token`, `nav`, `lang_url`, the
    inlined stylesheet; plus `extra`."""
    user = current_user(request)
    _ = i18n.gettext(lang)
    return {
        "lang": lang,
        **i18n.jinja_callables(lang),
        "css": staff_css(),
        "user": user,
        "role_label": _(ROLE_LABELS[user.role]) if user else None,
        "csrf_token": csrf_token(request),
        "nav": nav(user, lang, request.url.path, request.state.get("alerts_open")),
        "lang_url": lang_switch_url(request, lang),
        **extra,
    }
