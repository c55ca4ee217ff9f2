"""Downloads of the official SKM report: `GET /staf/unit/{unit}/laporan`,
`/staf/dinas/{agency}/laporan` and `/staf/kota/laporan`, with `period=` (or `from=`/`to=`,
default: as the dashboards, this year to date) and `format=pdf|xlsx|csv` (default pdf).

Roles and scopes are the dashboards': a unit's report for its own unit users and the agency
and city users who see it, an agency's for its agency users and the city, the city's for
the city role. Another scope's unit or agency is a 404, as on the dashboards. The file is
an attachment named SKM-<code>-<period>.<format>; a refused request gets a message page
in the staff member's language and no file."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from app import i18n
from app.output.report import FORMATS, file_name, render
from app.web.staff.auth import StaffPrincipal, roles
from app.web.staff.dashboards import PeriodError, choose_period
from app.web.staff.errors import staff_message
from app.web.staff.page import staff_lang
from feedback.reports.content import report_content
from feedback.reports.document import build
from feedback.reports.model import NoData, PeriodNotStarted, UnknownScope


async def _download(request: Request[StaffPrincipal, Any, Any], kind: str,
                    code: str | None) -> Response[bytes] | Template:
    lang = staff_lang(request)
    _ = i18n.gettext(lang)
    fmt = (request.query_params.get("format") or "pdf").strip().lower()
    if fmt not in FORMATS:
        return staff_message(request, lang, _("Unknown format"),
                             _("The report is available as pdf, xlsx or csv."), 400)
    try:
        period = choose_period(request.query_params, _)
    except PeriodError as exc:
        return staff_message(request, lang, _("Unknown period"), exc.message, exc.status)
    try:
        content = await report_content(
            kind, code, period, request.app.state.settings.min_group,
            scope=request.user.scope, cache=request.app.state.score_cache)
    except UnknownScope as exc:
        raise NotFoundException() from exc
    except PeriodNotStarted:
        return staff_message(request, lang, _("Unknown period"),
                             _("The period has not started yet."), 422)
    except NoData:
        return staff_message(request, lang, _("No report"),
                             _("No responses were recorded in this period: there is no "
                               "report to make."), 404)
    # Rendering is CPU work: keep the event loop free for other requests.
    data = await asyncio.to_thread(render, build(content), fmt)
    name = file_name(kind, code, period.key, fmt)
    return Response(content=data, media_type=FORMATS[fmt][1], headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})


class ReportController(Controller):
    path = "/staf"
    include_in_schema = False

    @get("/unit/{unit:str}/laporan", guards=[roles("unit", "agency", "city")])
    async def unit_report(self, request: Request[StaffPrincipal, Any, Any],
                          unit: FromPath[str]) -> Response[bytes] | Template:
        return await _download(request, "unit", unit)

    @get("/dinas/{agency:str}/laporan", guards=[roles("agency", "city")])
    async def agency_report(self, request: Request[StaffPrincipal, Any, Any],
                            agency: FromPath[str]) -> Response[bytes] | Template:
        return await _download(request, "agency", agency)

    @get("/kota/laporan", guards=[roles("city")])
    async def city_report(self, request: Request[StaffPrincipal, Any, Any]
                          ) -> Response[bytes] | Template:
        return await _download(request, "city", None)
