"""The staff dashboards' figures: a unit (unit head), an agency (agency head) and a counter
(officer), for a period, limited to what a `Scope` sees.

Every figure comes from the same place as its public counterpart: the official IKM from the
daily aggregates with `scoring.ikm.official_ikm` (as GET /api/v1/units/{unit}/ikm), the
peer comparison from the period's `ScoreResult` (as GET /api/v1/scores and `suara score`).
Breakdowns (counters, services, respondent profile) and an officer's counter cover the whole
months of the period that have ended, and show a group's figures only with at least
`min_group` counted responses (in all, and in each month none or at least `min_group`), so
that no one can single out an officer from a handful of ratings (the rules:
`feedback.performance.dashboard_groups`).

The element that pulls the IKM down most is the one with the largest
`(IKM − element IKM) / 9`: the points the unit's IKM would gain if that element were rated as
well as the unit's elements are on average (with exact weights the IKM is the mean of the
nine element values, so each element moves it by a ninth of its own change).
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from feedback.accounts.scope import Scope
from feedback.clock import wita_day
from feedback.performance import dashboard_groups as groups
from feedback.performance import dashboard_reads as reads
from feedback.performance.periods import Period
from scoring.ikm import ELEMENTS, GRADE_LABELS, grade, official_ikm, required_sample
from scoring.result import ScoreResult, UnitScore

Cache = MutableMapping[tuple[Any, ...], Any]
# The grade bounds (lower bounds, inclusive) of PermenPANRB 14/2017 on the 25–100 scale.
GRADE_BOUNDS: tuple[tuple[str, float], ...] = (("A", 88.31), ("B", 76.61), ("C", 65.00),
                                                ("D", 25.00))


class NotFound(LookupError):
    """The unit, agency or counter does not exist, or is outside the viewer's scope (the two
    are deliberately indistinguishable)."""

    def __init__(self, kind: str, code: str) -> None:
        super().__init__(f"{kind} {code!r} not found")
        self.kind = kind
        self.code = code


@dataclass(frozen=True)
class ElementRow:
    code: str
    nrr: float | None
    ikm: float | None  # 25 × NRR
    grade: str | None
    drag: float | None  # (IKM − element IKM) / 9: what the element costs the IKM


@dataclass(frozen=True)
class Official:
    """The official IKM of a set of counted responses, with its sample adequacy."""

    n: int
    ikm: float | None
    grade: str | None
    grade_label: str | None
    volume: int | None  # transactions in the period (Krejcie–Morgan population)
    required_sample: int | None
    responses_needed: int | None
    elements: tuple[ElementRow, ...]  # weakest first (unanswered elements last)
    weakest: ElementRow | None  # the element that pulls the IKM down most


@dataclass(frozen=True)
class MonthPoint:
    month: str  # YYYY-MM
    first: date
    last: date
    n: int
    ikm: float | None
    grade: str | None


@dataclass(frozen=True)
class Trend:
    months: tuple[MonthPoint, ...]  # the period's months (clipped to the period)
    previous: tuple[MonthPoint, ...]  # the same months a year earlier
    previous_total: Official | None  # the same period a year earlier; None without data


@dataclass(frozen=True)
class Peer:
    """The unit in the period's score result (SCORING.md sections 2 and 4)."""

    status: str
    peer_group: str | None
    satisfaction: float | None  # S_u, 0–100
    low: float | None  # 95% interval of S_u: θ ± 1.96·√((1 − B)·σ²_w / n), on 0–100
    high: float | None
    reliability: float | None
    shrinkage_target: str | None
    index: float | None
    funnel: str | None
    rank_low: int | None
    rank_high: int | None
    rank_median: int | None
    n_ranked: int  # ranked units in the city (the rank interval's denominator)
    peer_rank_low: int | None  # 95% interval of the rank within the peer group
    peer_rank_high: int | None
    peer_ranked: int | None  # ranked units of the peer group (that interval's denominator)
    peer_scored: int  # scored units of the same peer group
    peer_mean_satisfaction: float | None  # mean S_u over those units


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    peer_group: str
    agency_code: str
    agency_name: str


@dataclass(frozen=True)
class UnitDashboard:
    unit: UnitInfo
    period: Period
    min_group: int
    official: Official
    trend: Trend
    peer: Peer | None  # None when no unit has a response in the period
    breakdown_span: groups.Span | None  # the whole ended months breakdowns cover
    counters: tuple[groups.Group, ...]
    services: tuple[groups.Group, ...]
    profile: groups.Profile


@dataclass(frozen=True)
class AgencyUnitRow:
    code: str
    name: str
    n: int
    ikm: float | None
    grade: str | None
    index: float | None
    status: str | None
    rank_low: int | None
    rank_high: int | None


@dataclass(frozen=True)
class AgencyDashboard:
    code: str
    name: str
    period: Period
    min_group: int
    official: Official
    trend: Trend
    index: float | None
    rank_low: int | None
    rank_high: int | None
    n_ranked_agencies: int
    units: tuple[AgencyUnitRow, ...]
    n_ranked: int
    breakdown_span: groups.Span | None
    profile: groups.Profile


