"""Sub-pages of the unit dashboard:

* `GET /staf/unit/{unit}/komentar`: the unit's comments, newest first, masked, filtered by
  period (`period=` key or `from=`/`to=` WITA days; default: this year to date) and by an
  element's answers (`element=waktu&rating=1&rating=2`), 20 a page (`page=`); a plain GET
  form, no JavaScript. Roles unit, agency and city within their scope; an officer gets a
  403 page that says why (a comment at their own counter could identify its writer).
* `GET /staf/unit/{unit}/kinerja?period=2026`: targets and actuals of the unit's indicators
  for a year, semester, quarter or month (default: this year), the KPI pillar, the change
  history, and the performance index with its exact decomposition against the city
  average (table and chart). `POST` (CSRF) stores actuals: unit role and city only (the
  agency head reads; see feedback.performance.unit_targets).

Scope is enforced by the domain functions (another scope's unit: 404); roles by guards
(403). Every figure comes from the domain: the index and its parts are the period's
ScoreResult as GET /api/v1/scores computes it (same cache key, default parameters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pygal
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app import i18n
from app.i18n import N_
from app.survey_text import instrument
from app.web.staff import charts
from app.web.staff.auth import StaffPrincipal, roles
from app.web.staff.errors import staff_message
from app.web.staff.page import staff_context, staff_lang
from feedback.accounts.audit import Actor
from feedback.comments import listing
from feedback.org import scoped
from feedback.performance import dashboard_reads, unit_targets
from feedback.performance.decomposition import Decomposition, decompose
from feedback.performance.periods import Period
from feedback.performance.target_lock import PeriodLocked
from scoring.ikm import ELEMENTS
from scoring.result import ScoreResult

PER_PAGE = 20
OFFICER_COMMENTS = N_(
    "Counter officers do not see comments: at your own counter, a comment with its time and "
    "answers could identify the one citizen who wrote it. Your counter's aggregate figures "
    "are on your page.")
ENTRY_MESSAGES = {
    "not_a_number": N_("Not a number. Write digits with a decimal comma, e.g. 12,5."),
    "negative": N_("Must not be negative."),
    "too_large": N_("Too large."),
    "thousands": N_("Write the number without thousands separators, e.g. 1234 or 1234,5."),
    "above_target_bound": N_("More than 100 times the target (at most %(limit)s): please "
                             "check the value."),
    "unknown": N_("This indicator has no target for this period."),
}


LOCKED = N_("%(period)s is published (version %(version)s) and its targets and actuals are "
           "locked. A city government user can unlock them, with a reason, on the "
           "Publishing page.")


class PageError(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _dash() -> Any:
    """app.web.staff.dashboards, whose period picker and number format these pages share.
    Imported on use: the dashboards import this module (comment_markers), so a module-level
    import would be circular."""
    from app.web.staff import dashboards

    return dashboards


def number(value: float | None, decimals: int = 2, lang: str = "id") -> str:
    """The dashboards' number format (1.234,56 in Indonesian)."""
    return _dash().number(value, decimals, lang)


def today() -> Any:
    return _dash().today()


def signed(value: float, decimals: int = 2, lang: str = "id") -> str:
    return ("+" if value > 0 else "−" if value < 0 else "±") + number(abs(value), decimals, lang)


def plain_number(value: float | None, lang: str) -> str:
    """A value as it goes back into an input: no thousands separator, shortest form."""
    if value is None:
        return ""
    text = f"{value:.10g}" if abs(value) < 1e10 else f"{value:.0f}"
    return text.replace(".", ",") if lang == "id" else text


def pick_period(query: Any, _: Callable[..., str], *, targets: bool) -> Period:
    """The dashboards' period choice (`period=` key or `from=`/`to=` WITA days; default this
    year to date). Targets are stored per key period: there, the default is this year and
    a range of days is refused. Raises PageError (400, 422) in `_`'s language."""
    if targets and not (query.get("period") or "").strip():
        if (query.get("from") or "").strip() or (query.get("to") or "").strip():
            raise PageError(400, _("Targets are set per year, semester, quarter or month: "
                                   "choose one of those."))
        query = {"period": str(today().year)}
    try:
        return _dash().choose_period(query, _)
    except _dash().PeriodError as exc:
        raise PageError(exc.status, exc.message) from exc


