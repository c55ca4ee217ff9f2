"""The city view (`/staf/kota`, the mayor's office): agencies and units ranked by performance
index with their 95% rank intervals, the units that are not ranked and why, the funnel of the
official IKM against the number of responses, a what-if satisfaction weight, and a trend.

Every figure is read from the engine's `ScoreResult` for the period (the same result, from the
same cache, as the dashboards and GET /api/v1/scores); nothing is recomputed differently. The
two exceptions are stated where they happen: the funnel *curves* are drawn from the city's
fitted funnel (the *bands* of the units are the engine's), and the city IKM of the trend is
the pooled official IKM of every counted response of the period (see `city_ikm_by_period`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from feedback.performance.city_trend import Cache, TrendPoint, trend
from feedback.performance.dashboard_reads import period_result
from feedback.performance.periods import Period
from feedback.tables import Agency, Unit
from scoring.funnel import Z95, Z998
from scoring.inputs import Parameters
from scoring.result import ScoreResult, UnitScore

DEFAULT_WEIGHT = 0.5
WEIGHT_LOW, WEIGHT_HIGH, WEIGHT_STEP = 0.3, 0.7, 0.05
FUNNEL_CURVE_POINTS = 60  # points of each funnel limit curve


class UnknownFilter(LookupError):
    """An agency or peer group code that does not exist."""

    def __init__(self, kind: str, code: str) -> None:
        super().__init__(f"unknown {kind} {code!r}")
        self.kind = kind
        self.code = code


class BadWeight(ValueError):
    """A what-if weight that is malformed or outside 0.3–0.7 in steps of 0.05."""


def parse_weight(text: str | None) -> float:
    """The what-if satisfaction weight from a query value: empty means the default 0.5;
    otherwise a number 0.3–0.7 in steps of 0.05 (rounded to 2 decimals). Raises BadWeight."""
    text = (text or "").strip().replace(",", ".")
    if not text:
        return DEFAULT_WEIGHT
    try:
        value = float(text)
    except ValueError as exc:
        raise BadWeight(text) from exc
    if not math.isfinite(value) or not WEIGHT_LOW - 1e-9 <= value <= WEIGHT_HIGH + 1e-9:
        raise BadWeight(text)
    steps = value / WEIGHT_STEP
    if abs(steps - round(steps)) > 1e-6:
        raise BadWeight(text)
    return round(round(steps) * WEIGHT_STEP, 2)


def weight_choices() -> list[float]:
    count = round((WEIGHT_HIGH - WEIGHT_LOW) / WEIGHT_STEP)
    return [round(WEIGHT_LOW + i * WEIGHT_STEP, 2) for i in range(count + 1)]


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AgencyRow:
    code: str
    name: str
    index: float | None
    rank: int | None
    low: int | None  # 95% rank interval
    high: int | None
    median: int | None
    n_units: int


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    agency: str | None
    agency_name: str | None
    peer_group: str | None
    n: int
    status: str
    ikm: float | None
    grade: str | None
    mean: float | None  # ȳ_u, 1–4
    satisfaction: float | None
    kpi: float | None
    index: float | None
    rank: int | None
    low: int | None  # 95% rank interval
    median: int | None
    high: int | None
    range_low: int | None  # sensitivity rank range
    range_high: int | None
    funnel: str | None  # the engine's band
    whatif_rank: int | None = None  # rank with the what-if weight
    move: int | None = None  # rank − what-if rank: > 0 moves up, < 0 down

    @property
    def funnel_ikm(self) -> float | None:
        """The funnel's y value on the IKM scale: 25 × ȳ_u (the IKM with exact weights)."""
        return None if self.mean is None else 25 * self.mean


@dataclass(frozen=True)
class ApartRow:
    """A unit that is not ranked, with why and how many more responses it needs."""

    unit: UnitRow
    reasons: tuple[str, ...]  # too_few_to_score, too_few_to_rank, low_reliability, no_targets
    to_score: int | None  # more responses to be scored (min_scored − n), when n < min_scored
    to_rank: int | None  # more responses to reach min_ranked, when n < min_ranked
    reliability: float | None
    for_reliability: int | None  # respondents a unit of its group needs for reliability 0.70
    for_reliability_more: int | None  # max(0, for_reliability − n)
    reliability_reason: str | None  # why for_reliability is None (engine's reason)


@dataclass(frozen=True)
class FunnelCurvePoint:
    n: float
    low95: float  # IKM scale: 25 × limit
    high95: float
    low998: float
    high998: float


@dataclass(frozen=True)
class Funnel:
    target: float  # 1–4 scale
    tau2: float
    sigma2_w: float
    points: tuple[UnitRow, ...]  # scored units (filtered)
    outside: tuple[UnitRow, ...]  # of those, the ones outside the 95% band
    curve: tuple[FunnelCurvePoint, ...]

    @property
    def target_ikm(self) -> float:
        return 25 * self.target


@dataclass(frozen=True)
class Option:
    code: str
    name: str


