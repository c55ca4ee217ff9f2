"""The staff dashboards: `/staf/unit/{unit}` (unit head), `/staf/dinas/{agency}` (agency head)
and `/staf/loket/{counter}` (officer), for a period chosen with a plain GET form (`period=`
2026, 2026-S1, 2026-Q1, 2026-03, or `from=`/`to=` WITA days; default: this year to date).

Roles are checked by guards (403); scope in the domain functions, which raise NotFound for
another scope's objects (404). Figures: feedback.performance.dashboard. The unit dashboard of
a month, quarter, semester or year also follows up the unit's approved follow-up plan of the
period of the same length before it (feedback.plans.showing: each targeted element's NRR
and n then and now, with this period's engine result).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from app import i18n
from app.i18n import N_
from app.survey_text import instrument, profile_choices
from app.web.ikm_api import figures_shown
from app.web.plan_text import action_status_words, direction_words
from app.web.staff import charts
from app.web.staff.auth import StaffPrincipal, roles
from app.web.staff.errors import staff_message
from app.web.staff.page import STATIC, staff_context, staff_lang
from app.web.staff.predicate import agency_advice, unit_advice
from app.web.staff.unit_pages import comment_markers
from feedback.clock import wita_day
from feedback.comments.listing import latest_comments
from feedback.integrity.figures import integrity_note
from feedback.performance import dashboard, dashboard_reads, periods
from feedback.performance.periods import Period
from feedback.plans import showing

LATEST_COMMENTS = 3  # newest comments shown on the unit dashboard
MAX_CUSTOM_DAYS = 3 * 366  # a custom range longer than this is refused (400)
MIN_YEAR = 2000  # earlier periods are refused (400); the year before must exist too
MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
          N_("July"), N_("August"), N_("September"), N_("October"), N_("November"),
          N_("December"))


class PeriodError(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def today() -> date:
    return wita_day(datetime.now(UTC))


def choose_period(query: Any, _: Callable[..., str], now: date | None = None) -> Period:
    """The period asked for: `period=` key, or `from=`/`to=` days, or this year to date.
    Raises PeriodError (400 malformed, 422 not started) with a message in `_`'s language."""
    now = now or today()
    key = (query.get("period") or "").strip()
    first_text, last_text = (query.get("from") or "").strip(), (query.get("to") or "").strip()
    try:
        if key:
            chosen = periods.parse(key)
        elif first_text or last_text:
            if not (first_text and last_text):
                raise PeriodError(400, _("Give both the first and the last day."))
            first, last = date.fromisoformat(first_text), date.fromisoformat(last_text)
            if first > last:
                raise PeriodError(400, _("The start date must not be after the end date."))
            if (last - first).days + 1 > MAX_CUSTOM_DAYS:
                raise PeriodError(400, _("A range of days may cover at most three years."))
            chosen = periods.custom(first, last)
        else:
            chosen = periods.custom(date(now.year, 1, 1), now)
    except PeriodError:
        raise
    except ValueError as exc:
        raise PeriodError(400, _("Unknown period. Use 2026, 2026-S1, 2026-Q3, 2026-03 or "
                                 "from/to dates written as YYYY-MM-DD.")) from exc
    if chosen.first.year < MIN_YEAR:
        raise PeriodError(400, _("Choose a period from %(year)s on.", year=MIN_YEAR))
    if chosen.first > now:
        raise PeriodError(422, _("The period %(period)s has not started yet: it begins on "
                                 "%(first)s.", period=period_label(chosen, _),
                                 first=chosen.first.isoformat()))
    return chosen


def period_label(period: Period, _: Callable[..., str]) -> str:
    """The period in words: "Semester I 2026", "Maret 2026", "1 Jan 2026 – 30 Nov 2026"."""
    key = period.key
    if ".." in key:
        return _("%(first)s to %(last)s", first=period.first.isoformat(),
                 last=period.last.isoformat())
    if len(key) == 4:
        return _("Year %(year)s", year=key)
    year, part = key.split("-")
    if part.startswith("S"):
        return _("Semester %(n)s %(year)s", n="I" if part == "S1" else "II", year=year)
    if part.startswith("Q"):
        return _("Quarter %(n)s %(year)s", n=("I", "II", "III", "IV")[int(part[1]) - 1],
                 year=year)
    return f"{_(MONTHS[int(part) - 1])} {year}"


