"""The advisory link to ASN performance (PermenPANRB 6/2022, SE MenPANRB 03/2023).

`GET/POST /staf/kota/predikat` (role `city`): the thresholds from the performance index to
the organisational predicate it suggests, with the regulation's employee-predicate
distribution limits; a change is refused with a message per field (422) and nothing
written, or stored with an audit row (old and new values).

`unit_advice` / `agency_advice`: the context of the advisory box (`staff/_predicate.html`)
on the unit and agency views, from the index of the engine's result the dashboards show.
Always marked as advice, never a score of a person.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
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
from feedback.clock import WITA
from feedback.performance import predicate as settings
from feedback.performance.dashboard import AgencyDashboard, UnitDashboard
from scoring.predicate import (
    BOUNDED,
    DEFAULT_THRESHOLDS,
    DISTRIBUTION_LIMITS,
    EMPLOYEE_NAMES,
    ORG_NAMES,
    ORG_PREDICATES,
    Limit,
    Thresholds,
    advise,
    band,
)

PATH = "/staf/kota/predikat"
ERRORS = {
    "missing": N_("Type a number."),
    "not_a_number": N_("Type a number from 0 to 100, e.g. 72,5."),
    "too_many_decimals": N_("Use at most 2 decimals."),
    "out_of_range": N_("The bound must be from 0 to 100."),
    "not_descending": N_("Each bound must be below the bound of the better predicate above "
                         "it."),
}


def _num(value: float, lang: str) -> str:
    """A bound or index as typed: 90, 72,5 (Indonesian) or 72.5; at most 2 decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "id" else text


def _index_text(value: float, lang: str) -> str:
    """The index as compared: 2 decimals (87,10)."""
    text = f"{value:.2f}"
    return text.replace(".", ",") if lang == "id" else text


def _pct(share: float) -> str:
    return f"{round(share * 100):d}%"


def limit_words(limit: Limit, _: Callable[..., str]) -> str:
    """One distribution limit in words."""
    who = _(" and/or ").join(EMPLOYEE_NAMES[p] for p in limit.predicates)
    if limit.kind == "most":
        return _("%(who)s for most employees", who=who)
    if limit.kind == "at_most":
        return _("%(who)s: at most %(pct)s of employees", who=who, pct=_pct(limit.share or 0))
    if limit.kind == "at_least":
        return _("%(who)s: at least %(pct)s of employees", who=who,
                 pct=_pct(limit.share or 0))
    if limit.kind == "some":
        return _("some employees must be %(who)s", who=who)
    return _("no employee may be %(who)s", who=who)


def band_words(predicate: str, thresholds: Thresholds, lang: str,
               _: Callable[..., str]) -> str:
    low, high = band(predicate, thresholds)
    if low is None and high is not None:
        return _("index %(high)s or below", high=_num(high, lang))
    if high is None and low is not None:
        return _("index above %(low)s", low=_num(low, lang))
    return _("index above %(low)s, up to %(high)s", low=_num(low or 0, lang),
             high=_num(high or 0, lang))


def rules(thresholds: Thresholds, lang: str, _: Callable[..., str]) -> list[dict[str, Any]]:
    """Per organisational predicate: its name, index range and the limits it implies."""
    return [{"code": code, "name": ORG_NAMES[code],
             "band": band_words(code, thresholds, lang, _),
             "limits": [limit_words(x, _) for x in DISTRIBUTION_LIMITS[code]]}
            for code in ORG_PREDICATES]


