"""Comment themes of a unit (`feedback.comments.themes`) and label corrections:

* `GET /staf/unit/{unit}/komentar/tema`: the period's comments counted per SKM element (or
  `lainnya`) and sentiment (a table and a stacked bar chart), the urgent ones counted, and
  the labelled comments (newest first, masked), filtered by period (the dashboards'
  picker), `element`, `sentiment` and `urgent=1`, 20 a page. Roles unit, agency and city,
  within their scope (another scope's unit: 404); officers never see comments (403).
* `POST /staf/unit/{unit}/komentar/{response}/label` (CSRF): a unit or agency user corrects
  a comment's labels (`element`, `sentiment`, `urgent` = 1 when checked); audited
  (`feedback.comments.labels.correct_label`), then back to the page with its filters (303).
  A bad label is a 422 page and writes nothing; a response outside the scope or of
  another unit is a 404.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pygal
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app import i18n
from app.web.clients import network_key
from app.web.staff import charts
from app.web.staff.auth import StaffPrincipal, roles
from app.web.staff.errors import staff_message
from app.web.staff.page import staff_context, staff_lang
from app.web.staff.unit_pages import (
    PageError,
    _period_context,
    comment_markers,
    element_names,
    number,
    pick_period,
)
from feedback.accounts.audit import Actor
from feedback.comments import labels, themes
from feedback.comments.listing import MAX_PAGE
from feedback.org import scoped
from feedback.tables import Response
from scoring.comments.corpus import ELEMENT_LABELS, SENTIMENTS

PER_PAGE = 20
KEPT = ("period", "from", "to", "element", "sentiment", "urgent", "page", "lang")
GREY = "#5c6670"


def label_names(lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """Names of the element labels (the nine SKM elements and 'other') and sentiments."""
    _ = i18n.gettext(lang)
    elements = {**element_names(lang), "lainnya": _("Other")}
    sentiments = {"negatif": _("negative"), "netral": _("neutral"), "positif": _("positive")}
    return elements, sentiments


def _filters(query: Any, _: Any) -> tuple[str | None, str | None, bool, int]:
    element = (query.get("element") or "").strip() or None
    if element is not None and element not in ELEMENT_LABELS:
        raise PageError(400, _("Unknown element."))
    sentiment = (query.get("sentiment") or "").strip() or None
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise PageError(400, _("Unknown sentiment."))
    urgent = (query.get("urgent") or "").strip()
    if urgent not in ("", "1"):
        raise PageError(400, _("Unknown filter value."))
    page = (query.get("page") or "1").strip()
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        raise PageError(400, _("Unknown page."))
    return element, sentiment, urgent == "1", int(page)


def _query(pairs: list[tuple[str, str]], **changes: str | None) -> str:
    kept = [(k, v) for k, v in pairs if k in KEPT and k not in changes]
    kept += [(k, v) for k, v in changes.items() if v]
    return urlencode(kept)


def themes_chart(t: themes.Themes, names: dict[str, str], sentiments: dict[str, str], *,
                 title: str, description: str) -> charts.Chart:
    """Comments per element (one bar each), stacked by sentiment."""
    style = copy.copy(charts._STYLE)
    style.colors = (charts.ORANGE, GREY, charts.BLUE)
    order = [e for e in ELEMENT_LABELS if t.element_total(e)]
    chart = pygal.StackedBar(**charts._config(
        width=760, height=380, zero=0, show_legend=True, legend_at_bottom=True,
        x_label_rotation=30, truncate_label=-1, style=style, show_x_guides=False,
        value_formatter=lambda v: f"{v:.0f}"))
    chart.x_labels = [names[e] for e in order]
    for s in SENTIMENTS:
        chart.add(sentiments[s], [t.counts[e, s] for e in order])
    return charts._finish(chart, title, description)


class CommentThemesController(Controller):
    path = "/staf/unit"
    include_in_schema = False

    @get("/{unit:str}/komentar/tema", guards=[roles("unit", "agency", "city")])
    async def themes_page(self, request: Request[StaffPrincipal, Any, Any],
                          unit: FromPath[str]) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        try:
            period = pick_period(request.query_params, _, targets=False)
            element, sentiment, urgent, page = _filters(request.query_params, _)
        except PageError as exc:
            return staff_message(request, lang, _("The filter could not be used"),
                                 exc.message, exc.status)
        try:
            t = await themes.unit_themes(
                request.user.scope, unit, period, element=element, sentiment=sentiment,
                urgent=urgent, page=page, per_page=PER_PAGE, markers=comment_markers(lang))
        except scoped.NotFound as exc:
            raise NotFoundException() from exc
        except scoped.NotAllowed as exc:
            raise PermissionDeniedException("role") from exc
        names, sentiment_names = label_names(lang)
        pairs = list(request.query_params.multi_items())
        chart = None
        if t.total:
            values = "; ".join(
                f"{names[e]}: " + ", ".join(f"{sentiment_names[s]} {t.counts[e, s]}"
                                            for s in SENTIMENTS)
                for e in ELEMENT_LABELS if t.element_total(e))
            chart = themes_chart(
                t, names, sentiment_names, title=_("Comments per element and sentiment"),
                description=_("One bar per element, its comments split by sentiment "
                              "(orange negative, grey neutral, blue positive). Values: "
                              "%(values)s.", values=values))
        saved = request.query_params.get("saved")
        return Template("staff/comment_themes.html", context=staff_context(
            request, lang, t=t, element=element, sentiment=sentiment, urgent=urgent,
            names=names, sentiment_names=sentiment_names, elements=ELEMENT_LABELS,
            sentiments=SENTIMENTS, chart=chart, saved=saved == "1",
            can_correct=request.user.role in labels.CORRECTORS,
            num=lambda v, d=0: number(v, d, lang),
            cell_url=lambda e=None, s=None, u=None: "?" + _query(
                pairs, element=e, sentiment=s, urgent=u, page=None, saved=None),
            back=_query(pairs, saved=None),
            previous_url=("?" + _query(pairs, page=str(page - 1), saved=None)
                          if t.has_previous else None),
            next_url="?" + _query(pairs, page=str(page + 1), saved=None) if t.has_next
            else None,
            comments_url=f"/staf/unit/{t.unit_code}/komentar",
            dashboard_url=f"/staf/unit/{t.unit_code}",
            **_period_context(period, _)))

    @post("/{unit:str}/komentar/{response:int}/label", guards=[roles("unit", "agency")])
    async def correct(self, request: Request[StaffPrincipal, Any, Any], unit: FromPath[str],
                      response: FromPath[int]) -> Template | Redirect:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        form = await request.form()
        element = form.get("element")
        sentiment = form.get("sentiment")
        urgent = form.get("urgent")
        if (not isinstance(element, str) or element not in ELEMENT_LABELS
                or not isinstance(sentiment, str) or sentiment not in SENTIMENTS
                or urgent not in (None, "1")):
            return staff_message(request, lang, _("The label was not saved"),
                                 _("Choose one of the listed elements and sentiments."), 422)
        row = await Response.select(Response.unit.code.as_alias("code")).where(
            Response.id == response).first()
        if row is None or row["code"] != unit:
            raise NotFoundException()
        user = request.user
        actor = Actor(email=user.email, id=user.id,
                      network=network_key(request, request.app.state.settings))
        try:
            await labels.correct_label(actor, user.scope, response, element, sentiment,
                                       urgent == "1")
        except scoped.NotFound as exc:
            raise NotFoundException() from exc
        except scoped.NotAllowed as exc:
            raise PermissionDeniedException("role") from exc
        except ValueError:
            return staff_message(request, lang, _("The label was not saved"),
                                 _("This response has no comment."), 422)
        back = form.get("back")
        pairs = parse_qsl(back if isinstance(back, str) else "")[:20]
        query = _query(pairs, saved="1")
        return Redirect(f"/staf/unit/{unit}/komentar/tema?{query}#c{response}",
                        status_code=303)
