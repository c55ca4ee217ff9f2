"""The public transparency pages: `/publik` (a published period's IKM per agency and unit)
and `/publik/unit/{unit}` (one unit's nine elements and its approved follow-up plan of the
period, feedback.plans.showing). Figures of published snapshots only; Indonesian
first (`?lang=en`), no JavaScript."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_404_NOT_FOUND

from app import i18n
from app.web.plan_text import action_status_words
from app.web.public.page import headers, helpers, lang_of
from feedback.performance import public, snapshots
from feedback.plans import showing

MAX_PARAM = 40  # characters of a period or unit code looked at


def _settings_min_group(request: Request) -> int:
    return request.app.state.settings.min_group


async def _problem(request: Request, lang: str, status: int, title: str, message: str,
                   **query: str | None) -> Template:
    """A short page in the reader's language, with the published periods to choose from."""
    return Template(
        template_name="public/message.html",
        context={**helpers(request, lang, **query), "title": title, "message": message,
                 "published": await public.published()},
        status_code=status, headers=headers() | {"Cache-Control": "no-cache"})


async def _view(request: Request, lang: str, period: str | None,
                **query: str | None) -> public.PublicPeriod | Template:
    _ = i18n.gettext(lang)
    period = period or None  # an empty choice is the default period
    if period is not None and not public.valid_key(period[:MAX_PARAM]):
        return await _problem(
            request, lang, HTTP_400_BAD_REQUEST, _("Unknown period"),
            _("A period is a year, semester, quarter or month, such as 2026, 2026-S1, "
              "2026-Q3 or 2026-03."), period=None, **query)
    view = await public.load(period, _settings_min_group(request))
    if view is None:
        if period is None:
            return await _problem(request, lang, HTTP_404_NOT_FOUND, _("Nothing published yet"),
                                  _("The city has not published survey results yet."), **query)
        return await _problem(
            request, lang, HTTP_404_NOT_FOUND, _("Not published"),
            _("The results of %(period)s have not been published.", period=period),
            period=period, **query)
    return view


class PublicPages(Controller):
    path = "/publik"
    include_in_schema = False

    @get("/")
    async def overview(self, request: Request, period: FromQuery[str | None] = None,
                       lang: FromQuery[str | None] = None) -> Template:
        language = lang_of(request)
        view = await _view(request, language, period)
        if isinstance(view, Template):
            return view
        key = view.info.period
        return Template(
            template_name="public/overview.html",
            context={**helpers(request, language, period=period), "view": view,
                     "published": await public.published(),
                     "versions": await snapshots.versions(key),
                     "plans": await showing.approved_plans([u.code for u in view.units], key),
                     "period_query": period},
            headers=headers())

    @get("/unit/{unit:str}")
    async def unit(self, request: Request, unit: FromPath[str],
                   period: FromQuery[str | None] = None,
                   lang: FromQuery[str | None] = None) -> Template:
        language = lang_of(request)
        view = await _view(request, language, period)
        if isinstance(view, Template):
            return view
        found = view.unit(unit[:MAX_PARAM])
        if found is None:
            _ = i18n.gettext(language)
            return await _problem(
                request, language, HTTP_404_NOT_FOUND, _("Unit not found"),
                _("No unit with this code is in the published results of %(period)s.",
                  period=view.info.period), period=period)
        # The unit's approved follow-up plan (RTL) of the published period, texts masked.
        plan = (await showing.approved_plans([found.code], view.info.period)).get(found.code)
        return Template(
            template_name="public/unit.html",
            context={**helpers(request, language, period=period), "view": view, "u": found,
                     "agency": view.agency(found.agency), "period_query": period,
                     "plan": None if plan is None else showing.masked(plan),
                     "action_status_words": action_status_words(language)},
            headers=headers())