def _period_context(period: Period, _: Callable[..., str]) -> dict[str, Any]:
    custom = ".." in period.key
    return {
        "period": period,
        "period_label": _dash().period_label(period, _),
        "period_options": _dash().period_options(today(), _),
        "chosen_key": None if custom else period.key,
        "custom_from": period.first.isoformat() if custom else "",
        "custom_to": period.last.isoformat() if custom else "",
        "today": today().isoformat(),
    }


def element_names(lang: str) -> dict[str, str]:
    return {code: text.name for code, text in instrument(lang).elements.items()}


def comment_markers(lang: str) -> dict[str, str]:
    _ = i18n.gettext(lang)
    return {"email": _("[e-mail address hidden]"), "plate": _("[plate number hidden]"),
            "nik": _("[NIK hidden]"), "phone": _("[phone number hidden]"),
            "number": _("[number hidden]")}


# Comments --------------------------------------------------------------------------------

def _comment_filters(query: Any, _: Callable[..., str]) -> tuple[str | None, list[int], int]:
    element = (query.get("element") or "").strip() or None
    if element is not None and element not in ELEMENTS:
        raise PageError(400, _("Unknown element."))
    ratings: list[int] = []
    for raw in query.getall("rating", []):
        if raw not in ("1", "2", "3", "4"):
            raise PageError(400, _("An answer is a number from 1 to 4."))
        ratings.append(int(raw))
    if ratings and element is None:
        raise PageError(400, _("Choose the element whose answers you want to filter by."))
    page_text = (query.get("page") or "1").strip()
    if not page_text.isdigit() or not 1 <= int(page_text) <= listing.MAX_PAGE:
        raise PageError(400, _("Unknown page number."))
    return element, sorted(set(ratings)), int(page_text)


def _comments_query(request: Request, page: int) -> str:
    kept = [(k, v) for k, v in request.query_params.multi_items()
            if k in ("period", "from", "to", "element", "rating", "lang")]
    return urlencode([*kept, ("page", str(page))])


# Performance index chart -----------------------------------------------------------------

def points_chart(labels: list[str], values: list[float], *, title: str, description: str,
                 lang: str) -> charts.Chart:
    """A horizontal bar chart of points above (blue, right) and below (orange, left) the city
    average, in the dashboards' chart style (app.web.staff.charts)."""
    chart = pygal.HorizontalBar(**charts._config(
        width=760, height=max(220, 34 * len(values) + 90), zero=0, truncate_label=-1,
        # the values are in the table beside the chart; printed on short bars they would
        # not be legible
        print_values=False, value_formatter=lambda v: signed(v, 1, lang),
    ))
    # pygal draws the first label at the bottom: reverse so the list reads top-down.
    chart.x_labels = list(reversed(labels))
    chart.add(title, [{"value": v, "color": charts.BLUE if v >= 0 else charts.ORANGE}
                      for v in reversed(values)])
    return charts._finish(chart, title, description)


async def period_result(request: Request, period: Period) -> ScoreResult | None:
    """The period's ScoreResult with default parameters from the cache GET /api/v1/scores
    and the dashboards share (same key), so every page shows the API's figures; None
    without any response in the period."""
    return await dashboard_reads.period_result(period, request.app.state.score_cache)


def forget_results(request: Request, period: Period) -> None:
    """Drop this worker's cached results of the period after its actuals changed (other
    workers' caches expire within a minute)."""
    cache = request.app.state.score_cache
    for key in [k for k in list(cache.keys()) if k and k[0] == period.key]:
        cache.pop(key, None)


