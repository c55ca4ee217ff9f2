"""`/staf/kota/terbitan` (role city): publishing a period's scores as a frozen snapshot.

* `GET /staf/kota/terbitan?period=2026-S1`: every published version (period, version,
  published at in WITA, by whom, note, reason, method, digests, whether the period's
  targets are locked), the live figures of the chosen period (units ranked, provisional,
  not ranked for want of targets, not scored; whether the inputs changed since its latest
  version), the publish form and an unlock form per locked period.
* `POST /staf/kota/terbitan` (CSRF): publish `period` with `note` (and `reason` when the
  period is already published) → 303 back to the list with a success message.
* `POST /staf/kota/terbitan/buka` (CSRF): unlock the targets and actuals of `period` with
  `reason` → 303 back to the list.

Refusals re-render the page with the message in the user's language and write nothing; the
status of each refusal is in STATUS (422 bad input, 409 a concurrent change). Publishing
and unlocking are audited by feedback.performance.snapshots.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from app import i18n
from app.i18n import N_
from app.web.clients import network_key
from app.web.staff.auth import StaffPrincipal, roles
from app.web.staff.dashboards import number, period_label, today
from app.web.staff.errors import staff_message
from app.web.staff.page import staff_context, staff_lang
from feedback.accounts.audit import Actor
from feedback.clock import WITA
from feedback.performance import dashboard_reads, periods, publishing, snapshots
from feedback.performance.periods import Period
from feedback.performance.scores import engine_inputs
from feedback.performance.snapshots import MAX_NOTE, SnapshotError, SnapshotInfo

BASE = "/staf/kota/terbitan"

# Every refusal, by code (SnapshotError.code and this page's own), and its status.
STATUS = {
    "not_publishable": 422, "no_data": 422, "reason_required": 422, "too_long": 422,
    "not_published": 422, "unknown_period": 422, "note_required": 422,
    "not_locked": 409, "conflict": 409, "stale": 409,
}
MESSAGES = {
    "not_publishable": N_("Only a year, semester, quarter or month can be published."),
    "unknown_period": N_("Choose a period from the list: a year, semester, quarter or month "
                         "that has started and has responses."),
    "no_data": N_("There are no responses in %(period)s: there is nothing to publish."),
    "note_required": N_("Write a note: what this publication is, e.g. “Results of "
                        "semester I”."),
    "reason_required": N_("%(period)s is already published (version %(version)s): give the "
                          "reason for publishing it again."),
    "too_long": N_("The note and the reason may have at most %(max)s characters each."),
    "not_published": N_("%(period)s is not published, so there is nothing to unlock."),
    "not_locked": N_("The targets and actuals of %(period)s are already unlocked."),
    "conflict": N_("Someone published %(period)s at the same moment. Nothing was written: "
                   "look at the list and try again."),
    "stale": N_("%(period)s was published by someone else meanwhile (now version "
                "%(version)s). Nothing was written: look at the list, then try again."),
    "unlock_reason": N_("Give the reason for unlocking %(period)s."),
}
DONE = {
    "published": N_("%(period)s is published as version %(version)s. Its targets and "
                    "actuals are now locked."),
    "unlocked": N_("The targets and actuals of %(period)s are unlocked until the next "
                   "version is published."),
}


class Refused(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = STATUS[code]
        self.message = message


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _actor(request: Request[StaffPrincipal, Any, Any]) -> Actor:
    return Actor(email=request.user.email, id=request.user.id,
                 network=network_key(request, request.app.state.settings))


def short(digest: str) -> str:
    return digest[:12]


def wita(info_time: Any) -> str:
    return info_time.astimezone(WITA).strftime("%d-%m-%Y %H:%M")


async def _latest(key: str) -> SnapshotInfo | None:
    found = await snapshots.versions(key)
    return found[0] if found else None


async def _refusal(exc: SnapshotError, period: Period, _: Callable[..., str]) -> Refused:
    latest = await _latest(period.key)
    return Refused(exc.code, _(MESSAGES[exc.code], period=period_label(period, _),
                               version=latest.version if latest else "", max=MAX_NOTE))


def _query(request: Request, **values: str) -> str:
    query = dict(values)
    if request.query_params.get("lang") in i18n.LANGS:
        query["lang"] = request.query_params["lang"]
    return urlencode(query)


def _chosen(key: str, options: list[Period], _: Callable[..., str]) -> Period:
    """One of the publishable periods, by key. Raises Refused."""
    for period in options:
        if period.key == key.strip():
            return period
    if ".." in key:
        raise Refused("not_publishable", _(MESSAGES["not_publishable"]))
    raise Refused("unknown_period", _(MESSAGES["unknown_period"]))


class PublishingController(Controller):
    path = BASE
    include_in_schema = False

    async def _page(self, request: Request[StaffPrincipal, Any, Any], lang: str, *,
                    chosen_key: str | None, error: Refused | None = None,
                    form: dict[str, str] | None = None, notice: str | None = None
                    ) -> Template:
        _ = i18n.gettext(lang)
        options = await publishing.publishable(today())
        rows = await snapshots.versions()
        latest = {info.period: info for info in await snapshots.published_periods()}
        opened = await publishing.unlocks()
        chosen = next((p for p in options if p.key == chosen_key), None)
        if chosen is None and chosen_key is None and options:
            chosen = options[0]
        preview = None
        if chosen is not None:
            result = await dashboard_reads.period_result(chosen, request.app.state.score_cache)
            if result is not None:
                units, kpis = await engine_inputs(chosen)
                last = latest.get(chosen.key)
                preview = {
                    "counts": publishing.status_counts(result),
                    "latest": last,
                    "unchanged": last is not None
                    and snapshots.inputs_digest(units, kpis) == last.inputs_digest,
                }
        labels = {info.period: period_label(periods.parse(info.period), _)
                  for info in rows}
        versions = []
        for info in rows:
            head = latest[info.period]
            state = ("superseded" if head.id != info.id
                     else "unlocked" if info.id in opened else "locked")
            versions.append({"info": info, "state": state, "unlock": opened.get(info.id),
                             "latest_version": head.version})
        years: dict[int, list[dict[str, Any]]] = {}
        for p in options:
            years.setdefault(p.first.year, []).append({
                "key": p.key, "label": period_label(p, _),
                "published": latest[p.key].version if p.key in latest else None})
        status = error.status if error else 200
        return Template("staff/publishing.html", context=staff_context(
            request, lang, versions=versions, labels=labels, option_years=years,
            chosen=chosen, chosen_label=period_label(chosen, _) if chosen else None,
            chosen_key=chosen_key, preview=preview, error=error, form=form or {},
            notice=notice, max_note=MAX_NOTE,
            locked=[latest[k] for k in latest if latest[k].id not in opened],
            num=lambda v: number(v, 0, lang), short=short, wita=wita,
            seen=f"{chosen.key}:{latest[chosen.key].version if chosen.key in latest else 0}"
            if chosen else ""), status_code=status)

    @get("/", guards=[roles("city")])
    async def page(self, request: Request[StaffPrincipal, Any, Any]) -> Template:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        q = request.query_params
        key = (q.get("period") or "").strip() or None
        if key is not None:
            try:
                periods.parse(key)
            except ValueError:
                if ".." not in key:
                    return staff_message(request, lang, _("Unknown period"), _(
                        "Unknown period. Use 2026, 2026-S1, 2026-Q3, 2026-03 or from/to dates "
                        "written as YYYY-MM-DD."), 400)
        notice = None
        if key is not None and ".." not in key:
            label = period_label(periods.parse(key), _)
            version = q.get("published") or ""
            if version.isdigit() and len(version) < 6 and await snapshots.get(
                    key, int(version)) is not None:
                notice = _(DONE["published"], period=label, version=version)
            elif q.get("unlocked") == "1" and not await snapshots.is_locked(key) and (
                    await _latest(key)) is not None:
                notice = _(DONE["unlocked"], period=label)
        return await self._page(request, lang, chosen_key=key, notice=notice)

    @post("/", guards=[roles("city")])
    async def publish(self, request: Request[StaffPrincipal, Any, Any]) -> Template | Redirect:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        form = await request.form()
        fields = {name: _text(form, name) for name in ("period", "note", "reason", "seen")}
        try:
            period = _chosen(fields["period"], await publishing.publishable(today()), _)
        except Refused as exc:
            return await self._page(request, lang, chosen_key=None, error=exc, form=fields)
        try:
            if not fields["note"].strip():
                raise Refused("note_required", _(MESSAGES["note_required"]))
            seen_key, _sep, seen_version = fields["seen"].partition(":")
            latest = await _latest(period.key)
            now = latest.version if latest else 0
            if seen_key == period.key and seen_version.isdigit() and int(seen_version) != now:
                raise Refused("stale", _(MESSAGES["stale"], period=period_label(period, _),
                                         version=now))
            try:
                info = await snapshots.publish(period, _actor(request), fields["note"],
                                               reason=fields["reason"] or None)
            except SnapshotError as exc:
                raise await _refusal(exc, period, _) from exc
        except Refused as exc:
            return await self._page(request, lang, chosen_key=period.key, error=exc,
                                    form=fields)
        query = _query(request, period=info.period, published=str(info.version))
        return Redirect(f"{BASE}?{query}", status_code=303)

    @post("/buka", guards=[roles("city")])
    async def unlock(self, request: Request[StaffPrincipal, Any, Any]) -> Template | Redirect:
        lang = staff_lang(request)
        _ = i18n.gettext(lang)
        form = await request.form()
        key, reason, seen = (_text(form, n).strip() for n in ("period", "reason", "version"))
        try:
            try:
                period = periods.parse(key)
            except ValueError as exc:
                raise Refused("not_published", _(MESSAGES["not_published"],
                                                 period=key[:40] or "–")) from exc
            label = period_label(period, _)
            latest = await _latest(period.key)
            if latest is None:
                raise Refused("not_published", _(MESSAGES["not_published"], period=label))
            if seen.isdigit() and int(seen) != latest.version:
                raise Refused("stale", _(MESSAGES["stale"], period=label,
                                         version=latest.version))
            if not reason:
                raise Refused("reason_required", _(MESSAGES["unlock_reason"], period=label))
            try:
                await snapshots.unlock(period.key, _actor(request), reason)
            except SnapshotError as exc:
                raise await _refusal(exc, period, _) from exc
        except Refused as exc:
            return await self._page(request, lang, chosen_key=None, error=exc)
        return Redirect(f"{BASE}?{_query(request, period=period.key, unlocked='1')}",
                        status_code=303)
