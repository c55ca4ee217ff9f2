"""GET /api/v1/scores: the performance index of every unit for a period (SCORING.md §5),
computed from the daily aggregates. Results are cached for a minute per worker (at most
`CACHE_SIZE` parameter sets): the bootstrap is the expensive part and a minute-old ranking is
as good as a fresh one."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from cachetools import TTLCache
from litestar import Controller, Request, Response, get
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter

from app import i18n
from app.web.api import api_lang, error
from app.web.apidoc import UNAVAILABLE, ErrorOut, documented, error_responses
from app.web.clients import network_key
from app.web.ikm_api import DAY, PERIOD, not_whole_months, whole_months
from feedback.clock import wita_day
from feedback.engine import transaction
from feedback.performance import periods
from feedback.performance.scores import score_period
from feedback.survey import limits
from feedback.tables import UnitDayStats
from scoring.inputs import Parameters
from scoring.result import ScoreResult

CACHE_SECONDS = 60.0
CACHE_SIZE = 32  # parameter sets kept per worker (a city's result is a few hundred KB)
MAX_DRAWS = 10_000


COMPUTATIONS_PER_MINUTE = 10
_WINDOW = 60  # seconds
_NO_DATA = None  # cached for a period without any response


def new_score_cache() -> TTLCache[tuple[Any, ...], Any]:
    """The per-worker cache of results, bounded in size and age."""
    return TTLCache(CACHE_SIZE, CACHE_SECONDS)


async def _computation_wait(request: Request) -> int:
    """0 when this network may start a fresh computation now, else the seconds until it may."""
    engine = request.app.state.engine
    key = "scores:" + network_key(request, request.app.state.settings)
    now = datetime.now(UTC)
    async with transaction(engine):
        hits = await limits.rate_hits({key: 1}, now, _WINDOW)
    if hits[key] <= COMPUTATIONS_PER_MINUTE:
        return 0
    return _WINDOW - int(now.timestamp()) % _WINDOW


async def _has_data(chosen: periods.Period) -> bool:
    return await UnitDayStats.exists().where(
        (UnitDayStats.day >= chosen.first) & (UnitDayStats.day <= chosen.last)
    )


def _no_data(_: Any, chosen: periods.Period) -> Response[ErrorOut]:
    return error(404, "no_data", _("No responses were recorded between %(first)s and "
                                   "%(last)s.", first=chosen.first.isoformat(),
                                   last=chosen.last.isoformat()))


class ScoresController(Controller):
    path = "/api/v1/scores"
    tags = ["v1"]

    @get(summary="Performance index, ranks with intervals and funnel bands for a period",
         description="Either `period` (2026, 2026-S1, 2026-Q3, 2026-03) or `from` and `to` "
         "(WITA days, YYYY-MM-DD, covering whole months: `from` the first day of a month, `to` "
         "the last day of a month or today, else 400 `not_whole_months`, so that single days "
         "cannot isolate one person's answers; a custom range has no KPI values, so the index is "
         "satisfaction only). The JSON is SCORING.md section 5 plus `period`, every field "
         "documented in the ScoreResult schema (unit `status`: not_scored, provisional, "
         "unranked_no_kpi or ranked). "
         "A period that has not started yet is 422 `period_not_started`; a period without "
         "any response is 404 `no_data`. Results are cached for a minute; each network may "
         "start at most 10 fresh computations a minute, then gets 429 `rate_limited` with "
         "`Retry-After` (seconds).",
         responses={
             200: ResponseSpec(ScoreResult, description="The scores of the period",
                               generate_examples=False),
             **error_responses({
                 400: "Neither a period nor both `from` and `to` (`missing_period`), a "
                 "malformed period or date or `from` after `to` (`invalid_period`), a range "
                 "that is not whole months (`not_whole_months`), or a "
                 "parameter that does not match this document (`invalid_body`)",
                 404: "No response in the period (`no_data`)",
                 422: "The period has not started (`period_not_started`)",
                 429: "Too many fresh computations from this network (`rate_limited`)",
                 503: UNAVAILABLE,
             }),
         },
         operation_class=documented({
             "period": {"pattern": PERIOD},
             "from": {"pattern": DAY},
             "to": {"pattern": DAY},
         }))
    async def scores(
        self,
        request: Request,
        period: Annotated[str | None, QueryParameter(description="period key")] = None,
        date_from: Annotated[str | None, QueryParameter(name="from")] = None,
        date_to: Annotated[str | None, QueryParameter(name="to")] = None,
        seed: Annotated[int, QueryParameter(ge=0)] = 0,
        draws: Annotated[int, QueryParameter(ge=0, le=MAX_DRAWS)] = 2000,
        w_satisfaction: Annotated[float, QueryParameter(ge=0, le=1)] = 0.5,
    ) -> Response[ScoreResult | ErrorOut]:
        _ = i18n.gettext(api_lang(request))
        try:
            if any(value is not None and not re.fullmatch(pattern, value) for value, pattern in
                   ((period, PERIOD), (date_from, DAY), (date_to, DAY))):
                raise ValueError("not the documented pattern")
            if period:
                chosen = periods.parse(period)
            elif date_from and date_to:
                chosen = periods.custom(date.fromisoformat(date_from), date.fromisoformat(date_to))
            else:
                return error(400, "missing_period",
                             _("Give a period (e.g. 2026-S1) or both from and to dates."))
        except ValueError:
            return error(400, "invalid_period",
                         _("Unknown period. Use 2026, 2026-S1, 2026-Q3, 2026-03 or from/to "
                           "dates written as YYYY-MM-DD."))
        today = wita_day(datetime.now(UTC))
        if not period and not whole_months(chosen.first, chosen.last, today):
            return not_whole_months(_)  # single days could isolate one person's answers
        if chosen.first > today:
            return error(422, "period_not_started",
                         _("The period %(period)s has not started yet: it begins on %(first)s.",
                           period=chosen.key, first=chosen.first.isoformat()))
        params = Parameters(w_satisfaction=w_satisfaction, seed=seed, draws=draws)
        key = (chosen.key, seed, draws, w_satisfaction)
        cache: TTLCache[tuple[Any, ...], Any] = request.app.state.score_cache
        if key in cache:
            hit = cache[key]
            return _no_data(_, chosen) if hit is _NO_DATA else Response(hit)
        if not await _has_data(chosen):
            cache[key] = _NO_DATA
            return _no_data(_, chosen)
        # A fresh computation costs up to a few seconds of CPU: limit them per network.
        wait = await _computation_wait(request)
        if wait:
            refused = error(429, "rate_limited",
                            _("Too many score computations from this network. Please try "
                              "again in %(seconds)s seconds.", seconds=wait))
            refused.headers["Retry-After"] = str(wait)
            return refused
        result = await score_period(chosen, params)
        cache[key] = result
        return Response(result)