@dataclass(frozen=True)
class CounterDashboard:
    code: str
    name: str
    unit_code: str
    unit_name: str
    period: Period
    min_group: int
    breakdown_span: groups.Span | None  # the whole ended months the figures cover
    n: int | None  # None unless shown: not even the count of a small group is given
    shown: bool  # passes the minimum group rules (dashboard_groups): only then figures
    official: Official | None


# ------------------------------------------------------------------------------------------
def _official(tally: reads.Tally, volume: int | None) -> Official:
    result = official_ikm(tally.counts, tally.n)
    rows = []
    for code in ELEMENTS:
        e = result.elements[code]
        drag = None if e.ikm is None or result.ikm is None else (result.ikm - e.ikm) / 9
        rows.append(ElementRow(code, e.nrr, e.ikm, None if e.ikm is None else grade(e.ikm),
                               drag))
    rows.sort(key=lambda r: (r.nrr is None, r.nrr if r.nrr is not None else 0.0))
    weakest = max((r for r in rows if r.drag is not None), key=lambda r: r.drag, default=None)
    if weakest is not None and weakest.drag is not None and weakest.drag <= 0:
        weakest = None  # every element is rated alike: none pulls the IKM down
    needed = required = None
    if volume is not None:
        required = required_sample(volume)
        needed = max(0, required - tally.n)
    return Official(
        n=tally.n, ikm=result.ikm, grade=result.grade,
        grade_label=GRADE_LABELS.get(result.grade) if result.grade else None,
        volume=volume, required_sample=required, responses_needed=needed,
        elements=tuple(rows), weakest=weakest)


def _volume(monthly: int | None, period: Period) -> int | None:
    """As the score engine's inputs (feedback.performance.scores): monthly volume × months."""
    return None if monthly is None else round(monthly * period.months)


def _months(first: date, last: date) -> list[tuple[str, date, date]]:
    out = []
    start = first
    while start <= last:
        nxt = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        end = min(last, nxt - timedelta(days=1))
        out.append((f"{start.year:04d}-{start.month:02d}", start, end))
        start = nxt
    return out


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _points(days: dict[date, reads.Tally], first: date, last: date) -> tuple[MonthPoint, ...]:
    points = []
    for month, start, end in _months(first, last):
        tally = reads.total(days, start, end)
        result = official_ikm(tally.counts, tally.n)
        points.append(MonthPoint(month, start, end, tally.n, result.ikm, result.grade))
    return tuple(points)


async def pooled_figures(unit_ids: list[int], period: Period, volume: int | None,
                         ) -> tuple[Official, Trend]:
    """The official IKM over the pooled counted responses of `unit_ids` in the period, and
    its monthly trend: what the unit and agency dashboards show (and the SKM report of an
    agency or the city, feedback.reports)."""
    days = await reads.daily(unit_ids, period.first, period.last)
    official = _official(reads.total(days, period.first, period.last), volume)
    first, last = _year_earlier(period.first), _year_earlier(period.last)
    before = await reads.daily(unit_ids, first, last)
    previous_tally = reads.total(before, first, last)
    trend = Trend(
        months=_points(days, period.first, period.last),
        previous=_points(before, first, last),
        previous_total=_official(previous_tally, volume) if previous_tally.n else None,
    )
    return official, trend


def _find(result: ScoreResult | None, code: str) -> UnitScore | None:
    if result is None:
        return None
    return next((u for u in result.units if u.unit == code), None)


def _peer(result: ScoreResult | None, code: str) -> Peer | None:
    mine = _find(result, code)
    if result is None or mine is None:
        return None
    low = high = None
    sigma2 = result.city.sigma2_w
    if mine.shrunk_mean is not None and mine.reliability is not None and sigma2 is not None \
            and mine.n > 0:
        half = 1.959964 * math.sqrt(max(0.0, mine.reliability * sigma2 / mine.n))
        low = max(0.0, (mine.shrunk_mean - half - 1) / 3 * 100)
        high = min(100.0, (mine.shrunk_mean + half - 1) / 3 * 100)
    peers = [u for u in result.units
             if u.peer_group == mine.peer_group and u.satisfaction is not None]
    interval = mine.rank_interval
    return Peer(
        status=mine.status, peer_group=mine.peer_group, satisfaction=mine.satisfaction,
        low=low, high=high, reliability=mine.reliability,
        shrinkage_target=mine.shrinkage_target, index=mine.index, funnel=mine.funnel,
        rank_low=interval.low, rank_high=interval.high, rank_median=interval.median,
        n_ranked=result.city.n_ranked, peer_rank_low=mine.peer_rank_interval.low,
        peer_rank_high=mine.peer_rank_interval.high, peer_ranked=mine.peer_ranked,
        peer_scored=len(peers),
        peer_mean_satisfaction=(sum(u.satisfaction for u in peers) / len(peers)
                                if peers else None),  # type: ignore[misc]
    )