@dataclass(frozen=True)
class CityView:
    period: Period
    has_data: bool
    weight: float  # the what-if satisfaction weight (0.5 = the default ranking)
    w_kpi_used: float | None  # the engine's KPI weight (0 when no unit has targets)
    agency: str | None  # filters
    peer: str | None
    agency_options: tuple[Option, ...]
    peer_options: tuple[str, ...]
    n_units: int
    n_scored: int
    n_ranked: int
    n_ranked_agencies: int
    agencies: tuple[AgencyRow, ...]
    ranked: tuple[UnitRow, ...]
    apart: tuple[ApartRow, ...]
    funnel: Funnel | None
    mean_abs_rank_shift: float | None
    importance_satisfaction: float | None
    importance_kpi: float | None
    respondents_for_reliability: int | None
    respondents_for_reliability_reason: str | None
    trend: tuple[TrendPoint, ...] = field(default=())
    trend_kind: str = "quarter"  # quarter or month
    min_scored: int = 10
    min_ranked: int = 30
    reliability_target: float = 0.70


# ------------------------------------------------------------------------------------------
def unit_row(u: UnitScore, whatif: dict[str, int | None] | None = None) -> UnitRow:
    rr = u.rank_range
    whatif_rank = None if whatif is None else whatif.get(u.unit)
    move = None
    if whatif is not None and u.rank is not None and whatif_rank is not None:
        move = u.rank - whatif_rank
    return UnitRow(
        code=u.unit, name=u.name or u.unit, agency=u.agency, agency_name=u.agency_name,
        peer_group=u.peer_group, n=u.n, status=u.status, ikm=u.ikm, grade=u.grade,
        mean=u.mean, satisfaction=u.satisfaction, kpi=u.kpi, index=u.index, rank=u.rank,
        low=u.rank_interval.low, median=u.rank_interval.median, high=u.rank_interval.high,
        range_low=None if rr is None else rr.low, range_high=None if rr is None else rr.high,
        funnel=u.funnel, whatif_rank=whatif_rank, move=move)


def apart_row(u: UnitScore, result: ScoreResult) -> ApartRow:
    """Why a unit is not ranked (SCORING.md section 4) and the responses it still needs.

    The respondents needed for reliability 0.70 are those of the group the unit is shrunk
    toward (its peer group when that group is its own target, else the city): reliability is
    n / (n + m) with that group's prior size m, so that is the figure that applies to it."""
    params = result.parameters
    reasons: list[str] = []
    if u.n < params.min_scored:
        reasons.append("too_few_to_score")
    if u.n < params.min_ranked:
        reasons.append("too_few_to_rank")
    if u.reliability is not None and u.reliability < params.reliability_target:
        reasons.append("low_reliability")
    if u.status == "unranked_no_kpi":
        reasons.append("no_targets")
    group = result.city.peer_groups.get(u.shrinkage_target or "")
    need = result.city.respondents_for_reliability if group is None \
        else group.respondents_for_reliability
    why = result.city.respondents_for_reliability_reason if group is None \
        else group.respondents_for_reliability_reason
    return ApartRow(
        unit=unit_row(u), reasons=tuple(reasons),
        to_score=params.min_scored - u.n if u.n < params.min_scored else None,
        to_rank=params.min_ranked - u.n if u.n < params.min_ranked else None,
        reliability=u.reliability, for_reliability=need,
        for_reliability_more=None if need is None else max(0, need - u.n),
        reliability_reason=why)


def funnel_curve(target: float, tau2: float, sigma2_w: float, n_max: int,
                 n_min: int = 10, points: int = FUNNEL_CURVE_POINTS
                 ) -> tuple[FunnelCurvePoint, ...]:
    """The limits target ± z·√(v + τ²_f) with v = σ²_w / n (method suara-2026.2, SCORING.md
    section 4) at z = 1.959964 and 3.090232, over n from `n_min` to `n_max` (geometrically
    spaced), on the IKM scale (25 × the 1–4 scale)."""
    n_max = max(n_max, n_min + 1)
    ratio = (n_max / n_min) ** (1 / (points - 1))
    out = []
    for i in range(points):
        n = n_min * ratio**i
        half = math.sqrt(sigma2_w / n + tau2)
        out.append(FunnelCurvePoint(
            n=n, low95=25 * (target - Z95 * half), high95=25 * (target + Z95 * half),
            low998=25 * (target - Z998 * half), high998=25 * (target + Z998 * half)))
    return tuple(out)


def _keep(u: UnitScore, agency: str | None, peer: str | None) -> bool:
    return (agency is None or u.agency == agency) and (peer is None or u.peer_group == peer)