def period_options(now: date, _: Callable[..., str]) -> list[dict[str, Any]]:
    """Periods of this year and the previous one that have started, grouped by year."""
    out = []
    for year in (now.year, now.year - 1):
        keys = [f"{year}", f"{year}-S1", f"{year}-S2", *(f"{year}-Q{q}" for q in range(1, 5)),
                *(f"{year}-{m:02d}" for m in range(1, 13))]
        items = []
        for key in keys:
            p = periods.parse(key)
            if p.first <= now:
                items.append({"key": key, "label": period_label(p, _)})
        out.append({"year": year, "items": items})
    return out


def ordinal(n: int | None, lang: str) -> str:
    if n is None:
        return "–"
    if lang == "id":
        return f"ke-{n}"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def number(value: float | None, decimals: int = 2, lang: str = "id") -> str:
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "id":  # 1.234,56
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def grade_words(lang: str) -> dict[str, str]:
    """The grades' names (mutu pelayanan), as the regulation words them in Indonesian."""
    pgettext = i18n.pgettext(lang)
    return {"A": pgettext("grade", "Very good"), "B": pgettext("grade", "Good"),
            "C": pgettext("grade", "Poor"), "D": pgettext("grade", "Very poor")}


@cache
def dashboard_css() -> str:
    text = (STATIC / "dashboard.css").read_text(encoding="utf-8")
    return "".join(line.strip() for line in text.splitlines())


def _helpers(request: Request, lang: str, period: Period) -> dict[str, Any]:
    _ = i18n.gettext(lang)
    now = today()
    query = {k: v for k, v in request.query_params.items() if k in ("period", "from", "to")}
    custom = ".." in period.key
    return {
        "period": period,
        "period_label": period_label(period, _),
        "period_options": period_options(now, _),
        "chosen_key": None if custom else period.key,
        "custom_from": period.first.isoformat() if custom else "",
        "custom_to": period.last.isoformat() if custom else "",
        "today": now.isoformat(),
        "period_query": urlencode(query),
        "num": lambda v, d=2: number(v, d, lang),
        "pct": lambda v: "–" if v is None else number(100 * v, 1, lang) + " %",
        "ordinal": lambda n: ordinal(n, lang),
        "element_names": {code: text.name for code, text in instrument(lang).elements.items()},
        "profile_labels": profile_choices(lang),
        "grade_words": grade_words(lang),
        "status_short": {"not_scored": _("Not scored"), "provisional": _("Provisional"),
                         "unranked_no_kpi": _("Not ranked (no targets reported)"),
                         "ranked": _("Ranked")},
        "dashboard_css": dashboard_css(),
        "status_words": {
            "not_scored": _("Not scored: fewer than 10 responses in the period."),
            "provisional": _("Provisional: scored but not ranked (fewer than 30 responses or "
                             "reliability below 0.70)."),
            "unranked_no_kpi": _("Not ranked: its targets and actuals are not reported."),
            "ranked": _("Ranked."),
        },
        "funnel_words": {
            "above_99.8": _("far above the city's expectation for its size (99.8% band)"),
            "above_95": _("above the city's expectation for its size (95% band)"),
            "within": _("within the city's expectation for its size"),
            "below_95": _("below the city's expectation for its size (95% band)"),
            "below_99.8": _("far below the city's expectation for its size (99.8% band)"),
        },
        "month_name": lambda m: _(MONTHS[int(m[5:7]) - 1]) + " " + m[:4],
    }


def _charts(official: dashboard.Official, trend: dashboard.Trend, lang: str,
            names: dict[str, str], _: Callable[..., str]) -> dict[str, charts.Chart]:
    out: dict[str, charts.Chart] = {}
    rows = [r for r in official.elements if r.ikm is not None]
    if rows:
        text = "; ".join(f"{names[r.code]} {number(r.ikm, 2, lang)}" for r in rows)
        out["elements"] = charts.elements_chart(
            rows, names, lang=lang,
            title=_("The nine elements on the IKM scale, weakest first"),
            description=_("Bars: 25 × NRR per element, weakest at the top. Lines: grade "
                          "bounds A 88.31, B 76.61, C 65.00. Values: %(values)s.",
                          values=text))
    if any(m.n for m in trend.months):
        text = "; ".join(f"{m.month}: {number(m.ikm, 2, lang)} (n={m.n})"
                         for m in trend.months)
        out["trend"] = charts.trend_chart(
            trend.months, trend.previous, lang=lang,
            title=_("IKM by month"),
            description=_("Bars: the official IKM of each month with its number of responses "
                          "(n); where data exists, the same month a year earlier beside it. "
                          "Values: %(values)s.", values=text),
            this_label=_("This period"), previous_label=_("A year earlier"))
    return out


