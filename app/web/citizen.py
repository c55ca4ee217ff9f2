"""Citizen pages: the rating form (`/s/{counter}`), its kiosk mode (`/k/{counter}`) and the
thank-you page. Server-rendered, no JavaScript, Indonesian first."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_to_bytes, urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from app import i18n, survey_text
from app.settings import Settings
from app.web import messages, submitting
from app.web.clients import (
    device_key,
    has_foreign_device_cookie,
    network_key,
    new_device_cookie,
    signed_device_id,
)
from app.web.page import page_context
from app.web.security import is_cross_site
from feedback.cases import opening
from feedback.cases.clocks import FOLLOW_UP_DAYS, VERIFY_DAYS
from feedback.clock import WITA
from feedback.org import directory
from feedback.org.counters import CounterInfo, last_known_counter, load_counter
from feedback.survey import outcomes, skm
from feedback.survey import submit as submission
from feedback.survey.receipts import display, receipt_details
from feedback.survey.tickets import check_token
from feedback.survey.tokens import TokenError, looks_like_token, normalise
from feedback.survey.validate import FieldError
from scoring.ikm import min_answered

FACES = ("😞", "😐", "😊", "😄")  # Unicode 6.0: present on old phones too


def _mode_path(kiosk: bool) -> str:
    return "k" if kiosk else "s"


def not_found_page(request: Request, lang: str) -> Template:
    _ = i18n.gettext(lang)
    return Template(
        template_name="message.html",
        context={
            **page_context(request, lang),
            "title": _(messages.NOT_FOUND_TITLE),
            "message": _(messages.NOT_FOUND),
            "back_url": None,
        },
        status_code=HTTP_404_NOT_FOUND,
    )


def _message_page(request: Request, lang: str, title: str, text: str, status: int,
                  back_url: str | None = None) -> Template:
    return Template(
        template_name="message.html",
        context={**page_context(request, lang), "title": title, "message": text,
                 "back_url": back_url},
        status_code=status,
    )


def _form_key(values: dict[str, str]) -> str:
    """The form's submission key, or a fresh one when it is missing or malformed."""
    key = values.get("key") or ""
    if not (8 <= len(key) <= 64 and key.replace("-", "").replace("_", "").isalnum()):
        key = secrets.token_urlsafe(18)
    return key