def _wita(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(WITA)


def _who_when(current: settings.Current, lang: str, _: Callable[..., str]) -> str:
    if current.is_default or current.set_at is None:
        return _("The defaults (never changed by the city).")
    return _("Set by %(who)s on %(when)s WITA.", who=current.set_by or "–",
             when=_wita(current.set_at).strftime("%Y-%m-%d %H:%M"))


async def _advice(index: float | None, no_index: str | None, lang: str,
                  provisional: bool = False) -> dict[str, Any]:
    _ = i18n.gettext(lang)
    current = await settings.current()
    thresholds = current.thresholds
    box: dict[str, Any] = {
        "thresholds": [{"name": ORG_NAMES[code], "value": value, "text": _num(value, lang)}
                       for code, value in thresholds.as_dict().items()],
        "lowest": ORG_NAMES["sangat_kurang"],
        "who_when": _who_when(current, lang, _),
        "settings_url": PATH,
    }
    if index is None:
        return {**box, "advice": None, "no_index": no_index}
    advice = advise(index, thresholds)
    return {**box, "advice": advice, "no_index": None, "provisional": provisional,
            "index_text": _index_text(advice.rounded, lang),
            "name": ORG_NAMES[advice.predicate],
            "band": band_words(advice.predicate, thresholds, lang, _),
            "limits": [limit_words(x, _) for x in advice.limits]}


async def unit_advice(board: UnitDashboard, lang: str) -> dict[str, Any]:
    """The advisory box of a unit: from the index of the period's engine result."""
    _ = i18n.gettext(lang)
    peer = board.peer
    if peer is None:
        return await _advice(None, _("No unit has responses in this period: there is no "
                                     "index, so no predicate is suggested."), lang)
    if peer.status == "not_scored":
        return await _advice(None, _("Not scored: fewer than 10 responses in the period. "
                                     "There is no index, so no predicate is suggested."), lang)
    if peer.index is None:
        return await _advice(None, _("No index: the unit's targets and actuals are not "
                                     "reported for the period, so no predicate is "
                                     "suggested."), lang)
    return await _advice(peer.index, None, lang, provisional=peer.status == "provisional")


async def agency_advice(board: AgencyDashboard, lang: str) -> dict[str, Any]:
    """The advisory box of an agency: from the agency index of the period's engine result."""
    _ = i18n.gettext(lang)
    return await _advice(board.index, _("The agency has no performance index in this period "
                                        "(none of its units has one), so no predicate is "
                                        "suggested."), lang)


def _actor(request: Request[StaffPrincipal, Any, Any]) -> Actor:
    return Actor(email=request.user.email, id=request.user.id,
                 network=network_key(request, request.app.state.settings))


class PredicateController(Controller):
    path = PATH
    include_in_schema = False
    guards = [roles("city")]

    async def _page(self, request: Request[StaffPrincipal, Any, Any], lang: str, *,
                    typed: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                    message: str | None = None, notice: str | None = None,
                    status: int = 200) -> Template:
        _ = i18n.gettext(lang)
        current = await settings.current()
        fields = typed if typed is not None else {
            code: _num(value, lang) for code, value in current.thresholds.as_dict().items()}
        return Template(template_name="staff/predicate.html", context=staff_context(
            request, lang, current=current, fields=fields, errors=errors or {},
            message=message, notice=notice, bounded=BOUNDED, names=ORG_NAMES,
            lowest=ORG_NAMES["sangat_kurang"],
            who_when=_who_when(current, lang, _),
            defaults={code: _num(v, lang) for code, v in DEFAULT_THRESHOLDS.as_dict().items()},
            rules=rules(current.thresholds, lang, _)), status_code=status)

    @get("/")
    async def show(self, request: Request[StaffPrincipal, Any, Any]) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        saved = request.query_params.get("saved")
        notice = {"1": _("The thresholds were saved."),
                  "0": _("Nothing changed.")}.get(saved or "")
        return await self._page(request, lang, notice=notice)

    @post("/")
    async def save(self, request: Request[StaffPrincipal, Any, Any]) -> Template | Redirect:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        form = await request.form()
        typed = {code: v if isinstance(v := form.get(code), str) else "" for code in BOUNDED}
        version_text = form.get("version")
        if not (isinstance(version_text, str) and version_text.isdigit()
                and len(version_text) < 19):
            return await self._page(
                request, lang, typed=typed, status=422,
                message=_("The form is incomplete. Open the page again and repeat the "
                          "change."))
        try:
            thresholds = settings.parse(typed)
        except settings.Refused as exc:
            errors = {code: _(ERRORS[problem]) for code, problem in exc.errors.items()}
            return await self._page(request, lang, typed=typed, errors=errors, status=422,
                                    message=_("Nothing was saved. Please correct:"))
        try:
            _current, changed = await settings.change(_actor(request), thresholds,
                                                      int(version_text))
        except settings.Stale:
            return await self._page(
                request, lang, status=409,
                message=_("Someone else changed the thresholds while you were editing. "
                          "Nothing was saved: the current thresholds are shown below."))
        query = {"saved": "1" if changed else "0"}
        if request.query_params.get("lang") in i18n.LANGS:
            query["lang"] = request.query_params["lang"]
        return Redirect(f"{PATH}?{urlencode(query)}", status_code=303)
