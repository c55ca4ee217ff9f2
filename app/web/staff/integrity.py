"""The integrity review queue (roles agency and city, scoped by feedback.integrity.queue):

* `GET /staf/integritas?status=pending|decided`: the flagged counter-hours (newest flag per
  counter-hour), pending first, by anomaly score.
* `GET /staf/integritas/{flag}`: the evidence (a timeline of the hour per 5 minutes
  against the counter's normal, the features, the reasons in words, the responses with
  masked comments) and the decision form.
* `POST /staf/integritas/{flag}/keputusan` (CSRF): exclude or keep, with a reason, the whole
  group or the selected responses (`feedback.integrity.decisions.decide`); 303 back with a
  message; bad input 422, nothing written; a stale view (a newer flag, a decision taken
  meanwhile, responses already decided) 409; another scope's flag 404.
"""

from __future__ import annotations

import copy
from typing import Any

import pygal
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app import i18n
from app.i18n import N_
from app.web.clients import network_key
from app.web.staff import charts
from app.web.staff.auth import StaffPrincipal, roles
from app.web.staff.errors import staff_message
from app.web.staff.page import staff_context, staff_lang
from app.web.staff.unit_pages import comment_markers, number
from feedback.accounts.audit import Actor
from feedback.comments.masking import mask
from feedback.integrity import decisions, queue
from scoring.integrity import FEATURES, REASONS

REASON_WORDS = {
    "above_served": N_("More ratings than transactions served in the hour"),
    "burst": N_("A burst of ratings far above the counter's usual number for this hour"),
    "outside_hours": N_("Ratings outside the counter's opening hours"),
    "fast_repeat": N_("Ratings less than 20 seconds apart from one device"),
    "near_duplicate_comments": N_("Nearly identical comments"),
    "unverified_surge": N_("A surge of ratings without a ticket token where tokens are "
                           "normally used"),
}
FEATURE_WORDS = {
    "responses": N_("Ratings in the hour"),
    "rate_ratio": N_("Ratings against the usual number for this hour of the week"),
    "score_mean": N_("Mean score (1–4)"),
    "score_sd": N_("Spread of the scores (standard deviation)"),
    "share_all_four": N_("Share answering 4 to every question"),
    "share_comment": N_("Share with a comment"),
    "device_diversity": N_("Distinct devices per rating"),
    "share_verified": N_("Share with a ticket token"),
    "gap_min": N_("Shortest gap between ratings (seconds)"),
    "gap_median": N_("Median gap between ratings (seconds)"),
}
EVIDENCE_WORDS = {
    "above_served": N_("%(responses)s ratings, %(served)s transactions served"),
    "burst": N_("%(responses)s ratings where %(baseline)s are usual (probability %(p)s)"),
    "outside_hours": N_("%(outside)s ratings outside the opening hours"),
    "fast_repeat": N_("%(pairs)s pairs of ratings less than 20 seconds apart, from "
                      "%(devices)s devices"),
    "near_duplicate_comments": N_("%(largest_group)s nearly identical comments in the "
                                  "largest of %(groups)s groups"),
    "unverified_surge": N_("%(unverified)s ratings without a token where %(baseline)s are "
                           "usual (probability %(p)s); share with a token "
                           "%(verified_share)s, usually %(usual_verified_share)s"),
}
MAX_SELECTED = 2000


def evidence_words(code: str, evidence: dict[str, Any] | None, lang: str) -> str:
    """A reason's numbers in words ("43 ratings where 1.2 are usual (probability …)")."""
    if not evidence:
        return ""
    _ = i18n.gettext(lang)

    def show(value: Any) -> str:
        if isinstance(value, float):
            if 0 < abs(value) < 0.001:
                return f"{value:.1e}"
            return number(value, 3 if abs(value) < 1 else 1, lang)
        return str(value)

    values = {k: show(v) for k, v in evidence.items()}
    try:
        return _(EVIDENCE_WORDS[code], **values)
    except KeyError:
        return ", ".join(f"{k} = {v}" for k, v in values.items())


def reason_words(lang: str) -> dict[str, str]:
    _ = i18n.gettext(lang)
    return {code: _(REASON_WORDS[code]) for code in REASONS}


def timeline_chart(detail: queue.FlagDetail, *, title: str, description: str,
                   this_label: str, normal_label: str) -> charts.Chart:
    style = copy.copy(charts._STYLE)
    chart = pygal.Bar(**charts._config(
        width=760, height=340, zero=0, show_legend=True, legend_at_bottom=True,
        x_label_rotation=0, truncate_label=-1, style=style, show_x_guides=False,
        value_formatter=lambda v: f"{v:.1f}".rstrip("0").rstrip(".")))
    start = detail.item.hour
    chart.x_labels = [f"{start.hour:02d}:{m:02d}"
                      for m in range(0, 60, queue.SLOT_MINUTES)]
    chart.add(this_label, detail.slots)
    chart.add(normal_label, [round(v, 2) for v in detail.normal])
    return charts._finish(chart, title, description)


