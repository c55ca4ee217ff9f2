"""JSON API v1: the public directory and response submission, and the helpers every v1
route shares (the error body, the language, the JSON-only check). The live official IKM is
`app.web.ikm_api`, the scores `app.web.scores_api`, cases `app.web.cases_api`."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from app import i18n
from app.settings import Settings
from app.web import messages, submitting
from app.web.apidoc import (
    BAD_REQUEST,
    UNAVAILABLE,
    ErrorOut,
    FieldProblem,
    documented,
    error_responses,
)
from app.web.clients import device_key, network_key
from feedback.cases import contact as contact_rules
from feedback.cases import opening
from feedback.org import directory
from feedback.survey import outcomes, skm
from feedback.survey import submit as submission
from feedback.survey.receipts import Receipt
from scoring.ikm import ELEMENTS, min_answered


def _doc(**keywords: Any) -> msgspec.Meta:
    """JSON Schema keywords for a body field's OpenAPI schema (Litestar copies
    `extra_json_schema["extra"]` into it), for rules the application checks itself."""
    return msgspec.Meta(extra_json_schema={"extra": keywords})


_ANSWER = {"anyOf": [
    {"type": "integer", "minimum": 1, "maximum": 4},
    {"type": "string", "description": "the rating written in digits, as the form sends it "
     "(`\"4\"`); empty: not answered"},
    {"type": "null", "description": "not answered"},
]}
_ANSWERS = _doc(
    properties={element: _ANSWER for element in ELEMENTS},
    additional_properties=False,
    description=f"Ratings 1 (worst) to 4 (best) keyed by SKM element code; at least "
    f"{min_answered()} of the 9 answered. Anything else is 422 `invalid_response` with a "
    "`fields` entry per answer (`unknown_element`, `out_of_range`, `not_a_number`, "
    "`too_few_answers`).",
)


def _choice(options: Any) -> msgspec.Meta:
    return _doc(enum=[*options, "", None],
                description="empty or null: not given; any other value is 422 `invalid_choice`")


# Checked whole (re.fullmatch) in ApiController.submit: a pattern alone also lets a final
# newline through ("$" matches before it in Python).
IDEMPOTENCY_KEY = r"^[A-Za-z0-9_-]+$"


class ResponseIn(msgspec.Struct, forbid_unknown_fields=True):
    """A response as JSON. Answers are keyed by SKM element code, each 1..4; at least 7 of
    the 9 must be given. `idempotency_key` makes retries safe: the same key never stores
    twice and returns the first receipt. Unknown fields are refused (400)."""

    counter: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
    answers: Annotated[dict[str, object], _ANSWERS]
    service: Annotated[str, _doc(description="a service code of the counter's unit; empty: "
                                 "none; an unknown code is 422 `unknown_service`")] | None = None
    gender: Annotated[str, _choice(skm.GENDERS)] | None = None
    age_band: Annotated[str, _choice(skm.AGE_BANDS)] | None = None
    education: Annotated[str, _choice(skm.EDUCATION)] | None = None
    occupation: Annotated[str, _choice(skm.OCCUPATIONS)] | None = None
    comment: Annotated[str, _doc(description=f"at most {skm.MAX_COMMENT_CHARS} characters "
                                 "once control characters and surrounding spaces are removed "
                                 "(else 422 `too_long`)")] | None = None
    channel: Literal["qr", "kiosk", "web"] = "web"
    token: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    idempotency_key: (
        Annotated[str, msgspec.Meta(min_length=8, max_length=64, pattern=IDEMPOTENCY_KEY)]
        | None
    ) = None
    device_id: Annotated[str, msgspec.Meta(max_length=128)] | None = None
    lang: Literal["id", "en"] | None = None
    contact: Annotated[str, msgspec.Meta(max_length=contact_rules.RAW_MAX), _doc(
        description="\"May we contact you?\": an Indonesian phone/WhatsApp number (`08…`, "
        "`+62…` or `62…`, spaces and dashes allowed) or an e-mail address, given only with "
        "`consent`; empty or null: none. Kept apart from the answers, and only when the "
        "response opens a complaint case or has a comment that may open one (see `case`); "
        "anything else is 422 `invalid_contact`, a contact without consent 422 "
        "`consent_required`")] | None = None
    consent: Annotated[bool | Literal[0, 1], _doc(
        description="the citizen's explicit consent to be contacted about this complaint "
        "(`true` or `1`); `true` without a contact is 422 `contact_required`")] | None = None


class ReceiptOut(msgspec.Struct):
    receipt: str
    submitted_at: datetime
    verified: bool
    duplicate: bool
    case: Annotated[bool, msgspec.Meta(
        description="the response opened a complaint case (a low rating given with a "
        "contact and consent): the citizen follows it at `tracking`")] = False
    tracking: Annotated[str, msgspec.Meta(
        description="the citizen's tracking page of the case (`/lacak?r=RECEIPT`)")] | None = None
    contact_kept: Annotated[bool, msgspec.Meta(
        description="the contact given with consent is stored: only with a case, or with a "
        "comment that may still open one; otherwise it is not stored at all")] = False


def error(
    status: int, code: str, message: str, fields: list[FieldProblem] | None = None
) -> Response[ErrorOut]:
    return Response(ErrorOut(error=code, message=message, fields=fields or []), status_code=status)


def invalid_parameter(request: Request, name: str, pattern: str) -> Response[ErrorOut]:
    """The 400 of a value that does not match its documented pattern as a whole (Litestar
    checks patterns with re.search, where "$" also matches before a final newline)."""
    _ = i18n.gettext(api_lang(request))
    return error(HTTP_400_BAD_REQUEST, "invalid_body", _(messages.BAD_REQUEST),
                 [FieldProblem(name, "invalid", f"must match {pattern}")])


def api_lang(request: Request, body_lang: str | None = None) -> str:
    return (
        body_lang
        if body_lang in i18n.LANGS
        else i18n.from_accept_language(request.headers.get("accept-language"))
    )


async def require_json(request: Request) -> Response[ErrorOut] | None:
    """Only `Content-Type: application/json` bodies are read: a form or text/plain body is
    what any web page can send cross-site without a CORS preflight."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json":
        return None
    _ = i18n.gettext(api_lang(request))
    return error(HTTP_415_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                 _("Send the body as JSON with the header Content-Type: application/json."))


