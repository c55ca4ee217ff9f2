"""The scoring engine: official IKM plus the fair performance index (method ``suara-2026.2``).

``score(units, kpis, params)`` returns the typed result (:class:`scoring.result.
ScoreResult`, SCORING.md section 5): ``None`` for missing values (never NaN), floats not
rounded, units in input order, agencies in order of first appearance.
``msgspec.json.encode(result)`` is the JSON of section 5.

Besides the keys of section 5, the result carries what sections 1–4 ask to report but the
section-5 sketch does not name (every field is documented in ``scoring/result.py``):

* city: ``respondents_for_reliability_reason``, ``mean_index``, ``n_units``, ``n_scored``,
  ``n_ranked`` and ``peer_groups`` (the prior of each peer group that is its own shrinkage
  target);
* unit: ``name``, ``agency_name``, ``responses_needed`` (``max(0, required_sample − n)``),
  ``shrinkage_target`` (peer group or ``"city"``), ``kpi_flags`` (indicators with an
  unambitious target), ``explain`` (points above/below the city average per element and
  indicator) and ``rank_range`` (sensitivity analysis);
* agency: ``name``, ``rank`` and ``n_units``;
* parameters: ``w_kpi``, the KPI weight actually used (0 when no scored unit has any KPI);
* ``period``: null here; the server sets it to the period the inputs cover.

Unit ``funnel`` is the band name (``above_99.8`` … ``below_99.8``); the funnel curve itself
follows from ``city.funnel``, ``city.sigma2_w`` and each unit's ``n`` and ``mean``.

Status says what a unit shows: ``not_scored``, ``provisional``, ``unranked_no_kpi`` (would be
ranked but has no index because its targets are not reported) or ``ranked`` (index and rank).
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from scoring.funnel import band, fit_funnel
from scoring.ikm import elements_for, official_ikm, required_sample
from scoring.index import (
    agency_weights,
    contributions,
    effective_weights,
    explain,
    performance_index,
    satisfaction_score,
    status,
)
from scoring.inputs import Kpi, Parameters, UnitData
from scoring.intervals import BootstrapUnits, rank_intervals
from scoring.moments import UnitMoments, unit_moments
from scoring.ranks import EMPTY_INTERVAL, RankInterval, rank_desc
from scoring.result import (
    AgencyScore,
    City,
    ElementScore,
    FunnelFit,
    Importance,
    ParametersUsed,
    PeerGroup,
    RankRange,
    ScoreResult,
    UnitScore,
)
from scoring.result import RankInterval as RankIntervalOut
from scoring.sensitivity import sensitivity, squared_correlation
from scoring.shrinkage import (
    TAU2_FLOOR,
    Hyper,
    effective_sigma2,
    group_hyper,
    pooled_within_variance,
    prior_size,
    respondents_for_reliability,
    shrink,
    shrink_elements,
    shrinkage_factor,
    target_groups,
)
from scoring.targets import KpiPillar, kpi_pillar

METHOD = "suara-2026.2"
CITY = "city"


def _num(x: Any) -> float | None:
    """A plain float, or None for missing/NaN."""
    if x is None:
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def _validate(
    units: Sequence[UnitData], kpis: Sequence[Kpi], codes: tuple[str, ...]
) -> dict[str, str]:
    """Check the inputs; returns the agency names (agency code -> name) the units give."""
    names = [u.unit for u in units]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"duplicate unit {name!r}")
        seen.add(name)
    for u in units:
        if u.element_counts.shape[0] != len(codes):
            raise ValueError(f"{u.unit}: expected {len(codes)} elements for this regime")
    agency_label: dict[str, str] = {}
    for u in units:
        if u.agency_name is None:
            continue
        if u.agency is None:
            raise ValueError(f"{u.unit}: agency_name given without an agency")
        known = agency_label.setdefault(u.agency, u.agency_name)
        if known != u.agency_name:
            raise ValueError(f"agency {u.agency!r} has two names: {known!r} and {u.agency_name!r}")
    pairs: set[tuple[str, str]] = set()
    for k in kpis:
        if k.unit not in seen:
            raise ValueError(f"KPI {k.indicator!r} refers to unknown unit {k.unit!r}")
        if k.indicator in codes:
            raise ValueError(f"KPI name {k.indicator!r} collides with an element code")
        if (k.unit, k.indicator) in pairs:
            raise ValueError(f"duplicate KPI {k.indicator!r} for unit {k.unit!r}")
        pairs.add((k.unit, k.indicator))
    return agency_label


def _reliability_need(
    hyper: Hyper | None, m: float | None, target: float
) -> tuple[int | None, str | None]:
    """Respondents needed for reliability ``target`` and, when that is null, why.

    When ``τ²`` is 0 (so ``τ²_eff`` is the 1e-8 floor) reliability is 0 for every unit and
    ``ceil(m·0.7/0.3)`` would be a meaningless number in the millions: null instead, with the
    reason ``no_between_unit_variation``.
    """
    if hyper is None or m is None:
        return None, "no_scored_units"
    if hyper.tau2 <= TAU2_FLOOR:
        return None, "no_between_unit_variation"
    return respondents_for_reliability(m, target), None


def _peer_group(hyper: Hyper, sigma2_eff: float, target: float, k: int) -> PeerGroup:
    m = prior_size(sigma2_eff, hyper.tau2_eff)
    need, reason = _reliability_need(hyper, m, target)
    return PeerGroup(
        mu=hyper.mu,
        tau2=hyper.tau2,
        prior_size=m,
        respondents_for_reliability=need,
        respondents_for_reliability_reason=reason,
        units=k,
    )


def _interval(interval: RankInterval) -> RankIntervalOut:
    return RankIntervalOut(
        low=interval.low,
        median=interval.median,
        high=interval.high,
        expected=interval.expected,
        p_top3=interval.p_top3,
    )


def score(
    units: Sequence[UnitData], kpis: Sequence[Kpi], params: Parameters | None = None
) -> ScoreResult:
    """Score every unit; see the module docstring and SCORING.md for the method."""
    params = params or Parameters()
    codes = elements_for(params.regime)
    n_el = len(codes)
    agency_label = _validate(units, kpis, codes)

    moments: list[UnitMoments] = [unit_moments(u) for u in units]
    n = np.array([m.n for m in moments], dtype=np.int64)
    y = np.array([m.mean for m in moments])
    y_e = np.array([m.element_means for m in moments]).reshape(len(units), n_el)

    # Step 2: pooled within-unit variance over all units with responses.
    sigma2_w = pooled_within_variance(np.array([m.within_ss for m in moments]), n)
    sigma2_eff = float(effective_sigma2(sigma2_w)) if math.isfinite(sigma2_w) else math.nan
    scored_idx = np.flatnonzero(n >= params.min_scored)
    v = np.full(len(units), np.nan)
    v[scored_idx] = sigma2_eff / n[scored_idx]

    # Steps 3-7: shrinkage per target group.
    groups = target_groups([units[i].peer_group for i in scored_idx], params.peer_min_units)
    hypers: dict[str | None, Hyper] = {}
    b = np.full(len(units), np.nan)
    theta = np.full(len(units), np.nan)
    theta_e = np.full((len(units), n_el), np.nan)
    if scored_idx.size:
        hypers[None] = group_hyper(y[scored_idx], v[scored_idx])
        for g in sorted({g for g in groups if g is not None}):
            cols = scored_idx[[x == g for x in groups]]
            hypers[g] = group_hyper(y[cols], v[cols])
        # Units that target the city use the estimate over every scored unit.
        for g, hyper in hypers.items():
            members = scored_idx[[x == g for x in groups]]
            if members.size == 0:
                continue
            b[members] = shrinkage_factor(v[members], hyper.tau2_eff)
            theta[members] = shrink(y[members], hyper.mu, b[members])
            # Element means μ_e are pooled over the same units as μ (the whole city for
            # units that target the city).
            pool = scored_idx if g is None else members
            b_pool = shrinkage_factor(v[pool], hyper.tau2_eff)
            _, te = shrink_elements(y_e[pool], y[pool], v[pool], hyper.tau2_eff, b_pool)
            theta_e[members] = te[np.searchsorted(pool, members)]
    sat = satisfaction_score(theta)
    sat_e = satisfaction_score(theta_e)
    target_of = {
        int(i): (g if g is not None else CITY) for i, g in zip(scored_idx, groups, strict=True)
    }

    # Section 3: KPI pillar.
    by_unit: dict[str, list[Kpi]] = defaultdict(list)
    for k in kpis:
        by_unit[k.unit].append(k)
    pillars: list[KpiPillar] = [kpi_pillar(by_unit.get(u.unit, [])) for u in units]
    # "No unit has any KPI" is judged over the scored units (only they can have an index), so
    # adding an unscored unit with KPIs cannot change everybody's weights.
    any_kpi = any(pillars[i].scores for i in target_of)
    w_s, w_k = effective_weights(params.w_satisfaction, any_kpi)

    # Section 4: index, status, ranks.
    statuses: list[str] = []
    index = np.full(len(units), np.nan)
    for i in range(len(units)):
        scored = i in target_of
        rel = float(1 - b[i]) if scored else None
        if scored:
            value = performance_index(float(sat[i]), pillars[i].value, w_s, w_k)
            index[i] = np.nan if value is None else value
        statuses.append(
            status(
                int(n[i]),
                rel,
                params.min_scored,
                params.min_ranked,
                params.reliability_target,
                has_index=not np.isnan(index[i]),
            )
        )
    has_index = ~np.isnan(index)
    ranked = np.array([s == "ranked" for s in statuses], dtype=bool)
    ranked_idx = np.flatnonzero(ranked)
    rank = np.zeros(len(units), dtype=np.int64)
    if ranked_idx.size:
        rank[ranked_idx] = rank_desc(index[ranked_idx])

    # Agencies (first-appearance order), weights over their scored units with an index.
    agency_names: list[str] = []
    for u in units:
        if u.agency is not None and u.agency not in agency_names:
            agency_names.append(u.agency)
    agency_w = np.zeros((len(units), len(agency_names)))
    for a, name in enumerate(agency_names):
        members = [i for i, u in enumerate(units) if u.agency == name and has_index[i]]
        if members:
            agency_w[members, a] = agency_weights([units[i].volume for i in members])
    agency_index = [
        float(index[has_index] @ agency_w[has_index, a]) if agency_w[:, a].sum() > 0 else None
        for a in range(len(agency_names))
    ]
    agency_rank: list[int | None] = [None] * len(agency_names)
    active = [a for a, value in enumerate(agency_index) if value is not None]
    if active:
        ranks = rank_desc(np.array([agency_index[a] for a in active]))
        for a, r in zip(active, ranks, strict=True):
            agency_rank[a] = int(r)

    # Rank intervals (bootstrap from the aggregates).
    with_resp = np.flatnonzero(n >= 1)
    pos_in_resp = {int(i): j for j, i in enumerate(with_resp)}
    boot = BootstrapUnits(
        names=[units[i].unit for i in with_resp],
        score_values=[moments[i].score_values for i in with_resp],
        score_counts=[moments[i].score_counts for i in with_resp],
        scored=np.array([pos_in_resp[int(i)] for i in scored_idx], dtype=np.int64),
        y=y[scored_idx],
        v=v[scored_idx],
        group=[None if target_of[int(i)] == CITY else target_of[int(i)] for i in scored_idx],
        kpi=np.array(
            [np.nan if pillars[i].value is None else pillars[i].value for i in scored_idx]
        ),
        ranked=ranked[scored_idx],
        has_index=has_index[scored_idx],
        agency_weights=agency_w[scored_idx],
        peer=[units[i].peer_group for i in scored_idx],
    )
    intervals = rank_intervals(boot, params.seed, params.draws, w_s, w_k)
    unit_interval: dict[int, RankInterval] = {
        int(i): intervals.units[j] for j, i in enumerate(scored_idx)
    }
    peer_interval: dict[int, RankInterval] = {
        int(i): (intervals.peer_units or [])[j] for j, i in enumerate(scored_idx)
        if intervals.peer_units
    }
    # Point rank among the ranked units of the same peer group (ties: input order).
    peer_rank: dict[int, int] = {}
    peer_ranked: dict[str, int] = {}
    for g in sorted({units[i].peer_group for i in range(len(units))
                     if ranked[i] and units[i].peer_group is not None}):
        members = [i for i in range(len(units)) if ranked[i] and units[i].peer_group == g]
        peer_ranked[g] = len(members)
        for i, r in zip(members, rank_desc(np.array([index[i] for i in members])),
                        strict=True):
            peer_rank[i] = int(r)

    # Funnel (city-wide, scored units, original means and variances).
    funnel = fit_funnel(y[scored_idx], v[scored_idx]) if scored_idx.size else None

    # Sensitivity and effective importance over ranked units.
    kpi_arr = np.array([np.nan if p.value is None else p.value for p in pillars])
    sens = sensitivity(
        sat[ranked_idx],
        kpi_arr[ranked_idx],
        rank[ranked_idx],
        seed=params.seed,
        draws=params.draws,
        any_kpi=any_kpi,
    )
    rank_range = {int(i): r for i, r in zip(ranked_idx, sens.rank_ranges, strict=True)}
    importance_s = squared_correlation(index[ranked_idx], sat[ranked_idx])
    importance_k = squared_correlation(index[ranked_idx], kpi_arr[ranked_idx]) if w_k > 0 else None

    # City averages for "explain".
    mean_index = float(index[has_index].mean()) if has_index.any() else None
    elem_city = (
        {c: float(sat_e[has_index, e].mean()) for e, c in enumerate(codes)}
        if has_index.any()
        else {}
    )
    kpi_city = float(kpi_arr[has_index].mean()) if has_index.any() and w_k > 0 else None

    city_hyper = hypers.get(None)
    city_m = prior_size(sigma2_eff, city_hyper.tau2_eff) if city_hyper else None
    city_need, city_reason = _reliability_need(city_hyper, city_m, params.reliability_target)
    city = City(
        mu=city_hyper.mu if city_hyper else None,
        tau2=city_hyper.tau2 if city_hyper else None,
        sigma2_w=_num(sigma2_w),
        prior_size=city_m,
        respondents_for_reliability=city_need,
        respondents_for_reliability_reason=city_reason,
        funnel=FunnelFit(
            target=funnel.target if funnel else None,
            phi=funnel.phi if funnel else None,
            tau2=funnel.tau2 if funnel else None,
        ),
        effective_importance=Importance(satisfaction=importance_s, kpi=importance_k),
        mean_abs_rank_shift=sens.mean_abs_rank_shift,
        mean_index=mean_index,
        n_units=len(units),
        n_scored=int(scored_idx.size),
        n_ranked=int(ranked_idx.size),
        peer_groups={
            g: _peer_group(
                h, sigma2_eff, params.reliability_target, sum(1 for x in groups if x == g)
            )
            for g, h in hypers.items()
            if g is not None
        },
    )

    out_units = []
    for i, u in enumerate(units):
        scored = i in target_of
        ikm = official_ikm(
            u.element_counts,
            int(n[i]),
            weight=params.ikm_weight,
            round_decimals=params.ikm_round,
            regime=params.regime,
        )
        pillar = pillars[i]
        elem_scores = {c: float(sat_e[i, e]) for e, c in enumerate(codes)} if scored else {}
        has = bool(has_index[i])
        req = required_sample(u.volume) if u.volume is not None else None
        interval = unit_interval.get(i, EMPTY_INTERVAL)
        rr = rank_range.get(i)
        out_units.append(
            UnitScore(
                unit=u.unit,
                name=u.name,
                agency=u.agency,
                agency_name=agency_label.get(u.agency) if u.agency is not None else None,
                peer_group=u.peer_group,
                n=int(n[i]),
                status=statuses[i],  # type: ignore[arg-type]
                ikm=ikm.ikm,
                grade=ikm.grade,
                required_sample=req,
                responses_needed=max(0, req - int(n[i])) if req is not None else None,
                elements={
                    c: ElementScore(
                        nrr=ikm.elements[c].nrr,
                        ikm=ikm.elements[c].ikm,
                        score=elem_scores.get(c),
                    )
                    for c in codes
                },
                mean=_num(y[i]),
                shrinkage=_num(b[i]) if scored else None,
                reliability=_num(1 - b[i]) if scored else None,
                shrunk_mean=_num(theta[i]) if scored else None,
                shrinkage_target=target_of.get(i),
                satisfaction=_num(sat[i]) if scored else None,
                kpi=pillar.value,
                kpi_coverage=pillar.coverage,
                kpi_scores=dict(pillar.scores),
                kpi_flags=list(pillar.flags),
                index=_num(index[i]) if has else None,
                rank=int(rank[i]) if ranked[i] else None,
                rank_interval=_interval(interval),
                rank_range=RankRange(low=rr[0], high=rr[1]) if rr else None,
                peer_rank=peer_rank.get(i),
                peer_ranked=(
                    peer_ranked.get(u.peer_group) if u.peer_group is not None and ranked[i]
                    else None
                ),
                peer_rank_interval=_interval(peer_interval.get(i, EMPTY_INTERVAL)),
                funnel=(  # type: ignore[arg-type]
                    band(funnel, float(y[i]), float(v[i])) if scored and funnel else None
                ),
                contributions=(
                    contributions(elem_scores, pillar.weights, pillar.scores, w_s, w_k)
                    if has
                    else None
                ),
                explain=(
                    explain(
                        elem_scores, elem_city, pillar.weights, pillar.scores, kpi_city, w_s, w_k
                    )
                    if has
                    else None
                ),
            )
        )

    return ScoreResult(
        method=METHOD,
        parameters=ParametersUsed(**dataclasses.asdict(params), w_kpi=w_k),
        city=city,
        units=out_units,
        agencies=[
            AgencyScore(
                agency=code,
                name=agency_label.get(code),
                index=agency_index[a],
                rank=agency_rank[a],
                rank_interval=_interval(intervals.agencies[a]),
                n_units=sum(1 for u in units if u.agency == code),
            )
            for a, code in enumerate(agency_names)
        ],
    )