def _index_view(d: Decomposition | None, names: dict[str, str], lang: str,
                _: Callable[..., str]) -> dict[str, Any] | None:
    """Rows, sentences and chart of the decomposition."""
    if d is None:
        return None
    rows = [{"key": p.key, "kind": p.kind, "name": names.get(p.key, p.key),
             "contribution": p.contribution, "points": p.points} for p in d.parts]
    sentences = []
    if d.weakest is not None:
        sentences.append(_("%(name)s costs %(points)s points against the city average.",
                           name=names.get(d.weakest.key, d.weakest.key),
                           points=number(-d.weakest.points, 2, lang)))
    if d.strongest is not None:
        sentences.append(_("%(name)s adds %(points)s points above the city average.",
                           name=names.get(d.strongest.key, d.strongest.key),
                           points=number(d.strongest.points, 2, lang)))
    chart = None
    if rows:
        values_text = "; ".join(f"{r['name']} {signed(r['points'], 2, lang)}" for r in rows)
        chart = points_chart(
            [r["name"] for r in rows], [r["points"] for r in rows],
            title=_("Points above or below the city average"), lang=lang,
            description=_("Bars to the right (blue): points above the city average; to the "
                          "left (orange): points below. They add up to the difference "
                          "between the unit's index and the city average. Values: "
                          "%(values)s.", values=values_text))
    return {"d": d, "rows": rows, "sentences": sentences, "chart": chart,
            "sum_points": sum(p.points for p in d.parts),
            "sum_contributions": sum(p.contribution for p in d.parts)}


