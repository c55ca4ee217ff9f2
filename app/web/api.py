"""JSON API v1: public directory, response submission, live official IKM."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)

from app import i18n
from app.settings import Settings
from app.web import messages
from app.web.clients import device_key, network_key
from feedback.aggregates.daily import unit_period_counts
from feedback.clock import wita_day
from feedback.org import directory
from feedback.survey import outcomes, skm
from feedback.survey import submit as submission
from scoring.ikm import ELEMENTS, GRADE_LABELS, min_answered, official_ikm


class ResponseIn(msgspec.Struct, forbid_unknown_fields=True):
    """A response as JSON. Answers are keyed by SKM element code, each 1..4; at least 7 of
    the 9 must be given. `idempotency_key` makes retries safe: the same key never stores
    twice and returns the first receipt."""

    counter: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
    answers: dict[str, object]
    service: str | None = None
    gender: str | None = None
    age_band: str | None = None
    education: str | None = None
    occupation: str | None = None
    comment: str | None = None
    channel: Literal["qr", "kiosk", "web"] = "web"
    token: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    idempotency_key: (
        Annotated[str, msgspec.Meta(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
        | None
    ) = None
    device_id: Annotated[str, msgspec.Meta(max_length=128)] | None = None
    lang: Literal["id", "en"] | None = None


class ReceiptOut(msgspec.Struct):
    receipt: str
    submitted_at: datetime
    verified: bool
    duplicate: bool


class FieldProblem(msgspec.Struct):
    field: str
    code: str
    message: str


class ErrorOut(msgspec.Struct):
    error: str
    message: str
    fields: list[FieldProblem] = msgspec.field(default_factory=list)


class ElementOut(msgspec.Struct):
    nrr: float | None
    ikm: float | None


class IkmOut(msgspec.Struct):
    unit: str
    name: str
    period_from: date = msgspec.field(name="from")
    period_to: date = msgspec.field(name="to")
    n: int
    ikm: float | None
    grade: str | None
    grade_label: str | None
    weight: str
    rounding: int | None
    elements: dict[str, ElementOut]


def error(
    status: int, code: str, message: str, fields: list[FieldProblem] | None = None
) -> Response[ErrorOut]:
    return Response(ErrorOut(error=code, message=message, fields=fields or []), status_code=status)


def api_lang(request: Request, body_lang: str | None = None) -> str:
    return (
        body_lang
        if body_lang in i18n.LANGS
        else i18n.from_accept_language(request.headers.get("accept-language"))
    )


class ApiController(Controller):
    path = "/api/v1"
    tags = ["v1"]

    @get("/units", summary="Public directory of agencies, units, counters and citizen URLs")
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
            "submissions from the network (`rate_limited`), with `Retry-After` in seconds."
        ),
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_200_OK: ResponseSpec(ReceiptOut, description="Already stored (duplicate)"),
            HTTP_404_NOT_FOUND: ResponseSpec(ErrorOut, description="Unknown counter"),
            HTTP_409_CONFLICT: ResponseSpec(ErrorOut, description="A clash while storing; "
                                            "send again"),
            HTTP_422_UNPROCESSABLE_ENTITY: ResponseSpec(
                ErrorOut, description="Invalid answers, or a refused ticket token"),
            HTTP_429_TOO_MANY_REQUESTS: ResponseSpec(
                ErrorOut, description="Device interval (too_soon) or network rate limit "
                "(rate_limited); see Retry-After"),
        },
    )
    async def submit(
        self, request: Request, data: JSONBody[ResponseIn]
    ) -> Response[ReceiptOut | ErrorOut]:
        lang = api_lang(request, data.lang)
        _ = i18n.gettext(lang)
        settings: Settings = request.app.state.settings
        outcome = await submission.submit(
            submission.Submission(
                counter=data.counter, answers=data.answers, service=data.service,
                profile={"gender": data.gender, "age_band": data.age_band,
                         "education": data.education, "occupation": data.occupation},
                comment=data.comment, channel=data.channel, lang=lang,
                submission_key=data.idempotency_key or secrets.token_urlsafe(18),
                token=data.token, device_key=device_key(request, settings, data.device_id),
                rate_key=network_key(request, settings),
            ),
            request.app.state.writer.submit,
            datetime.now(UTC),
        )
        status, message_id = outcomes.status_of(outcome)
        if isinstance(outcome, outcomes.Stored | outcomes.Duplicate):
            r = outcome.receipt
            return Response(ReceiptOut(r.receipt, r.submitted_at, r.verified, r.duplicate),
                            status_code=status)
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

    @get("/units/{unit:str}/ikm", summary="Live official IKM of a unit over a period")
    async def ikm(
        self,
        request: Request,
        unit: FromPath[str],
        date_from: Annotated[
            str | None,
            QueryParameter(
                name="from",
                description="First WITA day, YYYY-MM-DD (default: 1 January of the `to` year)",
            ),
        ] = None,
        date_to: Annotated[
            str | None,
            QueryParameter(name="to", description="Last WITA day, YYYY-MM-DD (default: today)"),
        ] = None,
        weight: Annotated[
            Literal["exact", "0.111", "0.11"],
            QueryParameter(description="element weight: exactly 1/9 (default), or 0.111 / 0.11 "
                           "as some published reports compute"),
        ] = "exact",
        round_to: Annotated[
            int | None,
            QueryParameter(name="round", ge=0, le=6,
                           description="round each weighted NRR to this many decimals before "
                           "summing, as many published reports do"),
        ] = None,
    ) -> Response[IkmOut | ErrorOut]:
        _ = i18n.gettext(api_lang(request))
        try:
            last = (
                date.fromisoformat(date_to) if date_to else wita_day(datetime.now(UTC))
            )
            first = date.fromisoformat(date_from) if date_from else date(last.year, 1, 1)
        except ValueError:
            return error(
                HTTP_400_BAD_REQUEST, "invalid_date", _("Dates must be written as YYYY-MM-DD.")
            )
        if first > last:
            return error(
                HTTP_400_BAD_REQUEST,
                "invalid_period",
                _("The start date must not be after the end date."),
            )
        found = await directory.unit_by_code(unit)
        if found is None:
            return error(HTTP_404_NOT_FOUND, "unknown_unit", _("Unit not found."))
        counts = await unit_period_counts(found["id"], first, last)
        result = official_ikm(counts.element_counts, counts.n, weight=weight,
                              round_decimals=round_to)
        return Response(
            IkmOut(
                unit=found["code"],
                name=found["name"],
                period_from=first,
                period_to=last,
                n=result.n,
                ikm=result.ikm,
                grade=result.grade,
                grade_label=GRADE_LABELS.get(result.grade) if result.grade else None,
                weight=weight,
            rounding=round_to,
                elements={
                    e: ElementOut(result.elements[e].nrr, result.elements[e].ikm) for e in ELEMENTS
                },
            )
        )
