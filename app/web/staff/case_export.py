"""`GET /staf/kasus/ekspor.csv?from=YYYY-MM-DD&to=YYYY-MM-DD`: the cases opened in a range of
WITA days, in the user's scope, as CSV in SP4N-LAPOR!-style fields (`app.output.cases_csv`),
for units that re-enter them there.

Roles: unit (its unit's cases), agency (its agency's), city and admin (every case); officers
have no access to cases. The download is audited (`cases.export`, with the range and the
number of cases). Bad dates get a message page (400) and no file.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Template

from app import i18n
from app.output import cases_csv
from app.web.clients import network_key
from app.web.staff.auth import StaffPrincipal, roles
from app.web.staff.errors import staff_message
from app.web.staff.page import staff_lang
from feedback.accounts.audit import Actor, record
from feedback.cases.export import export_cases

PATH = "/staf/kasus/ekspor.csv"
MAX_DAYS = 2 * 366
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_range(first: Any, last: Any) -> tuple[date, date]:
    """The two days of a range (YYYY-MM-DD, `first` ≤ `last`, at most MAX_DAYS apart), else
    ValueError with a code: `missing`, `invalid_date`, `reversed`, `too_long`."""
    if not first or not last:
        raise ValueError("missing")
    try:
        if not (isinstance(first, str) and isinstance(last, str) and _DAY.fullmatch(first)
                and _DAY.fullmatch(last)):
            raise ValueError(first)
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError as exc:
        raise ValueError("invalid_date") from exc
    if start > end:
        raise ValueError("reversed")
    if (end - start).days > MAX_DAYS:
        raise ValueError("too_long")
    return start, end


class CaseExportController(Controller):
    path = PATH
    include_in_schema = False

    @get("", guards=[roles("unit", "agency", "city", "admin")])
    async def export(self, request: Request[StaffPrincipal, Any, Any]
                     ) -> Response[bytes] | Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        try:
            first, last = parse_range(request.query_params.get("from"),
                                      request.query_params.get("to"))
        except ValueError as exc:
            text = {
                "missing": _("Give both dates: from=YYYY-MM-DD and to=YYYY-MM-DD."),
                "invalid_date": _("Dates must be written as YYYY-MM-DD."),
                "reversed": _("The start date must not be after the end date."),
                "too_long": _("At most two years of cases can be exported at once."),
            }[str(exc)]
            return staff_message(request, lang, _("Export of cases"), text, 400)
        user = request.user
        scope = None if user.role in ("city", "admin") else user.scope
        cases = await export_cases(first, last, scope)
        actor = Actor(email=user.email, id=user.id,
                      network=network_key(request, request.app.state.settings))
        await record(actor, "cases.export", "case_export", f"{first}..{last}",
                     new={"from": first.isoformat(), "to": last.isoformat(),
                          "cases": len(cases)}, at=datetime.now(UTC))
        name = f"kasus-{first.isoformat()}-{last.isoformat()}.csv"
        return Response(content=cases_csv.render(cases), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})
