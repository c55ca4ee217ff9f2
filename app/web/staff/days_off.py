"""`/staf/kota/hari-libur` (roles city and admin): the city's own days off.

`GET` lists the non-working weekdays of the coming 12 months with their reason (national
holidays and cuti bersama by name, from the calendar the SP4N-LAPOR! clocks use, plus the
city's local days off) and the forms to add a local day off (`POST /staf/kota/hari-libur`,
fields `day`, `name`) and to remove one (`POST /staf/kota/hari-libur/hapus`, field `day`).
Changes are audited (`feedback.cases.days_off`); a refused change gets the page again with
a message (4xx) and writes nothing; a done one redirects (303, Post/Redirect/Get).
Clocks are stored when a case opens: a change affects cases opened after it only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from app import i18n
from app.i18n import N_
from app.web.clients import network_key
from app.web.staff.auth import StaffPrincipal, roles
from app.web.staff.page import staff_context, staff_lang
from feedback.accounts.audit import Actor
from feedback.cases import days_off
from feedback.cases.clocks import calendar
from feedback.clock import wita_day

PATH = "/staf/kota/hari-libur"
AHEAD_DAYS = 365
ERRORS = {
    "invalid_day": (400, N_("Write the day as YYYY-MM-DD, e.g. 2026-12-31.")),
    "past": (422, N_("The day has passed. Only today or a later day can be added.")),
    "too_far": (422, N_("The day is more than two years ahead.")),
    "weekend": (422, N_("The day is a Saturday or Sunday: it is not a working day anyway.")),
    "national": (422, N_("The day is already a national holiday or cuti bersama: "
                         "%(name)s.")),
    "exists": (409, N_("The day is already a local day off.")),
    "not_found": (404, N_("The day is not a local day off.")),
    "name_missing": (422, N_("Give the day off a name, e.g. “HUT Kota Kupang”.")),
    "name_too_long": (422, N_("The name is too long (at most %(n)s characters).")),
}
KINDS = {"national": N_("National holiday"), "cuti_bersama": N_("Cuti bersama"),
         "local": N_("Local day off")}
NOTICES = {"added": N_("The day off %(day)s was added."),
           "removed": N_("The day off %(day)s was removed.")}


def _actor(request: Request[StaffPrincipal, Any, Any]) -> Actor:
    return Actor(email=request.user.email, id=request.user.id,
                 network=network_key(request, request.app.state.settings))


def _lang_query(request: Request) -> str:
    lang = request.query_params.get("lang")
    return f"?lang={lang}" if lang in i18n.LANGS else ""


async def _page(request: Request[StaffPrincipal, Any, Any], lang: str, *,
                notice: str | None = None, error: str | None = None,
                typed: dict[str, str] | None = None, status: int = 200) -> Template:
    _ = i18n.gettext(lang)
    today = wita_day(datetime.now(UTC))
    last = today + timedelta(days=AHEAD_DAYS)
    local = await days_off.local_days()
    cal = await calendar()
    rows = [{"day": d.day.isoformat(), "weekday": _weekday(d.day.weekday(), _),
             "kind": d.kind, "kind_label": _(KINDS[d.kind]), "name": d.name}
            for d in days_off.non_working_days(cal, [x for x in local if x.day >= today],
                                               today, last, lang)]
    return Template(template_name="staff/days_off.html", context=staff_context(
        request, lang, rows=rows, local=[{"day": d.day.isoformat(), "name": d.name,
                                          "by": d.created_by,
                                          "past": d.day < today} for d in local],
        today=today.isoformat(), last=last.isoformat(), notice=notice, error=error,
        typed=typed or {}, max_name=days_off.MAX_NAME_CHARS,
        action=PATH + _lang_query(request),
        remove_action=f"{PATH}/hapus{_lang_query(request)}"), status_code=status)


WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
            N_("Saturday"), N_("Sunday"))


def _weekday(index: int, _: Any) -> str:
    return _(WEEKDAYS[index])


def _refused(exc: days_off.DayOffRefused, _: Any) -> tuple[int, str]:
    status, text = ERRORS[exc.code]
    return status, _(text, name=exc.reason or "", n=days_off.MAX_NAME_CHARS)


class DaysOffController(Controller):
    path = PATH
    include_in_schema = False
    guards = [roles("city", "admin")]

    @get("")
    async def show(self, request: Request[StaffPrincipal, Any, Any]) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        done, day = request.query_params.get("done"), request.query_params.get("day", "")
        notice = None
        if done in NOTICES and len(day) <= 10:
            notice = _(NOTICES[done], day=day)
        return await _page(request, lang, notice=notice)

    @post("")
    async def add(self, request: Request[StaffPrincipal, Any, Any]) -> Template | Redirect:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        form = await request.form()
        typed = {k: v if isinstance(v := form.get(k), str) else "" for k in ("day", "name")}
        try:
            day = days_off.parse_day(typed["day"])
            await days_off.add(_actor(request), day, typed["name"], datetime.now(UTC))
        except days_off.DayOffRefused as exc:
            status, text = _refused(exc, _)
            return await _page(request, lang, error=text, typed=typed, status=status)
        return Redirect(f"{PATH}?{urlencode(self._query(request, 'added', day.isoformat()))}",
                        status_code=303)

    @post("/hapus")
    async def remove(self, request: Request[StaffPrincipal, Any, Any]) -> Template | Redirect:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        form = await request.form()
        raw = form.get("day")
        try:
            day = days_off.parse_day(raw if isinstance(raw, str) else "")
            await days_off.remove(_actor(request), day, datetime.now(UTC))
        except days_off.DayOffRefused as exc:
            status, text = _refused(exc, _)
            return await _page(request, lang, error=text, status=status)
        return Redirect(
            f"{PATH}?{urlencode(self._query(request, 'removed', day.isoformat()))}",
            status_code=303)

    @staticmethod
    def _query(request: Request, done: str, day: str) -> dict[str, str]:
        query = {"done": done, "day": day}
        if request.query_params.get("lang") in i18n.LANGS:
            query["lang"] = request.query_params["lang"]
        return query