def _period_or_message(request: Request, lang: str) -> Period | Template:
    _ = i18n.gettext(lang)
    try:
        return choose_period(request.query_params, _)
    except PeriodError as exc:
        return staff_message(request, lang, _("Unknown period"), exc.message, exc.status)


def _min_group(request: Request) -> int:
    return request.app.state.settings.min_group


class DashboardController(Controller):
    path = "/staf"
    include_in_schema = False

    @get("/unit/{unit:str}", guards=[roles("unit", "agency", "city")])
    async def unit(self, request: Request[StaffPrincipal, Any, Any],
                   unit: FromPath[str]) -> Template:
        lang = staff_lang(request)
        period = _period_or_message(request, lang)
        if isinstance(period, Template):
            return period
        try:
            board = await dashboard.unit_dashboard(
                request.user.scope, unit, period, min_group=_min_group(request),
                cache=request.app.state.score_cache, lang=lang)
        except dashboard.NotFound as exc:
            raise NotFoundException() from exc
        helpers = _helpers(request, lang, period)
        _ = i18n.gettext(lang)
        # The newest comments (masked; all periods), in full on the comments page.
        comments = await latest_comments(request.user.scope, board.unit.code,
                                         LATEST_COMMENTS, markers=comment_markers(lang))
        # The public IKM (GET /api/v1/units/{unit}/ikm) withholds the figures of a period
        # with a month of 1 to min_group − 1 responses: say so, the page shows them to staff.
        calendar = period.first.day == 1 and (
            (period.last + timedelta(days=1)).day == 1 or period.last == today())
        withheld = calendar and board.official.n > 0 and not figures_shown(
            [m.n for m in board.trend.months], _min_group(request))
        # The approved follow-up plan of the period before (same length), followed up with
        # this period's engine figures (the result the dashboard's peer figures come from).
        before = showing.previous_key(period)
        plan_progress = [] if before is None else await showing.progress_of(
            [board.unit.id], period,
            await dashboard_reads.period_result(period, request.app.state.score_cache),
            _min_group(request))
        return Template("staff/unit.html", context=staff_context(
            request, lang, board=board, **helpers, comments=comments, public_withheld=withheld,
            plan_progress=plan_progress,
            plan_period=None if before is None else period_label(periods.parse(before), _),
            plan_period_key=before,
            action_status_words=action_status_words(lang),
            direction_words=direction_words(lang),
            predicate=await unit_advice(board, lang),
            min_group_minus_one=_min_group(request) - 1,
            charts=_charts(board.official, board.trend, lang, helpers["element_names"], _),
            comments_url=f"/staf/unit/{board.unit.code}/komentar",
            integrity_note=await integrity_note(period, board.unit.id),
            targets_url=f"/staf/unit/{board.unit.code}/kinerja"))

    @get("/dinas/{agency:str}", guards=[roles("agency", "city")])
    async def agency(self, request: Request[StaffPrincipal, Any, Any], agency: FromPath[str]
                     ) -> Template:
        lang = staff_lang(request)
        period = _period_or_message(request, lang)
        if isinstance(period, Template):
            return period
        try:
            board = await dashboard.agency_dashboard(
                request.user.scope, agency, period, min_group=_min_group(request),
                cache=request.app.state.score_cache)
        except dashboard.NotFound as exc:
            raise NotFoundException() from exc
        helpers = _helpers(request, lang, period)
        _ = i18n.gettext(lang)
        return Template("staff/agency.html", context=staff_context(
            request, lang, board=board, **helpers, predicate=await agency_advice(board, lang),
            charts=_charts(board.official, board.trend, lang, helpers["element_names"], _)))

    @get("/loket/{counter:str}", guards=[roles("officer", "unit", "agency", "city")])
    async def counter(self, request: Request[StaffPrincipal, Any, Any], counter: FromPath[str]
                      ) -> Template:
        lang = staff_lang(request)
        period = _period_or_message(request, lang)
        if isinstance(period, Template):
            return period
        try:
            board = await dashboard.counter_dashboard(
                request.user.scope, counter, period, min_group=_min_group(request))
        except dashboard.NotFound as exc:
            raise NotFoundException() from exc
        helpers = _helpers(request, lang, period)
        return Template("staff/counter.html", context=staff_context(
            request, lang, board=board, **helpers))
