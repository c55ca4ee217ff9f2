"""`GET /staf/kota`: the city's list of agencies with their unit and counter counts, each
linking to the agency view `/staf/dinas/{agency}` (until the city view of a later issue
replaces it)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from app.web.staff.auth import StaffPrincipal, roles
from app.web.staff.page import staff_context, staff_lang
from feedback.org.overview import agencies_overview


class CityController(Controller):
    path = "/staf/kota"
    include_in_schema = False

    @get("/", guards=[roles("city")])
    async def agencies(self, request: Request[StaffPrincipal, Any, Any]) -> Template:
        lang = staff_lang(request)
        rows = await agencies_overview(request.user.scope)
        return Template(template_name="staff/agencies.html",
                        context=staff_context(request, lang, agencies=rows,
                                              total_units=sum(r.units for r in rows),
                                              total_counters=sum(r.counters for r in rows)))
