"""`GET /staf/kota`: the city view of the mayor's office (role `city`): agencies and units
ranked by performance index with their 95% rank intervals (in words and as a caterpillar
chart), the units that are not ranked with the reason and the responses still needed, a
funnel plot, filters by agency and peer group, a what-if satisfaction weight, the sensitivity
figures and a trend; links to publish the period and to its official report.

The period comes from the dashboards' GET picker (`period=`, or `from=`/`to=`); `agency=`
and `peer=` filter the listed rows (an unknown code is a 400 with a message); `w=` is the
what-if satisfaction weight, 0.3–0.7 in steps of 0.05 (else 400). All figures:
feedback.performance.city (from the engine's ScoreResult).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from cachetools import TTLCache
from litestar import Controller, Request, get
from litestar.response import Template

from app import i18n
from app.web.staff import city_charts
from app.web.staff.auth import StaffPrincipal, roles
from app.web.staff.charts import Chart
from app.web.staff.dashboards import _helpers, _period_or_message, number, ordinal
from app.web.staff.errors import staff_message
from app.web.staff.page import staff_context, staff_lang
from feedback.integrity.figures import integrity_note
from feedback.performance import city
from feedback.performance.city import CityView, TrendPoint


def rank_words(low: int | None, high: int | None, n: int, lang: str) -> str:
    """A 95% rank interval in words: "between 3rd and 6th of 12" (Indonesian: "antara
    peringkat ke-3 dan ke-6 dari 12"); one rank when both ends agree."""
    _ = i18n.gettext(lang)
    if low is None or high is None:
        return "–"
    if low == high:
        return _("rank %(rank)s of %(n)s", rank=ordinal(low, lang), n=n)
    return _("between %(low)s and %(high)s of %(n)s", low=ordinal(low, lang),
             high=ordinal(high, lang), n=n)


def _link(path: str, lang: str, **params: str | None) -> str:
    return path + _suffix(lang, **params)


def _suffix(lang: str, **params: str | None) -> str:
    query = {k: v for k, v in params.items() if v}
    if lang == "en":
        query["lang"] = "en"
    return f"?{urlencode(query)}" if query else ""


def _trend_label(kind: str, point: TrendPoint, helpers: dict[str, Any]) -> str:
    if kind == "month":
        return helpers["month_name"](point.key)
    return point.key


def _charts(view: CityView, lang: str, helpers: dict[str, Any],
            _: Callable[..., str]) -> dict[str, Chart]:
    num = helpers["num"]
    out: dict[str, Chart] = {}
    if view.ranked:
        text = "; ".join(f"{u.name} {rank_words(u.low, u.high, view.n_ranked, lang)}"
                         for u in view.ranked[:30])
        if len(view.ranked) > 30:
            text += "; …"
        out["caterpillar"] = city_charts.caterpillar_chart(
            view.ranked, view.n_ranked,
            title=_("%(level)s rank intervals of the ranked units", level="95%"),
            description=_("Each unit is a line from its best to its worst plausible rank "
                          "(95%% interval), with a dot at its median rank; best units at the "
                          "top. The table below gives the same figures. %(values)s",
                          values=text),
            interval_label=_("%(level)s rank interval", level="95%"), median_label=_("Median rank"),
            rank_label=_("Rank (1 = best)"))
    if view.funnel is not None and view.funnel.points:
        f = view.funnel
        p998 = "99,8%" if lang == "id" else "99.8%"
        mid = f.curve[len(f.curve) // 2]
        out["funnel"] = city_charts.funnel_chart(
            f, title=_("Funnel plot: IKM against the number of responses"),
            description=_(
                "Each dot is a scored unit: its IKM (25 × mean answer) against its number of "
                "responses n. The city target is %(target)s; the 95%% and 99.8%% limits "
                "narrow as n grows (at n = %(n)s: %(low95)s–%(high95)s and "
                "%(low998)s–%(high998)s). %(outside)s units are outside the 95%% band; "
                "they are listed below the chart.",
                target=num(f.target_ikm), n=num(mid.n, 0), low95=num(mid.low95),
                high95=num(mid.high95), low998=num(mid.low998), high998=num(mid.high998),
                outside=len(f.outside)),
            n_label=_("Responses (n)"),
            labels={"band95": _("%(level)s limits", level="95%"),
                    "band998": _("%(level)s limits", level=p998),
                    "target": _("City target"),
                    "within": _("Units within the %(level)s band", level="95%"),
                    "outside": _("Units outside the %(level)s band", level="95%")},
            lang=lang)
    if view.trend:
        label = lambda p: _trend_label(view.trend_kind, p, helpers)  # noqa: E731
        text = "; ".join(f"{label(p)}: {num(p.ikm)} (n={num(p.n, 0)})" for p in view.trend)
        out["trend_ikm"] = city_charts.trend_chart(
            view.trend, [(_("City IKM"), [p.ikm for p in view.trend])],
            title=_("City IKM over the last periods"),
            description=_("The official IKM of all counted responses of the city in each "
                          "period. Values: %(values)s.", values=text),
            label=label, lang=lang, value_range=(25, 100))
        names = {a.code: a.name for a in view.agency_options}
        codes = [a.code for a in view.agency_options
                 if view.agency in (None, a.code)
                 and any(p.agencies.get(a.code) is not None for p in view.trend)]
        if codes:
            out["trend_agencies"] = city_charts.trend_chart(
                view.trend, [(names[c], [p.agencies.get(c) for p in view.trend])
                             for c in codes],
                title=_("Agency performance index over the last periods"),
                description=_("One line per agency: its performance index in each period. "
                              "The table below gives the values."),
                label=label, lang=lang, value_range=(0, 100))
    return out


# Rendered charts per (period, weight, filters, language), each with the view it was drawn
# from: reused only while the view is equal (same score results, same trend), so a new
# computation of the period redraws them. pygal takes most of a warm request's time (about
# a second for a 500-unit city); like the score cache, this is per worker, bounded in size and
# age.
_CHART_CACHE: TTLCache[tuple[Any, ...], tuple[CityView, dict[str, Chart]]] = TTLCache(32, 60)


def _cached_charts(view: CityView, lang: str, helpers: dict[str, Any],
                   _: Callable[..., str]) -> dict[str, Chart]:
    key = (view.period.key, view.weight, view.agency, view.peer, lang)
    hit = _CHART_CACHE.get(key)
    if hit is not None and hit[0] == view:
        return hit[1]
    charts = _charts(view, lang, helpers, _)
    _CHART_CACHE[key] = (view, charts)
    return charts


def _words(lang: str) -> dict[str, str]:
    _ = i18n.gettext(lang)
    return {
        "too_few_to_score": _("Too few responses to be scored."),
        "too_few_to_rank": _("Too few responses to be ranked."),
        "low_reliability": _("Reliability below 0.70."),
        "no_targets": _("Targets not reported (less than half of its indicator weight has an "
                        "actual)."),
    }


def _band_short(lang: str) -> dict[str, str]:
    _ = i18n.gettext(lang)
    return {"above_99.8": _("Far above (99.8%)"), "above_95": _("Above (95%)"),
            "within": _("Within"), "below_95": _("Below (95%)"),
            "below_99.8": _("Far below (99.8%)")}


class CityController(Controller):
    path = "/staf/kota"
    include_in_schema = False

    @get("/", guards=[roles("city")])
    async def city_view(self, request: Request[StaffPrincipal, Any, Any]) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        period = _period_or_message(request, lang)
        if isinstance(period, Template):
            return period
        query = request.query_params
        try:
            weight = city.parse_weight(query.get("w"))
        except city.BadWeight:
            return staff_message(
                request, lang, _("Unknown weight"),
                _("The satisfaction weight must be a number from 0.3 to 0.7 in steps of "
                  "0.05, for example 0.45."), 400)
        agency = (query.get("agency") or "").strip() or None
        peer = (query.get("peer") or "").strip() or None
        try:
            view = await city.city_view(period, cache=request.app.state.score_cache,
                                        weight=weight, agency=agency, peer=peer)
        except city.UnknownFilter as exc:
            message = (_("There is no agency with the code “%(code)s”.", code=exc.code)
                       if exc.kind == "agency"
                       else _("There is no peer group “%(code)s”.", code=exc.code))
            return staff_message(request, lang, _("Unknown filter"), message, 400)
        helpers = _helpers(request, lang, period)
        span = {k: query.get(k) for k in ("period", "from", "to")}
        filters = {"agency": agency, "peer": peer}
        suffix = _suffix(lang, **span)  # the period (and language) of drill-down links
        w_param = None if weight == city.DEFAULT_WEIGHT else f"{weight:.2f}"
        return Template("staff/city.html", context=staff_context(
            request, lang, view=view, **helpers,
            charts=_cached_charts(view, lang, helpers, _), reason_words=_words(lang),
            band_short=_band_short(lang),
            rank_words=lambda lo, hi, n: rank_words(lo, hi, n, lang),
            weight_choices=city.weight_choices(), default_weight=city.DEFAULT_WEIGHT,
            weight_text=lambda w: number(w, 2, lang), span=span,
            agency_url=lambda code: f"/staf/dinas/{quote(code)}{suffix}",
            unit_url=lambda code: f"/staf/unit/{quote(code)}{suffix}",
            filter_url=lambda **more: _link("/staf/kota", lang, **span,
                                            **{**filters, "w": w_param, **more}),
            publish_url=(_link("/staf/kota/terbitan", lang, period=period.key)
                         if helpers["chosen_key"] else None),
            report_url=(_link("/staf/kota/laporan", lang, period=period.key, format="pdf")
                        if helpers["chosen_key"] else None),
            trend_label=lambda p: _trend_label(view.trend_kind, p, helpers),
            integrity_note=await integrity_note(period)))