async def _followup(receipt: str) -> tuple[bool, bool]:
    """Case and kept contact of an already stored response (a resubmission)."""
    found = await opening.followup_of(receipt)
    return (found.case, found.contact_kept) if found is not None else (False, False)


def key_is_valid(data: ResponseIn) -> bool:
    """The idempotency key, if given, matches IDEMPOTENCY_KEY as a whole."""
    return data.idempotency_key is None or re.fullmatch(IDEMPOTENCY_KEY,
                                                        data.idempotency_key) is not None


def submission_of(request: Request, data: ResponseIn) -> submission.Submission:
    """The submission a JSON body makes (the handler's and the front's one reading)."""
    settings: Settings = request.app.state.settings
    return submission.Submission(
        counter=data.counter, answers=data.answers, service=data.service,
        profile={"gender": data.gender, "age_band": data.age_band,
                 "education": data.education, "occupation": data.occupation},
        comment=data.comment, channel=data.channel, lang=api_lang(request, data.lang),
        submission_key=data.idempotency_key or secrets.token_urlsafe(18),
        token=data.token, device_key=device_key(request, settings, data.device_id),
        rate_key=network_key(request, settings),
        contact=data.contact, consent=data.consent,
    )


def receipt_out(r: Receipt, case: bool, contact_kept: bool) -> ReceiptOut:
    return ReceiptOut(r.receipt, r.submitted_at, r.verified, r.duplicate, case=case,
                      tracking=opening.tracking_path(r.receipt) if case else None,
                      contact_kept=contact_kept)


