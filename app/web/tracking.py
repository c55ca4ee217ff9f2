"""The citizen's tracking of a complaint: `/lacak` (a form asking for the receipt code),
`/lacak?r=RECEIPT` (status in words, dates, the public history, and a form under each reply
not yet answered), `POST /lacak/{receipt}/jawab` (the answer to a reply; 303 back to the
page, Post/Redirect/Get) and `POST /lacak/{receipt}/kontak/hapus` (the citizen withdraws the
consent to be contacted: the contact is erased at once, as the form's consent text says).

No personal data: never the contact or the comment, no staff names (a reply is from
"Petugas unit"). No JavaScript; the citizen pages' stylesheet and security headers. Posts
pass the citizen form's cross-site check (`app.web.security.is_cross_site`). Lookups of codes
without a case are limited per network (`feedback.cases.lookups`), on this page and the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_400_BAD_REQUEST,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)

from app import i18n
from app.i18n import N_
from app.web import messages
from app.web.citizen import unreadable_fields
from app.web.clients import network_key
from app.web.page import page_context
from app.web.security import is_cross_site
from feedback.cases import lookups
from feedback.cases.tracking import (
    MAX_ANSWER_CHARS,
    MIN_ANSWER_CHARS,
    AnswerRefused,
    CaseView,
    case_view,
    citizen_answer,
    erase_contact,
    normalise_receipt,
)
from feedback.clock import WITA
from feedback.survey.receipts import display

PATH = "/lacak"
STATUS_WORDS = {
    "open": N_("Received: the unit will check your complaint."),
    "verified": N_("Verified: the unit is following up your complaint."),
    "answered": N_("The unit has replied. You can answer the reply below."),
    "closed": N_("Closed."),
}
OUTCOME_WORDS = {
    "resolved": N_("Resolved."),
    "not_resolved": N_("Not resolved."),
    "invalid": N_("Not handled as a complaint (not valid)."),
    "duplicate": N_("Closed as a duplicate of another complaint."),
    "no_reply": N_("Closed because there was no answer to the unit's reply within 10 "
                   "working days."),
}
LEVEL_WORDS = {"unit": N_("the unit"), "agency": N_("the agency"),
               "city": N_("the city government")}
ANSWER_ERRORS = {
    "too_short": N_("Please write your answer (at least %(min)s characters)."),
    "too_long": N_("Your answer is too long (at most %(max)s characters)."),
    "not_a_reply": N_("This reply cannot be answered."),
    "already_answered": N_("This reply has already been answered. Each reply can be answered "
                           "once."),
    "closed": N_("The complaint is closed: it can no longer be answered."),
    "invalid_encoding": N_("This text could not be read. Please type it again."),
}
ANSWER_STATUS = {"too_short": HTTP_422_UNPROCESSABLE_ENTITY,
                 "too_long": HTTP_422_UNPROCESSABLE_ENTITY,
                 "invalid_encoding": HTTP_422_UNPROCESSABLE_ENTITY,
                 "not_a_reply": HTTP_422_UNPROCESSABLE_ENTITY,
                 "already_answered": HTTP_409_CONFLICT, "closed": HTTP_409_CONFLICT}
UNIT_STAFF = N_("Unit officer")


def _day(value: date | None) -> str | None:
    return value.strftime("%d-%m-%Y") if value else None


def _when(moment: datetime) -> str:
    return moment.astimezone(WITA).strftime("%d-%m-%Y %H:%M")


def _event_lines(view: CaseView, _: Callable[..., str]) -> list[dict[str, Any]]:
    """The history in words, oldest first."""
    answerable = view.open_replies()
    lines = []
    for e in view.history:
        who = None
        if e.kind == "opened":
            title = _("Complaint received")
        elif e.kind == "verified":
            title = _("Verified by the unit")
        elif e.kind == "forwarded":
            title = _("Forwarded to %(unit)s", unit=e.unit_name or _("another unit"))
        elif e.kind == "escalated":
            title = _("Passed on to %(level)s", level=_(LEVEL_WORDS.get(e.level or "",
                                                                       "the agency")))
        elif e.kind == "replied":
            title, who = _("Reply from the unit"), _(UNIT_STAFF)
        elif e.kind == "citizen_answer":
            title, who = _("Your answer"), None
        else:  # closed
            title = _("Closed")
            if e.outcome in OUTCOME_WORDS:
                title = _("Closed: %(outcome)s", outcome=_(OUTCOME_WORDS[e.outcome]))
        lines.append({"id": e.id, "kind": e.kind, "title": title, "who": who,
                      "when": _when(e.at), "text": e.text,
                      "answerable": e.kind == "replied" and e.id in answerable})
    return lines


def _lang_url(receipt: str | None, lang: str) -> str:
    query = {"lang": "en" if lang == "id" else "id"}
    if receipt:
        query["r"] = receipt
    return f"{PATH}?{urlencode(query)}"


def _form_page(request: Request, lang: str, *, typed: str = "", error: str | None = None,
               status: int = HTTP_200_OK, headers: dict[str, str] | None = None) -> Template:
    return Template(
        template_name="tracking_form.html",
        context={**page_context(request, lang, lang_url=_lang_url(None, lang)),
                 "typed": typed, "error": error},
        status_code=status,
        headers={"Cache-Control": "private, no-store", **(headers or {})},
    )


def _case_page(request: Request, lang: str, view: CaseView, *, notice: str | None = None,
               error: str | None = None, error_reply: int | None = None,
               typed: str = "", status: int = HTTP_200_OK) -> Template:
    _ = i18n.gettext(lang)
    receipt = display(view.receipt)
    status_words = _(STATUS_WORDS[view.status])
    if view.closed and view.outcome in OUTCOME_WORDS:
        status_words = _("Closed: %(outcome)s", outcome=_(OUTCOME_WORDS[view.outcome]))
    return Template(
        template_name="tracking.html",
        context={
            **page_context(request, lang, lang_url=_lang_url(receipt, lang)),
            "view": view, "receipt": receipt, "status_words": status_words,
            "opened": _when(view.opened_at), "verify_due": _day(view.verify_due),
            "follow_up_due": _day(view.follow_up_due),
            "auto_close_due": None if view.closed else _day(view.auto_close_due),
            "closed_at": _when(view.closed_at) if view.closed_at else None,
            "events": _event_lines(view, _), "action": f"{PATH}/{view.receipt}/jawab",
            "erase_action": f"{PATH}/{view.receipt}/kontak/hapus",
            "retention_days": request.app.state.settings.contact_retention_days,
            "notice": notice, "error": error, "error_reply": error_reply, "typed": typed,
            "min_chars": MIN_ANSWER_CHARS, "max_chars": MAX_ANSWER_CHARS,
        },
        status_code=status,
        headers={"Cache-Control": "private, no-store"},
    )


def _not_found(request: Request, lang: str, typed: str) -> Template:
    _ = i18n.gettext(lang)
    return _form_page(request, lang, typed=typed, status=HTTP_404_NOT_FOUND, error=_(
        "No complaint was found for the code %(code)s. Check the code on your thank-you "
        "page. A complaint is opened for a low rating sent with a request to be contacted, or "
        "for a comment about a problem.",
        code=typed))


async def _limited(request: Request, lang: str, typed: str) -> Template | None:
    """The 429 page when this network looked up too many codes without a case."""
    network = network_key(request, request.app.state.settings)
    wait = await lookups.wait_seconds(network, datetime.now(UTC), lookups.MISSES_PER_HOUR)
    if not wait:
        return None
    _ = i18n.gettext(lang)
    return _form_page(
        request, lang, typed=typed, status=HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(wait)},
        error=_("Too many codes without a complaint were looked up from this network. Please "
                "try again in %(minutes)s minutes.", minutes=max(1, -(-wait // 60))))


async def _find_case(request: Request, lang: str, typed: str) -> CaseView | Template:
    """The case of a code written like a receipt, or the page that answers instead: 429 when
    this network looked up too many codes without a case, 404 (counted as a miss) when the
    code has none."""
    refused = await _limited(request, lang, typed)
    if refused is not None:
        return refused
    view = await case_view(typed)
    if view is None:
        await lookups.count_miss(network_key(request, request.app.state.settings),
                                 datetime.now(UTC))
        return _not_found(request, lang, typed)
    return view


class TrackingController(Controller):
    path = PATH
    include_in_schema = False

    @get("/")
    async def track(self, request: Request, r: FromQuery[str | None] = None,
                    lang: FromQuery[str | None] = None,
                    answered: FromQuery[str | None] = None,
                    erased: FromQuery[str | None] = None) -> Response[Any]:
        language = i18n.pick(lang)
        _ = i18n.gettext(language)
        typed = (r or "").strip()[:40]
        if not typed:
            return _form_page(request, language)
        if normalise_receipt(typed) is None:
            return _form_page(request, language, typed=typed, status=HTTP_400_BAD_REQUEST,
                              error=_("A receipt code has 8 letters and digits, for example "
                                      "ABCD-EF23. Please check the code and try again."))
        view = await _find_case(request, language, typed)
        if isinstance(view, Template):
            return view
        notice = _("Thank you: your answer was sent to the unit.") if answered == "1" else None
        if erased == "1":
            notice = _("Your contact was erased. The unit can no longer contact you about "
                       "this complaint; you can still follow it here.")
        return _case_page(request, language, view, notice=notice)

    @post("/{receipt:str}/kontak/hapus")
    async def erase(self, request: Request, receipt: FromPath[str]) -> Response[Any]:
        posted = await _posted_case(request, receipt)
        if isinstance(posted, Response):
            return posted
        language, view = posted.language, posted.view
        await erase_contact(view.receipt, datetime.now(UTC),
                            network_key(request, request.app.state.settings))
        query = urlencode({"r": display(view.receipt), "lang": language, "erased": "1"})
        return Redirect(f"{PATH}?{query}#contact", status_code=303)

    @post("/{receipt:str}/jawab")
    async def answer(self, request: Request, receipt: FromPath[str]) -> Response[Any]:
        posted = await _posted_case(request, receipt)
        if isinstance(posted, Response):
            return posted
        values, unreadable, language, typed, view = (
            posted.values, posted.unreadable, posted.language, posted.typed, posted.view)
        _ = i18n.gettext(language)
        reply_text = values.get("reply") or ""
        reply_id = int(reply_text) if reply_text.isdigit() and len(reply_text) <= 10 else None
        text = values.get("text", "")
        code = "invalid_encoding" if unreadable else None
        if code is None and reply_id is None:
            code = "not_a_reply"
        if code is None:
            try:
                await citizen_answer(view.receipt, reply_id or 0, text, datetime.now(UTC))
            except AnswerRefused as exc:
                if exc.code == "not_found":  # the case is gone (cannot happen today)
                    return _not_found(request, language, typed)
                code = exc.code
        if code is not None:
            fresh = await case_view(view.receipt) or view
            message = _(ANSWER_ERRORS[code], min=MIN_ANSWER_CHARS, max=MAX_ANSWER_CHARS)
            keep = "" if unreadable else text[:MAX_ANSWER_CHARS * 2]
            return _case_page(request, language, fresh, error=message,
                              error_reply=reply_id, typed=keep, status=ANSWER_STATUS[code])
        query = urlencode({"r": display(view.receipt), "lang": language, "answered": "1"})
        return Redirect(f"{PATH}?{query}#history", status_code=303)


@dataclass(frozen=True)
class _Posted:
    values: dict[str, str]
    unreadable: set[str]
    language: str
    typed: str
    view: CaseView


async def _posted_case(request: Request, receipt: str) -> _Posted | Response[Any]:
    """The checks every citizen POST on a case shares: the form read (fields that are not
    UTF-8 noted), the language, the cross-site check (403), the code's form (404), the
    lookup limit (429) and the case itself (404, counted as a miss)."""
    try:
        form = await request.form()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        unreadable = unreadable_fields(request, await request.body())
    except UnicodeDecodeError:
        values, unreadable = {}, {""}
    language = i18n.pick(values.get("lang") or request.query_params.get("lang"))
    _ = i18n.gettext(language)
    typed = receipt.strip()[:40]
    if is_cross_site(request, request.app.state.settings.public_url):
        return Template(template_name="message.html", context={
            **page_context(request, language), "title": _(messages.CROSS_SITE_TITLE),
            "message": _(messages.CROSS_SITE), "back_url": None},
            status_code=HTTP_403_FORBIDDEN)
    if normalise_receipt(typed) is None:
        return _not_found(request, language, typed)
    view = await _find_case(request, language, typed)
    if isinstance(view, Template):
        return view
    return _Posted(values, unreadable, language, typed, view)
