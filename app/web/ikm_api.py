"""JSON API v1: the live official IKM of a unit over a calendar period, and the rules of
the public calendar periods the other public figures share (`whole_months`,
`figures_shown`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from app import i18n
from app.settings import Settings
from app.web.api import api_lang, error
from app.web.apidoc import UNAVAILABLE, ErrorOut, documented, error_responses
from feedback.aggregates.daily import unit_period_counts
from feedback.aggregates.groups import unit_month_counts
from feedback.clock import wita_day
from feedback.org import directory
from feedback.performance import periods
from scoring.ikm import ELEMENTS, GRADE_LABELS, official_ikm


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
    # True when a month of the period has 1 to min_group - 1 counted responses: the IKM,
    # grade and element figures are then null, so that no one's answers can be read.
    suppressed: bool = False
    min_group: int = 10


# The documented patterns of period keys and days, checked whole (re.fullmatch: ASCII digits
# only, no surrounding spaces or final newline, which periods.parse and date.fromisoformat
# would let through).
PERIOD = r"^[0-9]{4}(-(S[12]|Q[1-4]|0[1-9]|1[0-2]))?$"
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DAY_OR_EMPTY = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"


def figures_shown(month_counts: Iterable[int], min_group: int) -> bool:
    """Whether a period's figures may be published: it has responses, and each of its
    months has none or at least `min_group`. Then two periods that both show figures differ
    by no response or by at least `min_group` (each is a union of whole months)."""
    counts = list(month_counts)
    return sum(counts) > 0 and all(n == 0 or n >= min_group for n in counts)


def calendar_period(period: str | None, date_from: str | None, date_to: str | None,
                     today: date, _: Callable[..., str]) -> tuple[date, date] | Response[ErrorOut]:
    """The first and last day asked for, when they make a calendar period: a period key, or
    from/to on month boundaries (`to` may be today: a running period). Else a 400 answer."""
    if period is not None:
        if date_from or date_to:
            return error(HTTP_400_BAD_REQUEST, "invalid_period",
                         _("Give either a period or from/to, not both."))
        try:
            if not re.fullmatch(PERIOD, period):
                raise ValueError(period)
            chosen = periods.parse(period)
        except ValueError:
            return error(HTTP_400_BAD_REQUEST, "invalid_period",
                         _("Unknown period. Use 2026, 2026-S1, 2026-Q3, 2026-03 or from/to dates "
                           "written as YYYY-MM-DD."))
        return chosen.first, chosen.last
    try:
        if not all(re.fullmatch(DAY_OR_EMPTY, d) for d in (date_from or "", date_to or "")):
            raise ValueError((date_from, date_to))
        last = date.fromisoformat(date_to) if date_to else today
        first = date.fromisoformat(date_from) if date_from else date(last.year, 1, 1)
    except ValueError:
        return error(HTTP_400_BAD_REQUEST, "invalid_date",
                     _("Dates must be written as YYYY-MM-DD."))
    if first > last:
        return error(HTTP_400_BAD_REQUEST, "invalid_period",
                     _("The start date must not be after the end date."))
    if not whole_months(first, last, today):
        return not_whole_months(_)
    return first, last


def whole_months(first: date, last: date, today: date) -> bool:
    """A public range of days covers whole months: from the 1st to the last day of a month,
    or to today (a running period)."""
    return first.day == 1 and ((last + timedelta(days=1)).day == 1 or last == today)


def not_whole_months(_: Callable[..., str]) -> Response[ErrorOut]:
    return error(HTTP_400_BAD_REQUEST, "not_whole_months",
                 _("Only whole months can be asked for: from the first day of a month to "
                   "the last day of a month (or today). Single days are not published, "
                   "so that no one's answers can be worked out."))


class IkmController(Controller):
    path = "/api/v1"
    tags = ["v1"]

    @get(
        "/units/{unit:str}/ikm",
        summary="Live official IKM of a unit over a calendar period",
        description=(
            "The official IKM (PermenPANRB 14/2017), grade, n and element NRRs of a unit over "
            "a calendar period: `period` (a year `2026`, semester `2026-S1`, quarter "
            "`2026-Q2` or month `2026-03`), or `from`/`to` covering whole months (`from` the "
            "first day of a month, `to` the last day of a month or today for a running "
            "period); default: this year to date (WITA). Day ranges that do not cover whole "
            "months are refused (400 `not_whole_months`), so that overlapping ranges cannot "
            "be subtracted to isolate one person's answers. When a month of the period has "
            "between 1 and `min_group` − 1 counted responses (`min_group`: SUARA_MIN_GROUP, "
            "default 10), `n` is shown but the IKM, grade and element figures are null "
            "(`suppressed: true`): two periods with figures then always differ by no "
            "response or by at least `min_group`."
        ),
        responses={
            HTTP_200_OK: ResponseSpec(IkmOut, description="The unit's IKM over the period",
                                      generate_examples=False),
            **error_responses({
                HTTP_400_BAD_REQUEST: "Malformed date or period (`invalid_date`, "
                "`invalid_period`), a range that is not whole months (`not_whole_months`), or "
                "a parameter that does not match this document (`invalid_body`)",
                HTTP_404_NOT_FOUND: "Unknown unit (`unknown_unit`)",
                HTTP_503_SERVICE_UNAVAILABLE: UNAVAILABLE,
            }),
        },
        operation_class=documented({
            "period": {"pattern": PERIOD},
            "from": {"pattern": DAY_OR_EMPTY},
            "to": {"pattern": DAY_OR_EMPTY},
            "round": {"minimum": 0, "maximum": 6},
        }),
    )
    async def ikm(
        self,
        request: Request,
        unit: FromPath[str],
        period: Annotated[
            str | None,
            QueryParameter(description="A calendar period: 2026, 2026-S1, 2026-Q2 or 2026-03 "
                           "(not with from/to)"),
        ] = None,
        date_from: Annotated[
            str | None,
            QueryParameter(
                name="from",
                description="First WITA day, YYYY-MM-DD, the first day of a month (default: "
                "1 January of the `to` year)",
            ),
        ] = None,
        date_to: Annotated[
            str | None,
            QueryParameter(name="to", description="Last WITA day, YYYY-MM-DD: the last day "
                           "of a month, or today (default: today)"),
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
        settings: Settings = request.app.state.settings
        today = wita_day(datetime.now(UTC))
        chosen = calendar_period(period, date_from, date_to, today, _)
        if isinstance(chosen, Response):
            return chosen
        first, last = chosen
        found = await directory.unit_by_code(unit)
        if found is None:
            return error(HTTP_404_NOT_FOUND, "unknown_unit", _("Unit not found."))
        counts = await unit_period_counts(found["id"], first, last)
        result = official_ikm(counts.element_counts, counts.n, weight=weight,
                              round_decimals=round_to)
        # Figures only when every month of the period has no response or at least
        # `min_group`: then two periods that both show figures differ by no response or by
        # at least `min_group` (any period is a union of whole months), so subtracting one
        # from another never isolates a small group.
        months = await unit_month_counts([found["id"]], first, last)
        shown = figures_shown((m.n for m in months.values()), settings.min_group)
        return Response(
            IkmOut(
                unit=found["code"],
                name=found["name"],
                period_from=first,
                period_to=last,
                n=result.n,
                ikm=result.ikm if shown else None,
                grade=result.grade if shown else None,
                grade_label=GRADE_LABELS.get(result.grade) if shown and result.grade else None,
                weight=weight,
                rounding=round_to,
                suppressed=not shown,
                min_group=settings.min_group,
                elements={
                    e: ElementOut(result.elements[e].nrr, result.elements[e].ikm) if shown
                    else ElementOut(None, None)
                    for e in ELEMENTS
                },
            )
        )
