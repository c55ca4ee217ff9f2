"""Waiting-room screens: `/tv` (every unit of the city) and `/tv/{agency}` (one agency's
units). One unit per screen, large type and high contrast, from the latest published period;
a meta refresh moves to the next unit (`?i=K`, wrapping around) and `?stay=1` stops the
rotation (for a reader who needs time; WCAG 2.2.1). The QR code invites ratings at one of
the unit's counters."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_404_NOT_FOUND
from markupsafe import Markup

from app import i18n
from app.output.qr import qr_svg
from app.web.public.page import headers, helpers, link, tv_css
from feedback.performance import public

ROTATE_SECONDS = 20  # per unit
EMPTY_SECONDS = 300  # before a screen with nothing published looks again
MAX_INDEX = 1_000_000


def _index(raw: str | None) -> int:
    try:
        value = int(raw or "0")
    except ValueError:
        return 0
    return value if 0 <= value <= MAX_INDEX else 0


async def _screen(request: Request, agency: str | None, i: str | None,
                  stay: str | None) -> Template:
    lang = i18n.pick(request.query_params.get("lang"))
    _ = i18n.gettext(lang)
    base = "/tv" if agency is None else f"/tv/{quote(agency, safe='')}"
    view = await public.load(None, request.app.state.settings.min_group)
    if agency is not None and (view is None or view.agency(agency) is None) \
            and not await public.agency_exists(agency):
        return _tv_page(request, lang, status=HTTP_404_NOT_FOUND, base=base, context={
            "title": _("Unknown agency"),
            "message": _("No agency has this code."), "refresh": None})
    units = [] if view is None else (
        view.units if agency is None else list(a.units) if (a := view.agency(agency)) else [])
    if view is None or not units:
        return _tv_page(request, lang, base=base, context={
            "title": _("Public service satisfaction results"),
            "message": _("No results have been published yet."),
            "refresh": f"{EMPTY_SECONDS};url={link(base, lang)}"})
    k = _index(i) % len(units)
    unit = units[k]
    paused = stay == "1"
    nxt = link(base, lang, i=(k + 1) % len(units))
    counter = await public.invitation_counter(unit.code)
    survey_url = None if counter is None else \
        f"{request.app.state.settings.public_url}/s/{counter}"
    return _tv_page(request, lang, base=base, context={
        "title": unit.name, "view": view, "u": unit, "k": k, "total": len(units),
        "refresh": None if paused else f"{ROTATE_SECONDS};url={nxt}",
        "pause_url": link(base, lang, i=k, stay=1), "resume_url": nxt,
        "paused": paused, "survey_url": survey_url,
        "qr": None if survey_url is None else Markup(qr_svg(survey_url, lang)),
    })


def _tv_page(request: Request, lang: str, *, base: str, context: dict,
             status: int = 200) -> Template:
    return Template(
        template_name="public/tv.html",
        context={**helpers(request, lang), "css": tv_css(), "base": base, **context},
        status_code=status, headers=headers(tv_css()) | {"Cache-Control": "no-cache"})


class TvPages(Controller):
    path = "/tv"
    include_in_schema = False

    @get("/")
    async def city(self, request: Request, i: FromQuery[str | None] = None,
                   stay: FromQuery[str | None] = None,
                   lang: FromQuery[str | None] = None) -> Template:
        return await _screen(request, None, i, stay)

    @get("/{agency:str}")
    async def agency(self, request: Request, agency: FromPath[str],
                     i: FromQuery[str | None] = None, stay: FromQuery[str | None] = None,
                     lang: FromQuery[str | None] = None) -> Template:
        return await _screen(request, agency[:40], i, stay)
