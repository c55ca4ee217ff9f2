"""GET /api/v1/scores: the performance index of every unit for a period (SCORING.md §5),
computed from the daily aggregates. Results are cached for a minute per worker: the bootstrap is
the expensive part and a minute-old ranking is as good as a fresh one."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.params import QueryParameter

from app import i18n
from app.web import messages
from app.web.api import ErrorOut, api_lang, error
from app.web.clients import network_key
from app.web.score_structs import ScoresOut, to_struct
from feedback.engine import transaction
from feedback.performance import periods
from feedback.performance.scores import score_period
from feedback.survey import limits
from scoring.inputs import Parameters

CACHE_SECONDS = 60.0
MAX_DRAWS = 10_000


COMPUTATIONS_PER_MINUTE = 10


async def _computation_allowed(request: Request) -> bool:
    engine = request.app.state.engine
    key = "scores:" + network_key(request, request.app.state.settings)
    async with transaction(engine):
        hits = await limits.rate_hits({key: 1}, datetime.now(UTC), 60)
    return hits[key] <= COMPUTATIONS_PER_MINUTE


class ScoresController(Controller):
    path = "/api/v1/scores"
    tags = ["v1"]

    @get(summary="Performance index, ranks with intervals and funnel bands for a period",
         description="Either `period` (2026, 2026-S1, 2026-Q3, 2026-03) or `from` and `to` "
         "(WITA days, YYYY-MM-DD; a custom range has no KPI values, so the index is "
         "satisfaction only). The JSON is SCORING.md section 5 plus `period`.")
    async def scores(
        self,
        request: Request,
        period: Annotated[str | None, QueryParameter(description="period key")] = None,
        date_from: Annotated[str | None, QueryParameter(name="from")] = None,
        date_to: Annotated[str | None, QueryParameter(name="to")] = None,
        seed: Annotated[int, QueryParameter(ge=0)] = 0,
        draws: Annotated[int, QueryParameter(ge=0, le=MAX_DRAWS)] = 2000,
        w_satisfaction: Annotated[float, QueryParameter(ge=0, le=1)] = 0.5,
    ) -> Response[ScoresOut | ErrorOut]:
        _ = i18n.gettext(api_lang(request))
        try:
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
        params = Parameters(w_satisfaction=w_satisfaction, seed=seed, draws=draws)
        key = (chosen.key, seed, draws, w_satisfaction)
        cache: dict[tuple[Any, ...], tuple[float, ScoresOut]] = request.app.state.score_cache
        hit = cache.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return Response(hit[1])
        # A fresh computation costs up to a few seconds of CPU: limit them per network.
        if not await _computation_allowed(request):
            return error(429, "rate_limited", _(messages.RATE_LIMITED))
        result = to_struct(await score_period(chosen, params))
        cache[key] = (time.monotonic(), result)
        return Response(result)

