"""Error answers on staff paths: not signed in → the sign-in page (with `next` for a GET);
wrong role → the 403 page; a refused CSRF token, an unknown page and other errors → a page
in the staff shell, in the staff member's language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template

from app import i18n
from app.i18n import N_
from app.web.staff.page import current_user, staff_context, staff_lang

FORBIDDEN_TITLE = N_("Not allowed")
FORBIDDEN = N_("Your role does not give access to this page.")
CSRF_TITLE = N_("The form has expired")
CSRF = N_("The page was open too long or came from elsewhere. Open it again and repeat "
          "what you did.")
NOT_FOUND_TITLE = N_("Page not found")
NOT_FOUND = N_("This page does not exist, or it is outside what your account may see.")
BAD_REQUEST_TITLE = N_("The request could not be understood.")
TOO_LARGE = N_("The submission is too large.")
CONFLICT = N_("Someone changed the same data at the same time. Please try again.")
SERVER_ERROR = N_("Something went wrong on our side. Please try again.")


def staff_message(request: Request, lang: str, title: str, message: str, status: int,
                  headers: dict[str, str] | None = None) -> Template:
    _ = i18n.gettext(lang)
    user = current_user(request)
    return Template(
        template_name="staff/message.html",
        context=staff_context(request, lang, title=title, message=message,
                              back_url="/staf" if user else "/staf/masuk",
                              back_label=_("To my page") if user else _("Sign in")),
        status_code=status,
        headers=headers,
    )


def sign_in_redirect(request: Request) -> Redirect:
    query: dict[str, Any] = {}
    if request.method in ("GET", "HEAD") and request.url.path not in ("/staf", "/staf/"):
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        query["next"] = target
    if request.query_params.get("lang") in i18n.LANGS:
        query["lang"] = request.query_params["lang"]
    url = "/staf/masuk" + (f"?{urlencode(query)}" if query else "")
    return Redirect(url, status_code=303)


def staff_error(request: Request, exc: HTTPException) -> Response[Any]:
    lang = staff_lang(request)
    _ = i18n.gettext(lang)
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException) or status == 401:
        return sign_in_redirect(request)
    if status == 403:
        if "csrf" in str(exc.detail).lower():
            return staff_message(request, lang, _(CSRF_TITLE), _(CSRF), 403)
        return staff_message(request, lang, _(FORBIDDEN_TITLE), _(FORBIDDEN), 403)
    if status == 404:
        return staff_message(request, lang, _(NOT_FOUND_TITLE), _(NOT_FOUND), 404)
    if status == 409:
        return staff_message(request, lang, _(CONFLICT), _(CONFLICT), 409)
    if status == 413:
        return staff_message(request, lang, _(TOO_LARGE), _(TOO_LARGE), 413)
    if status >= 500:
        return staff_message(request, lang, _(SERVER_ERROR), _(SERVER_ERROR), status)
    return staff_message(request, lang, _(BAD_REQUEST_TITLE), _(BAD_REQUEST_TITLE), status,
                         headers=exc.headers)