def unreadable_fields(request: Request, body: bytes) -> set[str]:
    """Names of the url-encoded form fields whose value (or name) is not valid UTF-8; the
    form parser would have turned those bytes into replacement characters."""
    if not request.headers.get("content-type", "").lower().startswith(
            "application/x-www-form-urlencoded"):
        return set()
    bad: set[str] = set()
    for part in body.split(b"&"):
        raw_name, _, raw_value = part.partition(b"=")
        try:
            name = unquote_to_bytes(raw_name.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            bad.add("")
            continue
        try:
            unquote_to_bytes(raw_value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            bad.add(name)
    return bad


def _form_page(
    request: Request,
    c: CounterInfo,
    *,
    lang: str,
    kiosk: bool,
    key: str,
    token: str | None,
    verified: bool = False,
    values: dict[str, Any] | None = None,
    errors: list[FieldError] | None = None,
    notice: str | None = None,
    status_code: int = HTTP_200_OK,
) -> Template:
    _ = i18n.gettext(lang)
    values = values or {}
    field_errors: dict[str, str] = {}
    summary: list[tuple[str, str]] = []
    for err in errors or []:
        if err.field == "answers":
            missing = [code for code in skm.FORM_ORDER if not values.get(code)]
            anchor = missing[0] if missing else skm.FORM_ORDER[0]
            message = messages.field_message(_, err.code, min_answered())
            for code in missing:
                field_errors.setdefault(code, _(messages.FIELD_ERRORS["missing"]))
        else:
            anchor = err.field.removeprefix("answers.")
            n = skm.MAX_COMMENT_CHARS if err.field == "comment" else None
            message = messages.field_message(_, err.code, n)
            field_errors[anchor] = message
        summary.append((anchor, message))
    elements = []
    for code in skm.FORM_ORDER:
        el = survey_text.instrument(lang).elements[code]
        value = values.get(code)
        elements.append(
            {
                "code": code,
                "question": el.question,
                "labels": el.labels,
                "value": int(value) if value in ("1", "2", "3", "4") else None,
                "error": field_errors.get(code),
            }
        )
    choices = survey_text.profile_choices(lang)
    profile = [
        (name, _(label), list(choices[name].items()))
        for name, label in (
            ("gender", messages.N_("Gender")),
            ("age_band", messages.N_("Age")),
            ("education", messages.N_("Education")),
            ("occupation", messages.N_("Occupation")),
        )
    ]
    other_fields = ("service", "comment", *skm.PROFILE_FIELDS)
    contact_fields = ("contact", "consent")
    query = {"lang": "en" if lang == "id" else "id"}
    if token:
        query["t"] = token
    base = f"/{_mode_path(kiosk)}/{c.code}"
    return Template(
        template_name="form.html",
        context={
            **page_context(request, lang, kiosk=kiosk, lang_url=f"{base}?{urlencode(query)}"),
            "c": c,
            "action": base,
            "key": key,
            "token": token,
            "verified": verified,
            "elements": elements,
            "faces": FACES,
            "services": [
                (code, name_en if lang == "en" else name_id)
                for code, name_id, name_en in c.services
            ],
            "profile": profile,
            "form": {k: values.get(k) for k in (*other_fields, *contact_fields)},
            "open_more": any(e.field in other_fields for e in errors or []),
            "open_contact": any(e.field in contact_fields for e in errors or [])
            or bool(values.get("contact") or values.get("consent")),
            "field_errors": field_errors,
            "contact_retention_days": request.app.state.settings.contact_retention_days,
            "errors": summary,
            "notice": notice,
            "max_comment": skm.MAX_COMMENT_CHARS,
            "min_answered": min_answered(),
            "retention_days": request.app.state.settings.device_retention_days,
        },
        status_code=status_code,
        headers={"Cache-Control": "private, no-cache"},
    )


def form_submission(request: Request, counter: str, kiosk: bool, values: dict[str, str],
                    language: str) -> submission.Submission:
    """The submission a posted form makes (the handler's and the front's one reading)."""
    settings: Settings = request.app.state.settings
    return submission.Submission(
        counter=counter, answers={code: values.get(code) for code in skm.FORM_ORDER},
        service=values.get("service"),
        profile={k: values.get(k) for k in skm.PROFILE_FIELDS},
        comment=values.get("comment"), contact=values.get("contact"),
        consent=values.get("consent"), channel="kiosk" if kiosk else "qr",
        lang=language, submission_key=_form_key(values), token=values.get("t") or None,
        device_key=device_key(request, settings), rate_key=network_key(request, settings),
    )


def thanks_location(counter: str, kiosk: bool, outcome: outcomes.Stored | outcomes.Duplicate,
                    values: dict[str, str], language: str) -> str:
    """Where a stored (or already stored) form post is sent: its thank-you page."""
    given = {"c": "1"} if (values.get("contact") or "").strip() else {}
    query = urlencode({"r": outcome.receipt.receipt, "lang": language, **given})
    return f"/{_mode_path(kiosk)}/{counter}/terima-kasih?{query}"


def _unavailable_page(request: Request, counter: str, *, kiosk: bool, lang: str, key: str,
                      token: str | None, values: dict[str, str],
                      outcome: outcomes.Unavailable) -> Template:
    """The database cannot be reached: 503 with Retry-After and nothing stored. The form comes
    back with the answers and the same one-time key (sending it again later stores it once),
    built from the counter as this process last knew it, without the database; when it never
    knew the counter, a short page sends the same fields again."""
    _ = i18n.gettext(lang)
    status, message_id = outcomes.status_of(outcome)
    message = messages.outcome_message(_, message_id, outcome.retry_after)
    headers = {"Retry-After": str(outcome.retry_after), "Cache-Control": "private, no-store"}
    c = last_known_counter(counter)
    if c is not None:
        page = _form_page(request, c, lang=lang, kiosk=kiosk, key=key, values=values,
                          token=token, notice=message, status_code=status)
        page.headers.update(headers)
        return page
    return Template(
        template_name="resend.html",
        context={**page_context(request, lang, kiosk=kiosk),
                 "title": _(messages.UNAVAILABLE_TITLE), "message": message,
                 "action": f"/{_mode_path(kiosk)}/{counter}",
                 "fields": [(k, v) for k, v in values.items() if k not in ("key", "lang")],
                 "key": key, "form_lang": lang},
        status_code=status,
        headers=headers,
    )


class CitizenController(Controller):
    include_in_schema = False

    @get("/")
    async def directory_page(self, request: Request,
                             lang: FromQuery[str | None] = None) -> Template:
        """The public directory: every agency, unit and counter with its rating link."""
        language = i18n.pick(lang)
        found = await directory.load(request.app.state.settings.public_url)
        return Template(
            template_name="directory.html",
            context={**page_context(request, language), "agencies": found.agencies},
        )

    async def _show(
        self, request: Request, counter: str, lang: str | None, t: str | None, kiosk: bool
    ) -> Response[Any]:
        language = i18n.pick(lang)
        c = await load_counter(counter)
        if c is None:
            return not_found_page(request, language)
        settings: Settings = request.app.state.settings
        token, notice, verified = None, None, False
        if t:
            _ = i18n.gettext(language)
            try:
                if not looks_like_token(t):
                    raise TokenError("token_invalid")
                await check_token(c, t, datetime.now(UTC), settings.token_ttl)
                token, verified = normalise(t), True
            except TokenError as exc:
                notice = _(messages.TOKEN_ERRORS[exc.code])
        page = _form_page(
            request,
            c,
            lang=language,
            kiosk=kiosk,
            key=secrets.token_urlsafe(18),
            token=token,
            verified=verified,
            notice=notice,
        )
        if signed_device_id(request, settings) is None and not c.is_kiosk:
            page.cookies.append(new_device_cookie(settings))
        return page

    async def _submit(self, request: Request, counter: str, kiosk: bool) -> Response[Any]:
        response = await self._submit_checked(request, counter, kiosk)
        settings: Settings = request.app.state.settings
        if has_foreign_device_cookie(request, settings):
            # A device cookie this server did not sign: replaced by a fresh signed one.
            response.cookies.append(new_device_cookie(settings))
        return response

    async def _submit_checked(self, request: Request, counter: str,
                              kiosk: bool) -> Response[Any]:
        settings: Settings = request.app.state.settings
        try:
            form = await request.form()
            values = {k: v for k, v in form.items() if isinstance(v, str)}
            unreadable = unreadable_fields(request, await request.body())
        except UnicodeDecodeError:  # a multipart field that is not UTF-8
            values, unreadable = {}, {""}
        language = i18n.pick(values.get("lang") or request.query_params.get("lang"))
        _ = i18n.gettext(language)
        if is_cross_site(request, settings.public_url):
            return _message_page(request, language, _(messages.CROSS_SITE_TITLE),
                                 _(messages.CROSS_SITE), HTTP_403_FORBIDDEN,
                                 back_url=f"/{_mode_path(kiosk)}/{counter}?lang={language}")
        if unreadable:
            c = await load_counter(counter)
            if c is None:
                return not_found_page(request, language)
            values = {k: v for k, v in values.items() if k not in unreadable}
            visible = (*skm.FORM_ORDER, "service", "comment", *skm.PROFILE_FIELDS, "contact")
            errors = [FieldError(f"answers.{name}" if name in skm.FORM_ORDER else name,
                                 "invalid_encoding") for name in visible if name in unreadable]
            return _form_page(request, c, lang=language, kiosk=kiosk, key=_form_key(values),
                              values=values,
                              token=values.get("t") or None, errors=errors,
                              notice=_(messages.UNREADABLE_TEXT),
                              status_code=HTTP_422_UNPROCESSABLE_ENTITY)
        sub, outcome = await submitting.decide(
            request, lambda: form_submission(request, counter, kiosk, values, language))
        key, token = sub.submission_key, sub.token
        if isinstance(outcome, outcomes.Stored | outcomes.Duplicate):
            return Redirect(thanks_location(counter, kiosk, outcome, values, language),
                            status_code=303)
        if isinstance(outcome, outcomes.Unavailable):
            return _unavailable_page(request, counter, kiosk=kiosk, lang=language, key=key,
                                     token=token, values=values, outcome=outcome)
        c = None if isinstance(outcome, outcomes.UnknownCounter) else await load_counter(counter)
        if c is None:
            return not_found_page(request, language)
        # Every other outcome: the form again, with the citizen's answers and the same key.
        status, message_id = outcomes.status_of(outcome)
        wait = outcomes.retry_after(outcome)
        invalid = isinstance(outcome, outcomes.Invalid)
        page = _form_page(
            request, c, lang=language, kiosk=kiosk, key=key, values=values,
            token=None if isinstance(outcome, outcomes.TokenRefused) else token,
            errors=list(outcome.errors) if invalid else None,
            notice=None if invalid else messages.outcome_message(_, message_id, wait),
            status_code=status,
        )
        if wait is not None:
            page.headers["Retry-After"] = str(wait)
        return page

    async def _thanks(
        self, request: Request, counter: str, r: str, lang: str | None, kiosk: bool,
        given: str | None = None,
    ) -> Response[Any]:
        language = i18n.pick(lang)
        c = await load_counter(counter)
        valid = c is not None and r.isalnum() and len(r) <= 12
        found = await receipt_details(r, c.id) if valid else None
        if c is None or found is None:
            return not_found_page(request, language)
        base = f"/{_mode_path(kiosk)}/{c.code}"
        when = found.submitted_at.astimezone(WITA).strftime("%d-%m-%Y %H:%M")
        # Did this response open a case, was its contact kept? (`c=1`: a contact was given.)
        followup = await opening.followup_of(found.receipt)
        other = {"r": r, "lang": "en" if language == "id" else "id",
                 **({"c": "1"} if given == "1" else {})}
        return Template(
            template_name="thanks.html",
            context={
                **page_context(
                    request,
                    language,
                    kiosk=kiosk,
                    lang_url=f"{request.url.path}?" + urlencode(other),
                ),
                "c": c,
                "receipt": display(found.receipt),
                "when": when,
                "verified": found.verified,
                "case": followup is not None and followup.case,
                "contact_kept": followup is not None and followup.contact_kept,
                "contact_given": given == "1",
                "tracking_url": opening.tracking_path(found.receipt) + f"&lang={language}",
                "verify_days": VERIFY_DAYS,
                "follow_up_days": FOLLOW_UP_DAYS,
                "again_url": f"{base}?lang={language}",
                "kiosk_return": request.app.state.settings.kiosk_return_seconds,
            },
            headers={"Cache-Control": "private, no-store"},
        )

    @get("/s/{counter:str}")
    async def form(
        self,
        request: Request,
        counter: FromPath[str],
        lang: FromQuery[str | None] = None,
        t: FromQuery[str | None] = None,
    ) -> Response[Any]:
        return await self._show(request, counter, lang, t, kiosk=False)

    @get("/k/{counter:str}")
    async def kiosk_form(
        self,
        request: Request,
        counter: FromPath[str],
        lang: FromQuery[str | None] = None,
        t: FromQuery[str | None] = None,
    ) -> Response[Any]:
        return await self._show(request, counter, lang, t, kiosk=True)

    @post("/s/{counter:str}")
    async def submit_form(self, request: Request, counter: FromPath[str]) -> Response[Any]:
        return await self._submit(request, counter, kiosk=False)

    @post("/k/{counter:str}")
    async def submit_kiosk(self, request: Request, counter: FromPath[str]) -> Response[Any]:
        return await self._submit(request, counter, kiosk=True)

    @get("/s/{counter:str}/terima-kasih")
    async def thanks(
        self,
        request: Request,
        counter: FromPath[str],
        r: FromQuery[str] = "",
        lang: FromQuery[str | None] = None,
        c: FromQuery[str | None] = None,
    ) -> Response[Any]:
        return await self._thanks(request, counter, r, lang, kiosk=False, given=c)

    @get("/k/{counter:str}/terima-kasih")
    async def kiosk_thanks(
        self,
        request: Request,
        counter: FromPath[str],
        r: FromQuery[str] = "",
        lang: FromQuery[str | None] = None,
        c: FromQuery[str | None] = None,
    ) -> Response[Any]:
        return await self._thanks(request, counter, r, lang, kiosk=True, given=c)

    @get("/k/{counter:str}/tersimpan")
    async def kiosk_saved(
        self,
        request: Request,
        counter: FromPath[str],
        lang: FromQuery[str | None] = None,
    ) -> Response[Any]:
        """The offline thank-you page: the kiosk's service worker keeps it in its cache and
        shows it when a rating was stored on the tablet to be sent later (no receipt code)."""
        language = i18n.pick(lang)
        c = await load_counter(counter)
        if c is None:
            return not_found_page(request, language)
        base = f"/k/{c.code}"
        other = "en" if language == "id" else "id"
        return Template(
            template_name="thanks_offline.html",
            context={
                **page_context(request, language, kiosk=True,
                               lang_url=f"{base}/tersimpan?lang={other}"),
                "c": c,
                "again_url": f"{base}?lang={language}",
                "kiosk_return": request.app.state.settings.kiosk_return_seconds,
            },
            headers={"Cache-Control": "private, no-cache"},
        )
