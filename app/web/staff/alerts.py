"""Staff alerts (`feedback.alerts`):

* `GET /staf/peringatan`: the open alerts the user's role and scope see (see
  `feedback.alerts.reads`: unit, agency, city; officers and admins get 403), newest first:
  urgent comments (masked), sharp drops at a counter (the window's IKM against the
  baseline's), flagged counter-hours (the reasons) and case events (`feedback.cases.notify`:
  the case, its clocks and a link to `/staf/kasus/{receipt}`). `?show=acknowledged` lists the
  acknowledged ones instead. The header of every staff page shows the open count
  (`open_count`, run before each staff request by the application).
* `POST /staf/peringatan/{alert}/terima` (CSRF): acknowledge an alert (audited), then
  back to the list (303). An alert acknowledged already is a 409 page; one outside the
  scope or unknown is a 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app import i18n
from app.web.clients import network_key
from app.web.staff.auth import StaffPrincipal, is_staff_path, roles
from app.web.staff.errors import staff_message
from app.web.staff.page import current_user, staff_context, staff_lang
from app.web.staff.unit_pages import comment_markers, element_names, number
from feedback.accounts.audit import Actor
from feedback.alerts import reads
from feedback.alerts.raising import aware
from feedback.clock import WITA
from feedback.comments.masking import mask
from feedback.org import scoped

PATH = "/staf/peringatan"
STATE_KEY = "alerts_open"


async def open_count(request: Request) -> None:
    """Before a staff request: the user's open alerts, for the header (request.state)."""
    if request.method != "GET" or not is_staff_path(request.url.path):
        return
    user = current_user(request)
    if user is not None and user.role in reads.READERS:
        request.state[STATE_KEY] = await reads.count_open(user.scope)


def wita(moment: Any) -> str:
    return moment.astimezone(WITA).strftime("%d-%m-%Y %H:%M")


def day(iso: Any) -> str:
    """A stored ISO date (a case clock) as shown: dd-mm-yyyy."""
    return date.fromisoformat(iso).strftime("%d-%m-%Y") if isinstance(iso, str) else "–"


def shown_receipt(receipt: Any) -> str:
    text = str(receipt or "")
    return f"{text[:4]}-{text[4:]}" if len(text) == 8 else text


def case_title(details: dict[str, Any]) -> str:
    """The key of a case alert's title: its event, and for an escalation its level."""
    event = details.get("event", "")
    return f"escalated:{details.get('level')}" if event == "escalated" else event


def case_texts(lang: str) -> dict[str, dict[str, str]]:
    _ = i18n.gettext(lang)
    return {
        "case_titles": {
            "opened": _("New complaint case"),
            "forwarded": _("Complaint case forwarded to this unit"),
            "citizen_answer": _("The citizen answered a reply"),
            "escalated:agency": _("Complaint case escalated to the agency"),
            "escalated:city": _("Complaint case escalated to the city"),
        },
        "case_reasons": {
            "low_rating": _("low rating, contact requested"),
            "complaint": _("complaint in the comment"),
            "urgent": _("urgent comment"),
        },
    }


class AlertsController(Controller):
    path = PATH
    include_in_schema = False

    @get("", guards=[roles(*reads.READERS)])
    async def list_page(self, request: Request[StaffPrincipal, Any, Any]) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        show = request.query_params.get("show") or ""
        if show not in ("", "acknowledged"):
            return staff_message(request, lang, _("The filter could not be used"),
                                 _("Unknown filter value."), 400)
        try:
            alerts = await reads.list_alerts(request.user.scope,
                                             acknowledged=show == "acknowledged")
        except scoped.NotAllowed as exc:
            raise PermissionDeniedException("role") from exc
        markers = comment_markers(lang)
        done = request.query_params.get("done")
        return Template("staff/alerts.html", context=staff_context(
            request, lang, alerts=alerts, acknowledged=show == "acknowledged",
            names={**element_names(lang), "lainnya": _("Other")},
            masked=lambda text: mask(text, markers) if text else "",
            wita=wita, hour=lambda text: wita(aware(text)), num=lambda v, d=0: number(v, d, lang),
            done=done.isdigit() if isinstance(done, str) else False, path=PATH,
            day=day, receipt=shown_receipt, case_title=case_title, **case_texts(lang)))

    @post("/{alert:int}/terima", guards=[roles(*reads.READERS)])
    async def acknowledge(self, request: Request[StaffPrincipal, Any, Any],
                          alert: FromPath[int]) -> Template | Redirect:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        user = request.user
        actor = Actor(email=user.email, id=user.id,
                      network=network_key(request, request.app.state.settings))
        try:
            await reads.acknowledge(actor, user.scope, alert)
        except scoped.NotFound as exc:
            raise NotFoundException() from exc
        except scoped.NotAllowed as exc:
            raise PermissionDeniedException("role") from exc
        except reads.AlreadyAcknowledged:
            return staff_message(request, lang, _("Already acknowledged"),
                                 _("Someone acknowledged this alert already."), 409)
        suffix = "&lang=en" if request.query_params.get("lang") == "en" else ""
        return Redirect(f"{PATH}?done={alert}{suffix}", status_code=303)