class UnitPagesController(Controller):
    path = "/staf/unit"
    include_in_schema = False

    @get("/{unit:str}/komentar", guards=[roles("officer", "unit", "agency", "city")])
    async def comments(self, request: Request[StaffPrincipal, Any, Any], unit: FromPath[str]
                       ) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        if request.user.role == "officer":
            return staff_message(request, lang, _("Comments are not shown to officers"),
                                 _(OFFICER_COMMENTS), 403)
        try:
            period = pick_period(request.query_params, _, targets=False)
            element, ratings, page = _comment_filters(request.query_params, _)
        except PageError as exc:
            return staff_message(request, lang, _("The filter could not be used"),
                                 exc.message, exc.status)
        try:
            found = await listing.unit_comments(
                request.user.scope, unit, period, element=element, rating=ratings or None,
                page=page, per_page=PER_PAGE, markers=comment_markers(lang))
        except scoped.NotFound as exc:
            raise NotFoundException() from exc
        except scoped.NotAllowed as exc:
            raise PermissionDeniedException("role") from exc
        names = element_names(lang)
        return Template("staff/unit_comments.html", context=staff_context(
            request, lang, found=found, element=element, ratings=ratings,
            element_names=names, elements=ELEMENTS,
            num=lambda v, d=2: number(v, d, lang),
            previous_url=(f"?{_comments_query(request, page - 1)}"
                          if found.has_previous else None),
            next_url=f"?{_comments_query(request, page + 1)}" if found.has_next else None,
            dashboard_url=f"/staf/unit/{found.unit_code}",
            **_period_context(period, _)))

    async def _targets_page(self, request: Request[StaffPrincipal, Any, Any], unit: str,
                            period: Period, lang: str, *, typed: dict[str, str] | None = None,
                            errors: dict[str, str] | None = None, status: int = 200,
                            saved: int | None = None) -> Template:
        _ = i18n.gettext(lang)
        try:
            t = await unit_targets.unit_targets(request.user.scope, unit, period)
        except scoped.NotFound as exc:
            raise NotFoundException() from exc
        except scoped.NotAllowed as exc:
            raise PermissionDeniedException("role") from exc
        result = await period_result(request, period)
        names = element_names(lang)
        names.update({r.code: r.name for r in t.rows})
        d = decompose(result, t.unit_code) if result is not None else None
        fields = {r.code: (typed[r.code] if typed and r.code in typed
                           else plain_number(r.actual, lang)) for r in t.rows}
        return Template("staff/unit_targets.html", context=staff_context(
            request, lang, t=t, index=_index_view(d, names, lang, _), has_result=result
            is not None, fields=fields, errors=errors or {}, saved=saved,
            city_mean=result.city.mean_index if result is not None else None,
            num=lambda v, d=2: number(v, d, lang), signed=lambda v: signed(v, 2, lang),
            pct=lambda v: "–" if v is None else number(100 * v, 1, lang) + " %",
            direction_words={"higher": _("higher is better"), "lower": _("lower is better")},
            field_words={"actual": _("actual"), "target": _("target")},
            indicator_names={r.code: r.name for r in t.rows},
            row_index={r.code: i for i, r in enumerate(t.rows, start=1)},
            dashboard_url=f"/staf/unit/{t.unit_code}",
            comments_url=f"/staf/unit/{t.unit_code}/komentar",
            locked_message=None if t.locked is None else _(
                LOCKED, period=_dash().period_label(period, _), version=t.locked.version),
            **_period_context(period, _)), status_code=status)

    @get("/{unit:str}/kinerja", guards=[roles("unit", "agency", "city")])
    async def targets(self, request: Request[StaffPrincipal, Any, Any], unit: FromPath[str]
                      ) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        try:
            period = pick_period(request.query_params, _, targets=True)
        except PageError as exc:
            return staff_message(request, lang, _("Unknown period"), exc.message, exc.status)
        saved = request.query_params.get("saved")
        return await self._targets_page(
            request, unit, period, lang,
            saved=int(saved) if saved and saved.isdigit() and len(saved) < 4 else None)

    @post("/{unit:str}/kinerja", guards=[roles("unit", "agency", "city")])
    async def save_targets(self, request: Request[StaffPrincipal, Any, Any], unit: FromPath[str]
                           ) -> Template | Redirect:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        form = await request.form()
        key = form.get("period")
        try:
            if not isinstance(key, str) or not key.strip():
                raise PageError(400, _("Unknown period. Use 2026, 2026-S1, 2026-Q3, 2026-03 "
                                       "or from/to dates written as YYYY-MM-DD."))
            period = pick_period({"period": key}, _, targets=True)
        except PageError as exc:
            return staff_message(request, lang, _("Unknown period"), exc.message, exc.status)
        typed = {name[len("actual:"):]: value for name, value in form.multi_items()
                 if name.startswith("actual:") and isinstance(value, str)}
        user = request.user
        actor = Actor(email=user.email, id=user.id)
        try:
            changes = await unit_targets.enter_actuals(user.scope, unit, period, typed, actor)
        except scoped.NotFound as exc:
            raise NotFoundException() from exc
        except scoped.NotAllowed as exc:
            raise PermissionDeniedException("role") from exc
        except PeriodLocked as exc:
            return staff_message(request, lang, _("The period is locked"), _(
                LOCKED, period=_dash().period_label(period, _), version=exc.version), 409)
        except unit_targets.Conflict:
            return staff_message(request, lang, _("Someone else changed these values"),
                                 _("An actual was changed by someone else while you were "
                                   "editing. Nothing was saved: open the page again to see "
                                   "the current values."), 409)
        except unit_targets.EntryRefused as exc:
            errors = {e.indicator: _(ENTRY_MESSAGES[e.code],
                                     limit=number(e.limit, 2, lang))
                      if e.code == "above_target_bound" else _(ENTRY_MESSAGES[e.code])
                      for e in exc.errors}
            return await self._targets_page(request, unit, period, lang, typed=typed,
                                            errors=errors, status=422)
        if changes:
            forget_results(request, period)
        query = {"period": period.key, "saved": str(len(changes))}
        if request.query_params.get("lang") in i18n.LANGS:
            query["lang"] = request.query_params["lang"]
        return Redirect(f"/staf/unit/{unit}/kinerja?{urlencode(query)}", status_code=303)
