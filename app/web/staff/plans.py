"""Follow-up plans (rencana tindak lanjut, RTL) on the staff side (feedback.plans):

* `GET /staf/unit/{unit}/rtl?period=P`: for a year, semester, quarter or month (default:
  the last semester that has ended), the elements the system proposes with their NRR and
  n (feedback.plans.proposal), the unit's plan and its actions, and the forms the user may
  use. Roles unit (own unit), agency (its agency's units), city and admin; officers get the
  403 page.
* `POST /staf/unit/{unit}/rtl` (create the plan of `period`),
  `POST .../rtl/{plan}/tindakan` (add an action), `.../tindakan/{action}` (change it),
  `.../tindakan/{action}/hapus` (remove it), `.../ajukan` (submit): the unit head;
  `.../keputusan` (approve or return with a note): agency, city, admin;
  `.../tindakan/{action}/status` (status with an evidence note, after approval): the unit
  head. Each answers 303 back to the page with a message. Bad input: 422 with the page and
  the messages beside the fields, nothing written; a role that may not: 403; the plan is
  not (or no longer) in a state that allows it: 409; another scope's unit, plan or action:
  404.
* `GET /staf/dinas/{agency}/rtl`: the plans of an agency's units, those waiting for a
  decision first (with approve/return forms). Roles agency (own agency), city, admin.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app import i18n
from app.i18n import N_
from app.web.clients import network_key
from app.web.staff.auth import StaffPrincipal, roles
from app.web.staff.errors import staff_message
from app.web.staff.page import staff_context, staff_lang
from app.web.staff.unit_pages import PageError, _period_context, element_names, number
from feedback.accounts.audit import Actor
from feedback.clock import WITA
from feedback.performance.periods import Period, parse
from feedback.plans import reads, views, work
from feedback.plans.errors import Invalid, NotAllowed, NotFound, WrongState
from feedback.plans.inputs import DUE_YEARS, MIN_TEXT
from feedback.plans.tables import ACTION_STATUSES, MAX_EFFECT, MAX_NOTE, MAX_WHAT, MAX_WHO
from scoring.ikm import ELEMENTS
from scoring.weakest import LOWEST

CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
UNIT_ROLES = ("unit", "agency", "city", "admin")
AGENCY_ROLES = work.DECIDERS
LIMITS = {"what": MAX_WHAT, "who": MAX_WHO, "expected_effect": MAX_EFFECT, "note": MAX_NOTE}

PLAN_STATUS_WORDS = {"draft": N_("draft"), "submitted": N_("submitted, waiting for approval"),
                     "approved": N_("approved"), "returned": N_("returned for changes")}
DONE_WORDS = {
    "created": N_("The plan was created. Add its actions, then submit it for approval."),
    "added": N_("The action was added."),
    "changed": N_("The action was changed."),
    "unchanged": N_("Nothing changed."),
    "removed": N_("The action was removed."),
    "submitted": N_("The plan was submitted to the agency for approval."),
    "approved": N_("The plan was approved."),
    "returned": N_("The plan was returned to the unit with your note."),
    "status": N_("The action's status was saved."),
}
FIELD_WORDS = {
    ("element", "unknown"): N_("Choose one of the nine elements."),
    ("what", "missing"): N_("Write what will be done."),
    ("who", "missing"): N_("Write who is responsible (a role or position)."),
    ("who", "personal"): N_("Write a role or position (e.g. Kepala Tata Usaha), not a phone "
                            "number, e-mail address or NIK."),
    ("expected_effect", "missing"): N_("Write the effect you expect."),
    ("due", "missing"): N_("Give the day by which it is done."),
    ("due", "not_a_date"): N_("Write the day as YYYY-MM-DD, e.g. 2026-09-30."),
    ("due", "before_period"): N_("The day must not be before the plan's period starts "
                                 "(%(first)s)."),
    ("due", "too_late"): N_("The day must be at most %(years)s years after the plan's "
                            "period ends."),
    ("status", "unknown"): N_("Choose a status."),
    ("seen", "unknown"): N_("The form is incomplete: open the page again."),
    ("note", "missing"): N_("Write a note."),
}
CODE_WORDS = {
    "too_short": N_("Write at least %(min)s characters."),
    "too_long": N_("At most %(limit)s characters."),
    "control": N_("Contains characters that cannot be stored (control characters)."),
}
NOTE_WORDS = {  # the note's "missing" message per form
    "decision": N_("Say why the plan is returned: the unit reads it."),
    "status": N_("Write the evidence of what was done or, when dropped, the reason."),
}
ERROR_WORDS = {
    "period_unknown": N_("Plans are made per year, semester, quarter or month: choose one of "
                         "those."),
    "period_not_started": N_("This period has not started yet."),
    "no_actions": N_("Add at least one action before submitting the plan."),
    "decision_unknown": N_("Choose to approve or to return the plan."),
}
STATE_WORDS = {
    "exists": N_("A plan for this unit and period already exists."),
    "wrong_state": N_("The plan changed meanwhile, or its state does not allow this. Open "
                      "the page again."),
    "not_approved": N_("Statuses are updated once the plan is approved."),
    "action_changed": N_("Someone changed this action's status meanwhile. Open the page "
                         "again."),
}
NOT_ALLOWED_WORDS = {
    "not_unit_head": N_("Only the unit's head writes and updates its plan."),
    "not_decider": N_("Only the agency head, the city government or an administrator "
                      "approves or returns a plan."),
    "role": N_("Your role does not give access to follow-up plans."),
}


def _action_status_words(lang: str) -> dict[str, str]:
    pgettext = i18n.pgettext(lang)
    return {"planned": pgettext("rtl action", "Planned"),
            "in_progress": pgettext("rtl action", "In progress"),
            "done": pgettext("rtl action", "Done"),
            "dropped": pgettext("rtl action", "Dropped")}


def last_ended_semester(today: date) -> str:
    return f"{today.year - 1}-S2" if today.month <= 6 else f"{today.year}-S1"


def _dash() -> Any:
    from app.web.staff import dashboards

    return dashboards


def pick_plan_period(query: Any, _: Callable[..., str]) -> Period:
    """`period=` (a key period; default: the last semester that has ended). A range of days
    is refused (400); a period that has not started is 422."""
    if (query.get("from") or "").strip() or (query.get("to") or "").strip() \
            or ".." in (query.get("period") or ""):
        raise PageError(400, _(ERROR_WORDS["period_unknown"]))
    key = (query.get("period") or "").strip() or last_ended_semester(_dash().today())
    try:
        return _dash().choose_period({"period": key}, _)
    except _dash().PeriodError as exc:
        raise PageError(exc.status, exc.message) from exc


def _actor(request: Request[StaffPrincipal, Any, Any]) -> Actor:
    user = request.user
    return Actor(email=user.email, id=user.id,
                 network=network_key(request, request.app.state.settings))


def _lang_query(request: Request) -> dict[str, str]:
    return {"lang": "en"} if request.query_params.get("lang") == "en" else {}


def field_message(field: str, code: str, form: str, period: Period | None,
                  _: Callable[..., str]) -> str:
    if field == "note" and code == "missing" and form in NOTE_WORDS:
        return _(NOTE_WORDS[form])
    if (field, code) in FIELD_WORDS:
        return _(FIELD_WORDS[(field, code)],
                 first=period.first.isoformat() if period else "", years=DUE_YEARS)
    return _(CODE_WORDS.get(code, CODE_WORDS["control"]), min=MIN_TEXT,
             limit=LIMITS.get(field, MAX_NOTE))


def wita_time(moment: datetime | None) -> str:
    return "–" if moment is None else moment.astimezone(WITA).strftime("%d-%m-%Y %H:%M")


class PlansController(Controller):
    path = "/staf"
    include_in_schema = False

    # Pages ---------------------------------------------------------------------------
    async def _unit_page(self, request: Request[StaffPrincipal, Any, Any], unit: str,
                         period: Period, lang: str, *, status: int = 200,
                         typed: dict[str, dict[str, str]] | None = None,
                         errors: dict[str, dict[str, str]] | None = None,
                         problem: str | None = None) -> Template:
        _ = i18n.gettext(lang)
        try:
            view = await views.unit_view(request.user.scope, unit, period,
                                         min_group=request.app.state.settings.min_group)
        except NotFound as exc:
            raise NotFoundException() from exc
        except NotAllowed:
            return staff_message(request, lang, _("Not allowed"),
                                 _(NOT_ALLOWED_WORDS["role"]), 403)
        done = request.query_params.get("done")
        proposed = [p.code for p in view.selection.proposed]
        targeted = {a.element for a in view.actions}
        first_open = next((c for c in proposed if c not in targeted),
                          proposed[0] if proposed else ELEMENTS[0])
        base = f"/staf/unit/{view.unit.unit_code}/rtl"
        return Template("staff/plans_unit.html", context=staff_context(
            request, lang, v=view, elements=ELEMENTS, proposed=proposed,
            element_names=element_names(lang), first_open=first_open,
            num=lambda x, d=3: number(x, d, lang), when=wita_time,
            plan_status_words={k: _(w) for k, w in PLAN_STATUS_WORDS.items()},
            action_status_words=_action_status_words(lang), action_statuses=ACTION_STATUSES,
            done_message=_(DONE_WORDS[done]) if done in DONE_WORDS else None,
            problem=problem, typed=typed or {}, errors=errors or {}, limits=LIMITS,
            lowest=LOWEST,
            base=base, plan_base=f"{base}/{view.plan.id}" if view.plan else None,
            dashboard_url=f"/staf/unit/{view.unit.unit_code}",
            due_min=view.period.first.isoformat(),
            **_period_context(period, _)), status_code=status)

    @get("/unit/{unit:str}/rtl", guards=[roles(*UNIT_ROLES)])
    async def unit_page(self, request: Request[StaffPrincipal, Any, Any],
                        unit: FromPath[str]) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        try:
            period = pick_plan_period(request.query_params, _)
        except PageError as exc:
            return staff_message(request, lang, _("Unknown period"), exc.message, exc.status)
        return await self._unit_page(request, unit, period, lang)

    @get("/dinas/{agency:str}/rtl", guards=[roles(*AGENCY_ROLES)])
    async def agency_page(self, request: Request[StaffPrincipal, Any, Any],
                          agency: FromPath[str]) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        try:
            found = await views.agency_plans(request.user.scope, agency)
        except NotFound as exc:
            raise NotFoundException() from exc
        except NotAllowed:
            return staff_message(request, lang, _("Not allowed"),
                                 _(NOT_ALLOWED_WORDS["role"]), 403)
        done = request.query_params.get("done")
        return Template("staff/plans_agency.html", context=staff_context(
            request, lang, a=found, when=wita_time,
            period_label=lambda key: _dash().period_label(parse(key), _),
            plan_status_words={k: _(w) for k, w in PLAN_STATUS_WORDS.items()},
            element_names=element_names(lang),
            done_message=_(DONE_WORDS[done]) if done in DONE_WORDS else None,
            dashboard_url=f"/staf/dinas/{found.code}"))

    # Changes -------------------------------------------------------------------------
    async def _change(self, request: Request[StaffPrincipal, Any, Any], unit: str,
                      form_key: str, run: Callable[[Actor, Any], Awaitable[str]],
                      plan_id: int | None = None, back: str | None = None
                      ) -> Template | Redirect:
        """Run one change; 303 back to the page (of the plan's period) with `done`, or the
        page or a message with the error's status."""
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        form = await request.form()
        period: Period | None = None
        if plan_id is not None:
            plan = await reads.plan_by_id(plan_id)
            period = parse(plan.period) if plan is not None else None
        else:
            period_key = form.get("period")
            if isinstance(period_key, str) and period_key.strip() and ".." not in period_key:
                try:
                    period = parse(period_key.strip())
                except ValueError:
                    period = None
        try:
            done = await run(_actor(request), form)
        except NotFound as exc:
            raise NotFoundException() from exc
        except NotAllowed as exc:
            return staff_message(request, lang, _("Not allowed"),
                                 _(NOT_ALLOWED_WORDS.get(exc.code, NOT_ALLOWED_WORDS["role"])),
                                 403)
        except WrongState as exc:
            return staff_message(request, lang, _("Nothing was changed"),
                                 _(STATE_WORDS.get(exc.code, STATE_WORDS["wrong_state"])), 409)
        except Invalid as exc:
            status = 400 if exc.code in ("period_unknown", "decision_unknown") else 422
            if not exc.fields or period is None:
                return staff_message(request, lang, _("Nothing was changed"),
                                     _(ERROR_WORDS.get(exc.code, ERROR_WORDS["period_unknown"])),
                                     status)
            messages = {field: field_message(field, code, form_key.split("-")[0], period, _)
                        for field, code in exc.fields.items()}
            if back == "agency":
                return staff_message(request, lang, _("Nothing was changed"),
                                     " ".join(messages.values()), 422)
            typed = {name: value for name, value in form.items()
                     if isinstance(value, str) and name != "_csrf_token"}
            return await self._unit_page(
                request, unit, period, lang, status=422, typed={form_key: typed},
                errors={form_key: messages}, problem=form_key)
        if back is not None:
            query = {"done": done, **_lang_query(request)}
            return Redirect(f"{back}?{urlencode(query)}", status_code=303)
        plan_period = period.key if period is not None else ""
        query = {"period": plan_period, "done": done, **_lang_query(request)}
        return Redirect(f"/staf/unit/{unit}/rtl?{urlencode(query)}", status_code=303)

    @post("/unit/{unit:str}/rtl", guards=[roles(*UNIT_ROLES)])
    async def create(self, request: Request[StaffPrincipal, Any, Any],
                     unit: FromPath[str]) -> Template | Redirect:
        async def run(actor: Actor, form: Any) -> str:
            await work.create_plan(request.user.scope, unit, form.get("period"), actor)
            return "created"
        return await self._change(request, unit, "create", run)

    @post("/unit/{unit:str}/rtl/{plan:int}/tindakan", guards=[roles(*UNIT_ROLES)])
    async def add_action(self, request: Request[StaffPrincipal, Any, Any],
                         unit: FromPath[str], plan: FromPath[int]) -> Template | Redirect:
        async def run(actor: Actor, form: Any) -> str:
            await work.add_action(request.user.scope, unit, plan, form, actor)
            return "added"
        return await self._change(request, unit, "new", run, plan)

    @post("/unit/{unit:str}/rtl/{plan:int}/tindakan/{action:int}",
          guards=[roles(*UNIT_ROLES)])
    async def edit_action(self, request: Request[StaffPrincipal, Any, Any],
                          unit: FromPath[str], plan: FromPath[int], action: FromPath[int]
                          ) -> Template | Redirect:
        async def run(actor: Actor, form: Any) -> str:
            changed = await work.edit_action(request.user.scope, unit, plan, action, form,
                                             actor)
            return "changed" if changed else "unchanged"
        return await self._change(request, unit, f"edit-{action}", run, plan)

    @post("/unit/{unit:str}/rtl/{plan:int}/tindakan/{action:int}/hapus",
          guards=[roles(*UNIT_ROLES)])
    async def remove_action(self, request: Request[StaffPrincipal, Any, Any],
                            unit: FromPath[str], plan: FromPath[int], action: FromPath[int]
                            ) -> Template | Redirect:
        async def run(actor: Actor, form: Any) -> str:
            await work.remove_action(request.user.scope, unit, plan, action, actor)
            return "removed"
        return await self._change(request, unit, "remove", run, plan)

    @post("/unit/{unit:str}/rtl/{plan:int}/ajukan", guards=[roles(*UNIT_ROLES)])
    async def submit(self, request: Request[StaffPrincipal, Any, Any], unit: FromPath[str],
                     plan: FromPath[int]) -> Template | Redirect:
        async def run(actor: Actor, form: Any) -> str:
            await work.submit(request.user.scope, unit, plan, actor)
            return "submitted"
        return await self._change(request, unit, "submit", run, plan)

    @post("/unit/{unit:str}/rtl/{plan:int}/keputusan", guards=[roles(*UNIT_ROLES)])
    async def decide(self, request: Request[StaffPrincipal, Any, Any], unit: FromPath[str],
                     plan: FromPath[int]) -> Template | Redirect:
        form = await request.form()
        back = None
        agency = form.get("agency")
        if isinstance(agency, str) and CODE.match(agency):
            back = f"/staf/dinas/{agency}/rtl"

        async def run(actor: Actor, form: Any) -> str:
            return await work.decide(request.user.scope, unit, plan, form.get("decision"),
                                     form.get("note"), actor)
        return await self._change(request, unit, "decision", run, plan, back=back)

    @post("/unit/{unit:str}/rtl/{plan:int}/tindakan/{action:int}/status",
          guards=[roles(*UNIT_ROLES)])
    async def status(self, request: Request[StaffPrincipal, Any, Any], unit: FromPath[str],
                     plan: FromPath[int], action: FromPath[int]) -> Template | Redirect:
        async def run(actor: Actor, form: Any) -> str:
            changed = await work.update_status(
                request.user.scope, unit, plan, action, form.get("status"), form.get("note"),
                form.get("seen"), actor)
            return "status" if changed else "unchanged"
        return await self._change(request, unit, f"status-{action}", run, plan)
