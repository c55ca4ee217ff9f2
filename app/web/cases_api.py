"""GET /api/v1/cases/{receipt}: the citizen's tracking of a complaint as JSON. The receipt is
the capability; the body holds nothing personal (see `feedback.cases.tracking`). Lookups of
codes without a case are limited per network with the tracking page (`feedback.cases.lookups`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, get
from litestar.openapi import ResponseSpec
from litestar.params import PathParameter

from app import i18n
from app.web.api import api_lang, error
from app.web.apidoc import UNAVAILABLE, ErrorOut, documented, error_responses
from app.web.clients import network_key
from feedback.cases import lookups
from feedback.cases.tracking import CaseView, case_view

# ABCD-EF23 or abcdef23 (the receipt alphabet has no 0, 1, I or O; checked in the handler).
RECEIPT = r"^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$"


class AnswerOut(msgspec.Struct):
    """The citizen's answer to a reply (masked like comments)."""

    at: datetime
    text: str


class ReplyOut(msgspec.Struct):
    """A reply of the unit, and the citizen's answer to it (null while unanswered)."""

    id: int
    at: datetime
    text: str
    answer: AnswerOut | None


class CaseOut(msgspec.Struct):
    """A complaint as its citizen follows it. `status`: open (received, to be verified),
    verified (being followed up), answered (the unit replied; the citizen may answer),
    closed. `verify_due` and `follow_up_due` are WITA days (a deadline is the end of its
    day); `follow_up_due` is null when no follow-up is owed. Exactly these fields (the
    public contract); the outcome of a closed case and the automatic-closing day are on
    the tracking page."""

    status: Literal["open", "verified", "answered", "closed"]
    opened: datetime
    verify_due: date
    follow_up_due: date | None
    replies: list[ReplyOut]


def case_out(view: CaseView) -> CaseOut:
    return CaseOut(
        status=view.status,  # type: ignore[arg-type]
        opened=view.opened_at, verify_due=view.verify_due, follow_up_due=view.follow_up_due,
        replies=[ReplyOut(r.id, r.at, r.text,
                          AnswerOut(r.answer.at, r.answer.text) if r.answer else None)
                 for r in view.replies],
    )


class CasesController(Controller):
    path = "/api/v1/cases"
    tags = ["v1"]

    @get(
        "/{receipt:str}",
        summary="A complaint's status, dates and replies, by its receipt code",
        description=(
            "The complaint (case) opened from a rating, as its citizen follows it on "
            "`/lacak?r=RECEIPT`: status, when it was opened, the verification and follow-up "
            "deadlines (WITA days), and the unit's replies with the citizen's answer to "
            "each. The receipt code (`ABCD-EF23` or `abcdef23`) is the capability: nothing "
            "personal is returned (no contact, no comment, no staff names). 404 "
            "`unknown_case` when the code has no case. Lookups of codes without a case are "
            f"limited to {lookups.MISSES_PER_HOUR} an hour per network; then every lookup "
            "from that network is 429 `rate_limited` with `Retry-After` (seconds) until the "
            "hour ends."
        ),
        responses={
            200: ResponseSpec(CaseOut, description="The case", generate_examples=False),
            **error_responses({
                404: "No case for this receipt code, or a code not written like one "
                "(`unknown_case`)",
                429: "Too many lookups of codes without a case from this network "
                "(`rate_limited`)",
                503: UNAVAILABLE,
            }),
        },
        operation_class=documented({"receipt": {"pattern": RECEIPT}}),
    )
    async def case(
        self,
        request: Request,
        receipt: Annotated[str, PathParameter(description="The receipt code, e.g. ABCD-EF23")],
    ) -> Response[CaseOut | ErrorOut]:
        _ = i18n.gettext(api_lang(request))
        network = network_key(request, request.app.state.settings)
        now = datetime.now(UTC)
        wait = await lookups.wait_seconds(network, now, lookups.MISSES_PER_HOUR)
        if wait:
            refused = error(429, "rate_limited",
                            _("Too many codes without a complaint were looked up from this "
                              "network. Please try again in %(minutes)s minutes.",
                              minutes=max(1, -(-wait // 60))))
            refused.headers["Retry-After"] = str(wait)
            return refused
        # A code not even written like a receipt has no case either: 404 as for any code
        # without one (and counted as a miss), with the format in the message.
        view = await case_view(receipt) if re.fullmatch(RECEIPT, receipt) else None
        if view is None:
            await lookups.count_miss(network, now)
            return error(404, "unknown_case", _("No complaint was found for this receipt "
                                                "code. A receipt code has 8 letters and "
                                                "digits, for example ABCD-EF23."))
        return Response(case_out(view), headers={"Cache-Control": "private, no-store"})