def build_view(period: Period, result: ScoreResult | None, *, weight: float = DEFAULT_WEIGHT,
               whatif: ScoreResult | None = None, agency: str | None = None,
               peer: str | None = None, agency_options: tuple[Option, ...] = (),
               peer_options: tuple[str, ...] = ()) -> CityView:
    """The view of a period's result (pure: no database). `whatif` is the result with the
    what-if weight (None at the default weight). Filters keep the city's ranks and their
    denominators; they only choose which rows are listed."""
    common = {"period": period, "weight": weight, "agency": agency, "peer": peer,
              "agency_options": agency_options, "peer_options": peer_options}
    if result is None:
        return CityView(**common, has_data=False, w_kpi_used=None, n_units=0, n_scored=0,
                        n_ranked=0, n_ranked_agencies=0, agencies=(), ranked=(), apart=(),
                        funnel=None, mean_abs_rank_shift=None, importance_satisfaction=None,
                        importance_kpi=None, respondents_for_reliability=None,
                        respondents_for_reliability_reason=None)
    moves = None if whatif is None else {u.unit: u.rank for u in whatif.units}
    kept = [u for u in result.units if _keep(u, agency, peer)]
    ranked = sorted((u for u in kept if u.status == "ranked"), key=lambda u: u.rank or 0)
    apart_order = {"unranked_no_kpi": 0, "provisional": 1, "not_scored": 2}
    apart = sorted((u for u in kept if u.status != "ranked"),
                   key=lambda u: (apart_order[u.status], -u.n, u.unit))
    agencies = [
        AgencyRow(code=a.agency or "", name=a.name or a.agency or "", index=a.index,
                  rank=a.rank, low=a.rank_interval.low, high=a.rank_interval.high,
                  median=a.rank_interval.median, n_units=a.n_units)
        for a in result.agencies if agency is None or a.agency == agency]
    agencies.sort(key=lambda a: (a.rank is None, a.rank or 0, a.name))
    city = result.city
    funnel = None
    if city.funnel.target is not None and city.funnel.tau2 is not None \
            and city.sigma2_w is not None:
        points = tuple(unit_row(u) for u in kept if u.funnel is not None)
        n_max = max((u.n for u in result.units if u.funnel is not None), default=10)
        funnel = Funnel(
            target=city.funnel.target, tau2=city.funnel.tau2, sigma2_w=city.sigma2_w,
            points=points,
            outside=tuple(sorted((p for p in points if p.funnel != "within"),
                                 key=lambda p: (_BAND_ORDER[p.funnel or "within"], p.name))),
            curve=funnel_curve(city.funnel.target, city.funnel.tau2, city.sigma2_w,
                               n_max, result.parameters.min_scored))
    return CityView(
        **common, has_data=True, w_kpi_used=result.parameters.w_kpi,
        n_units=city.n_units, n_scored=city.n_scored,
        n_ranked=city.n_ranked,
        n_ranked_agencies=sum(1 for a in result.agencies if a.rank is not None),
        agencies=tuple(agencies), ranked=tuple(unit_row(u, moves) for u in ranked),
        apart=tuple(apart_row(u, result) for u in apart), funnel=funnel,
        mean_abs_rank_shift=city.mean_abs_rank_shift,
        importance_satisfaction=city.effective_importance.satisfaction,
        importance_kpi=city.effective_importance.kpi,
        respondents_for_reliability=city.respondents_for_reliability,
        respondents_for_reliability_reason=city.respondents_for_reliability_reason,
        min_scored=result.parameters.min_scored, min_ranked=result.parameters.min_ranked,
        reliability_target=result.parameters.reliability_target)


_BAND_ORDER = {"below_99.8": 0, "below_95": 1, "above_95": 2, "above_99.8": 3, "within": 4}


async def filter_options() -> tuple[tuple[Option, ...], tuple[str, ...]]:
    """Every agency (by name) and every peer group (by code) of the organisation."""
    agencies = await Agency.select(Agency.code, Agency.name).order_by(Agency.name).run()
    peers = await Unit.select(Unit.peer_group).distinct().order_by(Unit.peer_group).run()
    return (tuple(Option(a["code"], a["name"]) for a in agencies),
            tuple(p["peer_group"] for p in peers if p["peer_group"]))


async def city_view(period: Period, *, cache: Cache | None, weight: float = DEFAULT_WEIGHT,
                    agency: str | None = None, peer: str | None = None,
                    with_trend: bool = True) -> CityView:
    """The city view of a period. Raises UnknownFilter for an agency or peer group code that
    does not exist. The what-if result is the engine's with `w_satisfaction=weight` and the
    default seed and draws, from the shared score cache."""
    agency_options, peer_options = await filter_options()
    if agency is not None and agency not in {a.code for a in agency_options}:
        raise UnknownFilter("agency", agency)
    if peer is not None and peer not in peer_options:
        raise UnknownFilter("peer", peer)
    result = await period_result(period, cache)
    whatif = None
    if result is not None and weight != DEFAULT_WEIGHT:
        whatif = await period_result(period, cache, Parameters(w_satisfaction=weight))
    view = build_view(period, result, weight=weight, whatif=whatif, agency=agency, peer=peer,
                      agency_options=agency_options, peer_options=peer_options)
    if not with_trend:
        return view
    kind, points = await trend(period, cache)
    return replace(view, trend=points, trend_kind=kind)
