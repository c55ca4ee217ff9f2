"""Complaint cases on the staff side (roles unit, agency, city, admin, each within its
scope; counter officers get the 403 page: a case names a citizen's visit at their counter):

* `GET /staf/kasus?status=&level=&terlambat=1&page=`: the cases in the user's scope with
  their clocks (due dates, working days late or left), overdue first, 100 a page.
* `GET /staf/kasus/{receipt}` (`ABCD-EF23` or `ABCDEF23`): the case: ratings per element,
  the comment masked, the history, whether a contact exists, and the forms of the steps the
  user may take (`feedback.cases.access.allowed_steps`). `?kontak=1` shows the contact to a
  unit-role user of the handling unit only, audited as a view.
* `POST /staf/kasus/{receipt}/verifikasi|balas|teruskan|eskalasi|tutup` (CSRF): one step
  each (feedback.cases.work); 303 back to the case with a message. Bad input: 422 with
  the message, nothing written; a step the role may not take at the case's level: 403;
  the case is not (or no longer) in a state that allows it: 409; another scope's case or
  an unknown receipt: 404.

`/staf/kasus/ekspor.csv` belongs to the export (tracking): a receipt never contains a dot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app import i18n
from app.i18n import N_
from app.survey_text import instrument
from app.web.clients import network_key
from app.web.staff.auth import StaffPrincipal, clock_of, roles
from app.web.staff.errors import staff_message
from app.web.staff.page import staff_context, staff_lang
from app.web.staff.unit_pages import comment_markers, element_names
from feedback.accounts.audit import Actor
from feedback.cases import access, listing, work
from feedback.cases.tables import CITIZEN, LEVELS, STATUSES, SYSTEM
from feedback.clock import WITA
from feedback.comments.masking import mask
from feedback.survey.receipts import display
from scoring.ikm import ELEMENTS

PATH = "/staf/kasus"
PER_PAGE = 100
STATUS_WORDS = {"open": N_("open"), "verified": N_("verified"), "answered": N_("answered"),
                "closed": N_("closed")}
LEVEL_WORDS = {"unit": N_("unit"), "agency": N_("agency"), "city": N_("city")}
REASON_WORDS = {"low_rating": N_("Low rating"), "complaint": N_("Complaint in the comment"),
                "urgent": N_("Urgent comment")}
OUTCOME_WORDS = {"resolved": N_("resolved"), "not_resolved": N_("not resolved"),
                 "invalid": N_("invalid"), "duplicate": N_("duplicate"),
                 "no_reply": N_("no answer from the citizen")}
CLOCK_WORDS = {"verify": N_("Verification"), "follow_up": N_("Follow-up"),
               "auto_close": N_("Automatic closing")}
EVENT_WORDS = {"opened": N_("Case opened"), "verified": N_("Verified"),
               "replied": N_("Reply to the citizen"), "citizen_answer": N_("Citizen's answer"),
               "forwarded": N_("Forwarded"), "escalated": N_("Escalated"),
               "closed": N_("Closed")}
CLOCK_TEXT = {work.CLOCK_VERIFY: N_("The verification deadline passed."),
              work.CLOCK_FOLLOW_UP: N_("The follow-up deadline passed.")}
DONE_WORDS = {"verify": N_("The case was verified."),
              "reply": N_("The reply was sent; the citizen sees it when following the case."),
              "forward": N_("The case was forwarded."),
              "escalate": N_("The case was escalated."),
              "close": N_("The case was closed.")}
ERROR_WORDS = {
    "reply_missing": N_("Write the reply the citizen will see."),
    "reply_too_long": N_("The reply is longer than %(limit)s characters."),
    "note_missing": N_("Write a closing note for the citizen."),
    "note_too_long": N_("The note is longer than %(limit)s characters."),
    "reason_missing": N_("Give a reason for the escalation."),
    "reason_too_long": N_("The reason is longer than %(limit)s characters."),
    "unit_missing": N_("Choose the unit to forward the case to."),
    "unit_unknown": N_("There is no active unit with the code %(code)s."),
    "unit_same": N_("The case is already handled by this unit."),
    "unit_other_agency": N_("You can forward a case only to a unit of the same agency; the "
                            "city government can forward it elsewhere."),
    "outcome_unknown": N_("Choose an outcome."),
    "outcome_not_now": N_("A case that was not verified can only be closed as invalid or "
                          "duplicate."),
}


def wita(moment: datetime | None) -> str:
    return moment.astimezone(WITA).strftime("%d-%m-%Y %H:%M") if moment else "–"


def day(value: Any) -> str:
    return value.strftime("%d-%m-%Y") if value else "–"


def _words(lang: str) -> dict[str, Any]:
    _ = i18n.gettext(lang)

    def tr(table: dict[str, str]) -> dict[str, str]:
        return {k: _(v) for k, v in table.items()}

    return {"status_words": tr(STATUS_WORDS), "level_words": tr(LEVEL_WORDS),
            "reason_words": tr(REASON_WORDS), "outcome_words": tr(OUTCOME_WORDS),
            "clock_words": tr(CLOCK_WORDS), "event_words": tr(EVENT_WORDS),
            "wita": wita, "day": day}


def _lang_query(request: Request) -> str:
    return "?lang=en" if request.query_params.get("lang") == "en" else ""


def _actor(request: Request[StaffPrincipal, Any, Any]) -> Actor:
    user = request.user
    return Actor(email=user.email, id=user.id,
                 network=network_key(request, request.app.state.settings))


class CasesController(Controller):
    path = PATH
    include_in_schema = False

    @get("", guards=[roles(*access.STAFF_ROLES)])
    async def list_page(self, request: Request[StaffPrincipal, Any, Any]) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        query = request.query_params
        status = (query.get("status") or "").strip() or None
        level = (query.get("level") or "").strip() or None
        late = (query.get("terlambat") or "").strip()
        page = (query.get("page") or "1").strip()
        if (status is not None and status not in STATUSES) or (
                level is not None and level not in LEVELS) or late not in ("", "1") or (
                not page.isdigit() or not 1 <= int(page) <= 100_000):
            return staff_message(request, lang, _("The filter could not be used"),
                                 _("Unknown filter value."), 400)
        items = await listing.list_cases(request.user.scope, clock_of(request).now(),
                                         status=status, level=level,
                                         overdue_only=late == "1")
        number, pages = int(page), max(1, -(-len(items) // PER_PAGE))
        if number > pages:
            raise NotFoundException()
        filters = {k: v for k, v in (("status", status), ("level", level),
                                     ("terlambat", late or None)) if v}

        def page_url(n: int) -> str:
            return f"{PATH}?{urlencode({**filters, 'page': n})}"

        return Template("staff/cases.html", context=staff_context(
            request, lang, items=items[(number - 1) * PER_PAGE:number * PER_PAGE],
            total=len(items), overdue=sum(1 for i in items if i.overdue), page=number,
            pages=pages, previous_url=page_url(number - 1) if number > 1 else None,
            next_url=page_url(number + 1) if number < pages else None,
            status=status, level=level, late=late == "1",
            statuses=STATUSES, levels=LEVELS, path=PATH, **_words(lang)))

    @get("/{receipt:str}", guards=[roles(*access.STAFF_ROLES)])
    async def detail_page(self, request: Request[StaffPrincipal, Any, Any],
                          receipt: FromPath[str]) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        user = request.user
        try:
            detail = await listing.case_detail(user.scope, receipt, clock_of(request).now(),
                                               lang)
        except work.NotFound as exc:
            raise NotFoundException() from exc
        contact = None
        if request.query_params.get("kontak") == "1" and detail.may_see_contact:
            contact = await listing.contact_value(user.scope, detail.item.receipt)
            if contact is not None:
                await work.record_contact_view(_actor(request), detail.item.receipt,
                                               clock_of(request).now())
        markers = comment_markers(lang)
        done = request.query_params.get("done") or ""
        texts = instrument(lang).elements
        ratings = [(code, element_names(lang)[code], detail.answers.get(code),
                    texts[code].labels[detail.answers[code] - 1]
                    if detail.answers.get(code) in (1, 2, 3, 4) else None)
                   for code in ELEMENTS]

        def event_text(event: listing.Event) -> str | None:
            if event.actor == SYSTEM and event.text in CLOCK_TEXT:
                return _(CLOCK_TEXT[event.text])
            if event.actor == CITIZEN and event.text:
                return mask(event.text, markers)
            return event.text

        return Template("staff/cases_detail.html", context=staff_context(
            request, lang, d=detail, c=detail.item, ratings=ratings, contact=contact,
            comment=mask(detail.comment, markers) if detail.comment else None,
            event_text=event_text, system=SYSTEM, citizen=CITIZEN,
            message=_(DONE_WORDS[done]) if done in DONE_WORDS else None,
            action=f"{PATH}/{detail.item.display_receipt}", lang_query=_lang_query(request),
            max_text=work.MAX_TEXT, max_reason=work.MAX_REASON, **_words(lang)))

    async def _step(self, request: Request[StaffPrincipal, Any, Any], receipt: str,
                    step: str, run: Callable[[Actor, datetime], Awaitable[work.Done]]
                    ) -> Template | Redirect:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        try:
            done = await run(_actor(request), clock_of(request).now())
        except work.NotFound as exc:
            raise NotFoundException() from exc
        except work.Invalid as exc:
            text = ERROR_WORDS.get(exc.code, ERROR_WORDS["outcome_unknown"])
            return staff_message(request, lang, _("The step was not recorded"),
                                 _(text, **exc.params), 422)
        except work.NotAllowed as exc:
            return staff_message(
                request, lang, _("The step was not recorded"),
                _("This case is at the %(level)s level: only that level or a higher one may "
                  "forward, escalate or close it.",
                  level=_(LEVEL_WORDS[exc.params.get("level", "unit")])), 403)
        except work.WrongState:
            return staff_message(
                request, lang, _("The step was not recorded"),
                _("This case changed meanwhile, or its state does not allow this step. "
                  "Open it again."), 409)
        query = {"done": step}
        if request.query_params.get("lang") == "en":
            query["lang"] = "en"
        return Redirect(f"{PATH}/{display(done.receipt)}?{urlencode(query)}", status_code=303)

    @post("/{receipt:str}/verifikasi", guards=[roles(*access.STAFF_ROLES)])
    async def verify(self, request: Request[StaffPrincipal, Any, Any],
                     receipt: FromPath[str]) -> Template | Redirect:
        return await self._step(request, receipt, "verify", lambda actor, now: work.verify(
            receipt, actor, request.user.scope, now))

    @post("/{receipt:str}/balas", guards=[roles(*access.STAFF_ROLES)])
    async def reply(self, request: Request[StaffPrincipal, Any, Any],
                    receipt: FromPath[str]) -> Template | Redirect:
        form = await request.form()
        return await self._step(request, receipt, "reply", lambda actor, now: work.reply(
            receipt, form.get("text"), actor, request.user.scope, now))

    @post("/{receipt:str}/teruskan", guards=[roles(*access.STAFF_ROLES)])
    async def forward(self, request: Request[StaffPrincipal, Any, Any],
                      receipt: FromPath[str]) -> Template | Redirect:
        form = await request.form()
        return await self._step(request, receipt, "forward", lambda actor, now: work.forward(
            receipt, form.get("unit"), form.get("note"), actor, request.user.scope, now))

    @post("/{receipt:str}/eskalasi", guards=[roles(*access.STAFF_ROLES)])
    async def escalate(self, request: Request[StaffPrincipal, Any, Any],
                       receipt: FromPath[str]) -> Template | Redirect:
        form = await request.form()
        return await self._step(request, receipt, "escalate", lambda actor, now: work.escalate(
            receipt, form.get("reason"), actor, request.user.scope, now))

    @post("/{receipt:str}/tutup", guards=[roles(*access.STAFF_ROLES)])
    async def close(self, request: Request[StaffPrincipal, Any, Any],
                    receipt: FromPath[str]) -> Template | Redirect:
        form = await request.form()
        return await self._step(request, receipt, "close", lambda actor, now: work.close(
            receipt, form.get("outcome"), form.get("note"), actor, request.user.scope, now))