class ApiController(Controller):
    path = "/api/v1"
    tags = ["v1"]

    @get("/units", summary="Public directory of agencies, units, counters and citizen URLs",
         responses=error_responses({HTTP_503_SERVICE_UNAVAILABLE: UNAVAILABLE}),
         operation_class=documented())
    async def units(self, request: Request) -> directory.Directory:
        return await directory.load(request.app.state.settings.public_url)

    @post(
        "/responses",
        summary="Submit a response",
        description=(
            "Stores one response. The outcome decides the status, the same as on the citizen "
            "form: 201 stored; 200 already stored under this `idempotency_key` "
            "(`duplicate: true`, the first receipt); 404 unknown counter; 409 a clash while "
            "storing (send again with the same `idempotency_key`); 422 invalid answers "
            "(`fields` says which) or a refused ticket token (`error` is the token's code); "
            "429 the device rated this counter within the device interval (`too_soon`; only "
            "counters configured as kiosks are exempt, whatever `channel` says) or too many "
            "submissions from the network (`rate_limited`), with `Retry-After` in seconds; "
            "503 the database cannot be reached right now (`unavailable`, with `Retry-After`): "
            "nothing was acknowledged, send the same body with the same `idempotency_key` "
            "again later and it is stored once. "
            "The body must be sent with `Content-Type: application/json` (else 415)."
        ),
        status_code=HTTP_201_CREATED,
        before_request=require_json,
        responses={
            HTTP_201_CREATED: ResponseSpec(ReceiptOut, description="Stored",
                                           generate_examples=False),
            HTTP_200_OK: ResponseSpec(ReceiptOut, description="Already stored (duplicate)",
                                      generate_examples=False),
            **error_responses({
                HTTP_400_BAD_REQUEST: BAD_REQUEST + ": the body is not JSON, misses `counter` "
                "or `answers`, has a field of the wrong type or length, or an unknown field",
                HTTP_404_NOT_FOUND: "Unknown counter (`unknown_counter`)",
                HTTP_409_CONFLICT: "A clash while storing (`conflict`); send again with the "
                "same `idempotency_key`",
                HTTP_413_REQUEST_ENTITY_TOO_LARGE: "The body is larger than 32 KiB (`too_large`)",
                HTTP_415_UNSUPPORTED_MEDIA_TYPE: "The body is not sent as application/json "
                "(`unsupported_media_type`)",
                HTTP_422_UNPROCESSABLE_ENTITY: "Invalid answers (`invalid_response`, `fields` "
                "says which, `contact` and `consent` included), or a refused ticket token "
                "(`error` is the token's code)",
                HTTP_429_TOO_MANY_REQUESTS: "Device interval (`too_soon`) or network rate "
                "limit (`rate_limited`)",
                HTTP_503_SERVICE_UNAVAILABLE: UNAVAILABLE + "; send the same body with the "
                "same `idempotency_key`: it is stored once",
            }),
        },
        operation_class=documented(),
    )
    async def submit(
        self,
        request: Request,
        data: Annotated[ResponseIn, Body(media_type=RequestEncodingType.JSON,
                                         schema_extra={"additional_properties": False})],
    ) -> Response[ReceiptOut | ErrorOut]:
        if not key_is_valid(data):
            return invalid_parameter(request, "idempotency_key", IDEMPOTENCY_KEY)
        sub, outcome = await submitting.decide(request, lambda: submission_of(request, data))
        _ = i18n.gettext(sub.lang)
        status, message_id = outcomes.status_of(outcome)
        if isinstance(outcome, outcomes.Stored):
            return Response(receipt_out(outcome.receipt, outcome.case, outcome.contact_kept),
                            status_code=status)
        if isinstance(outcome, outcomes.Duplicate):
            r = outcome.receipt
            return Response(receipt_out(r, *await _followup(r.receipt)), status_code=status)
        problems = [
            FieldProblem(e.field, e.code, messages.field_message(
                _, e.code,
                min_answered() if e.field == "answers"
                else skm.MAX_COMMENT_CHARS if e.field == "comment" else None))
            for e in (outcome.errors if isinstance(outcome, outcomes.Invalid) else ())
        ]
        wait = outcomes.retry_after(outcome)
        return Response(
            ErrorOut(error=message_id,
                     message=messages.outcome_message(_, message_id, wait), fields=problems),
            status_code=status,
            headers={"Retry-After": str(wait)} if wait is not None else None,
        )