def _item_context(lang: str) -> dict[str, Any]:
    _ = i18n.gettext(lang)
    return {
        "reason_words": reason_words(lang),
        "evidence_words": lambda code, ev: evidence_words(code, ev, lang),
        "status_words": {"pending": _("pending"), "decided": _("decided")},
        "action_words": {"exclude": _("excluded"), "keep": _("kept")},
        "num": lambda v, d=0: number(v, d, lang),
        "when": lambda t: t.strftime("%d-%m-%Y %H:%M"),
    }


class IntegrityController(Controller):
    path = "/staf/integritas"
    include_in_schema = False

    @get("/", guards=[roles("agency", "city")])
    async def queue_page(self, request: Request[StaffPrincipal, Any, Any]) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        status = (request.query_params.get("status") or "").strip() or None
        if status is not None and status not in queue.STATUSES:
            return staff_message(request, lang, _("The filter could not be used"),
                                 _("Unknown filter value."), 400)
        items = await queue.review_queue(request.user.scope, status)
        return Template("staff/integrity.html", context=staff_context(
            request, lang, items=items, status=status, **_item_context(lang)))

    @get("/{flag_id:int}", guards=[roles("agency", "city")])
    async def detail_page(self, request: Request[StaffPrincipal, Any, Any],
                          flag_id: FromPath[int]) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        try:
            detail = await queue.flag_detail(request.user.scope, flag_id)
        except queue.NotFound as exc:
            raise NotFoundException() from exc
        start = detail.item.hour
        values = ", ".join(
            f"{start.hour:02d}:{i * queue.SLOT_MINUTES:02d} {n} ({normal:.1f})"
            for i, (n, normal) in enumerate(zip(detail.slots, detail.normal, strict=True)))
        chart = timeline_chart(
            detail, title=_("Ratings per 5 minutes in this hour"),
            description=_("Bars: ratings in each 5 minutes of the hour, beside the "
                          "counter's mean for the same 5 minutes over the previous %(days)s "
                          "days. Values (mean in brackets): %(values)s.",
                          days=queue.NORMAL_DAYS, values=values),
            this_label=_("This hour"),
            normal_label=_("Usual (mean of the previous %(days)s days)",
                           days=queue.NORMAL_DAYS))
        markers = comment_markers(lang)
        message = {"exclude": _("The responses were excluded from the figures."),
                   "keep": _("The responses were kept in the figures.")}.get(
            request.query_params.get("done") or "")
        return Template("staff/integrity_flag.html", context=staff_context(
            request, lang, d=detail, chart=chart, message=message,
            features=[(name, _(FEATURE_WORDS[name]), detail.features.get(name))
                      for name in FEATURES if name in detail.features],
            masked=lambda text: mask(text, markers) if text else None,
            **_item_context(lang)))

    @post("/{flag_id:int}/keputusan", guards=[roles("agency", "city")])
    async def decide(self, request: Request[StaffPrincipal, Any, Any],
                     flag_id: FromPath[int]) -> Template | Redirect:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        form = await request.form()
        action = form.get("action")
        reason = form.get("reason")
        which = form.get("which") or "all"
        seen = form.get("seen")
        picked = form.getall("response") if "response" in form else []

        def refuse(text: str) -> Template:
            return staff_message(request, lang, _("The decision was not recorded"), text, 422)

        if action not in decisions.ACTIONS:
            return refuse(_("Choose exclude or keep."))
        if not isinstance(reason, str) or not reason.strip():
            return refuse(_("Give a reason for the decision."))
        if len(reason.strip()) > decisions.MAX_REASON:
            return refuse(_("The reason is longer than %(n)s characters.",
                            n=decisions.MAX_REASON))
        if which not in ("all", "selected"):
            return refuse(_("Choose the whole group or the selected responses."))
        if not isinstance(seen, str) or not seen.isdigit():
            return refuse(_("The form is incomplete. Open the flag again."))
        response_ids: list[int] | None = None
        if which == "selected":
            if (not picked or len(picked) > MAX_SELECTED
                    or not all(isinstance(p, str) and p.isdigit() for p in picked)):
                return refuse(_("Select at least one response."))
            response_ids = sorted({int(p) for p in picked})
        try:
            detail = await queue.check_decidable(request.user.scope, flag_id, response_ids,
                                                 int(seen))
        except queue.NotFound as exc:
            raise NotFoundException() from exc
        except queue.Stale:
            return staff_message(
                request, lang, _("The decision was not recorded"),
                _("This flag changed since you opened it (a newer scan, or a decision by "
                  "someone else). Open it again."), 409)
        if response_ids is None:
            response_ids = detail.pending_ids
        user = request.user
        actor = Actor(email=user.email, id=user.id,
                      network=network_key(request, request.app.state.settings))
        try:
            await decisions.decide(flag_id, action, reason, actor, response_ids=response_ids)
        except decisions.DecisionError:
            return refuse(_("Some selected responses do not belong to this flag."))
        request.app.state.score_cache.clear()
        return Redirect(f"/staf/integritas/{flag_id}?done={action}", status_code=303)
