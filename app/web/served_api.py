"""POST /api/v1/counters/{code}/served: a queue system reports how many transactions its
counter served in a WITA clock hour (feedback.integrity.served), with the counter's API key
(`suara served key CODE`) as `Authorization: Bearer KEY`. The integrity screening compares
the count with the ratings of that hour (`above_served`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, post
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from app import i18n
from app.web import messages
from app.web.api import api_lang, error, require_json
from app.web.apidoc import BAD_REQUEST, UNAVAILABLE, ErrorOut, documented, error_responses
from app.web.messages import N_
from feedback.clock import WITA
from feedback.engine import is_integrity_error
from feedback.integrity import served as served_counts

# An ISO 8601 hour: date, T, hour, :00 (seconds :00 optional), an offset or Z (none: WITA).
HOUR = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:00(:00)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
_BEARER = re.compile(r"Bearer ([0-9a-f]{40})", re.IGNORECASE)

NO_KEY = N_("Send the counter's API key in the header Authorization: Bearer KEY.")
BAD_HOUR = N_("The hour must be the start of an hour in ISO 8601 (without an offset: WITA) "
              "and not in the future, e.g. 2026-11-30T09:00:00+08:00.")
CLASH = N_("The count could not be saved because of a clash. Please send it again.")


class ServedIn(msgspec.Struct, forbid_unknown_fields=True):
    """Transactions served by the counter in one WITA clock hour. Sent again for the same
    hour, the new count replaces the earlier one."""

    hour: Annotated[str, msgspec.Meta(
        pattern=HOUR, description="start of the hour, ISO 8601, e.g. 2026-11-30T09:00:00+08:00 "
        "(without an offset: WITA); not in the future (else 422 `invalid_hour`)")]
    served: Annotated[int, msgspec.Meta(ge=0, le=served_counts.MAX_SERVED)]


class ServedOut(msgspec.Struct):
    counter: str
    hour: datetime  # start of the WITA hour, with the +08:00 offset
    served: int
    replaced: bool  # an earlier count of this hour was replaced


class ServedController(Controller):
    path = "/api/v1/counters"
    tags = ["v1"]

    @post(
        "/{code:str}/served",
        summary="Report the transactions a counter served in an hour (queue systems)",
        description=(
            "Stores the number of transactions the counter served in one WITA clock hour; "
            "the integrity screening compares it with the ratings of that hour. "
            "Authenticated with the counter's API key (printed by `suara served key CODE`) "
            "as `Authorization: Bearer KEY`: 401 `unauthorized` without it or with a wrong "
            "one. 200 stored (`replaced: true` when it replaced an earlier count of the "
            "hour); 404 unknown counter; 409 a clash with a simultaneous report (send "
            "again); 422 `invalid_hour` (not the start of an hour, or in the future); "
            "503 the database cannot be reached right now. The body must be sent with "
            "`Content-Type: application/json` (else 415)."),
        status_code=HTTP_200_OK,
        before_request=require_json,
        responses={
            HTTP_200_OK: ResponseSpec(ServedOut, description="Stored",
                                      generate_examples=False),
            **error_responses({
                HTTP_400_BAD_REQUEST: BAD_REQUEST,
                HTTP_401_UNAUTHORIZED: "No API key, or not this counter's (`unauthorized`)",
                HTTP_404_NOT_FOUND: "Unknown counter (`unknown_counter`)",
                HTTP_409_CONFLICT: "A clash with a simultaneous report (`conflict`); send "
                "again",
                HTTP_415_UNSUPPORTED_MEDIA_TYPE: "The body is not sent as application/json "
                "(`unsupported_media_type`)",
                HTTP_422_UNPROCESSABLE_ENTITY: "Not the start of an hour, or in the future "
                "(`invalid_hour`)",
                HTTP_503_SERVICE_UNAVAILABLE: UNAVAILABLE,
            }),
        },
        operation_class=documented(),
    )
    async def served(
        self,
        request: Request,
        code: FromPath[str],
        data: Annotated[ServedIn, Body(media_type=RequestEncodingType.JSON,
                                       schema_extra={"additional_properties": False})],
    ) -> Response[ServedOut | ErrorOut]:
        _ = i18n.gettext(api_lang(request))
        counter = await served_counts.counter_for_key(code)
        if counter is None:
            return error(HTTP_404_NOT_FOUND, "unknown_counter", _(messages.NOT_FOUND_TITLE))
        given = _BEARER.fullmatch(request.headers.get("authorization", "").strip())
        if given is None or not served_counts.key_matches(counter["secret"], counter["code"],
                                                          given.group(1).lower()):
            return Response(
                ErrorOut(error="unauthorized", message=_(NO_KEY)),
                status_code=HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": 'Bearer realm="suara"'})
        now = datetime.now(UTC)
        hour = (served_counts.parse_hour(data.hour, now)
                if re.fullmatch(HOUR, data.hour) else "pattern")
        if isinstance(hour, str):
            return error(HTTP_422_UNPROCESSABLE_ENTITY, "invalid_hour", _(BAD_HOUR))
        try:
            replaced = await served_counts.store_served(counter["id"], hour, data.served,
                                                        source="api", now=now)
        except Exception as exc:
            if not is_integrity_error(exc):
                raise
            return error(HTTP_409_CONFLICT, "conflict", _(CLASH))
        return Response(ServedOut(counter=counter["code"], hour=hour.astimezone(WITA),
                                  served=data.served, replaced=replaced))