# ------------------------------------------------------------------------------------------
def _today() -> date:
    return wita_day(datetime.now(UTC))


async def unit_dashboard(scope: Scope, unit_code: str, period: Period, *, min_group: int,
                         cache: Cache | None = None, lang: str = "id",
                         today: date | None = None) -> UnitDashboard:
    """A unit's dashboard for a period. Raises NotFound for an unknown unit or one outside
    `scope`. `cache` holds period results (shared with the scores API)."""
    row = await reads.unit_row(unit_code)
    if row is None or not scope.can_see_unit(row["id"], row["agency.id"]):
        raise NotFound("unit", unit_code)
    info = UnitInfo(row["id"], row["code"], row["name"], row["peer_group"],
                    row["agency.code"], row["agency.name"])
    official, trend = await pooled_figures([info.id], period,
                                           _volume(row["monthly_volume"], period))
    result = await reads.period_result(period, cache)
    counters = await reads.unit_counters(info.id)
    within = groups.span(period, today or _today())
    return UnitDashboard(
        unit=info, period=period, min_group=min_group, official=official, trend=trend,
        peer=_peer(result, info.code), breakdown_span=within,
        counters=await groups.counter_groups(info.id, counters, within, min_group),
        services=await groups.service_groups(info.id, within, min_group, lang),
        profile=await groups.profile([info.id], within, min_group),
    )


async def agency_dashboard(scope: Scope, agency_code: str, period: Period, *, min_group: int,
                           cache: Cache | None = None, today: date | None = None
                           ) -> AgencyDashboard:
    """An agency's dashboard: the official IKM over all its units' responses, its elements
    and trend, its index and rank interval, and a row per unit. Raises NotFound for an
    unknown agency or one outside `scope`."""
    from feedback.tables import Agency

    row = await Agency.select(Agency.id, Agency.code, Agency.name).where(
        Agency.code == agency_code).first().run()
    if row is None or not scope.can_see_agency(row["id"]):
        raise NotFound("agency", agency_code)
    units = await reads.agency_units(row["id"])
    volumes = [_volume(u["monthly_volume"], period) for u in units]
    volume = sum(v for v in volumes if v is not None) if any(
        v is not None for v in volumes) else None
    official, trend = await pooled_figures([u["id"] for u in units], period, volume)
    result = await reads.period_result(period, cache)
    rows = []
    for u in units:
        score = _find(result, u["code"])
        tally = reads.Tally.empty()
        if score is None:  # no result for the period: the unit's own aggregates
            days = await reads.daily([u["id"]], period.first, period.last)
            tally = reads.total(days, period.first, period.last)
            own = official_ikm(tally.counts, tally.n)
            rows.append(AgencyUnitRow(u["code"], u["name"], tally.n, own.ikm, own.grade,
                                      None, None, None, None))
            continue
        rows.append(AgencyUnitRow(
            u["code"], u["name"], score.n, score.ikm, score.grade, score.index, score.status,
            score.rank_interval.low, score.rank_interval.high))
    mine = None if result is None else next(
        (a for a in result.agencies if a.agency == row["code"]), None)
    within = groups.span(period, today or _today())
    n_ranked_agencies = 0 if result is None else sum(
        1 for a in result.agencies if a.rank is not None)
    return AgencyDashboard(
        code=row["code"], name=row["name"], period=period, min_group=min_group,
        official=official, trend=trend,
        index=None if mine is None else mine.index,
        rank_low=None if mine is None else mine.rank_interval.low,
        rank_high=None if mine is None else mine.rank_interval.high,
        n_ranked_agencies=n_ranked_agencies, units=tuple(rows),
        n_ranked=0 if result is None else result.city.n_ranked, breakdown_span=within,
        profile=await groups.profile([u["id"] for u in units], within, min_group),
    )


async def counter_dashboard(scope: Scope, counter_code: str, period: Period, *,
                            min_group: int, today: date | None = None) -> CounterDashboard:
    """A counter's aggregate for its officer (or anyone who sees its unit): figures only when
    it has at least `min_group` counted responses in the period, never a single rating.
    Raises NotFound for an unknown counter or one outside `scope`."""
    row = await reads.counter_row(counter_code)
    if row is None or not scope.can_see_counter(row["id"], row["unit.id"],
                                                 row["unit.agency.id"]):
        raise NotFound("counter", counter_code)
    within = groups.span(period, today or _today())
    tally = await groups.counter_group(row["unit.id"], row["id"], within, min_group)
    return CounterDashboard(
        code=row["code"], name=row["name"], unit_code=row["unit.code"],
        unit_name=row["unit.name"], period=period, min_group=min_group,
        breakdown_span=within, n=None if tally is None else tally.n,
        shown=tally is not None, official=None if tally is None else _official(tally, None))
