"""Rank intervals by a bootstrap from the response aggregates (SCORING.md section 4).

For each draw b:

1. every unit with responses is resampled: its respondent-score histogram is drawn
   multinomially (n_u respondents with probabilities count/n_u), giving the resampled mean
   ``s̄*`` and within sum of squares ``SS*`` (see ``resample_unit`` for the two exact
   samplers used);
2. the unit mean is shifted by the change in the respondent-score mean:
   ``ȳ*_u = ȳ_u + (s̄* − s̄_u)``.  This is the method's decision for working from aggregates:
   it is exact when every respondent answered every element (then ``ȳ_u = s̄_u``), and
   otherwise treats the difference between the element-mean and respondent-mean scales as
   fixed;
3. ``σ²_w*`` is pooled from the resampled SS (``Σ SS* / Σ (n_u − 1)``), ``v*_u = σ²_w*/n_u``,
   and ``μ_b``, ``τ²_b`` are re-estimated per target group (DerSimonian–Laird, step 3–4);
4. ``θ_u ~ N(μ_b + (1 − B_ub)(ȳ_u − μ_b), (1 − B_ub)·v_u)`` with the ORIGINAL ``ȳ_u`` and
   ``v_u``; ``B_ub = v_u / (v_u + τ²_eff,b)`` also uses the original ``v_u``;
5. the index is recomputed with ``K_u`` fixed, and ranked units and agencies are ranked.

Each unit draws from its own stream (see ``scoring.streams``), so the intervals do not depend
on the order of the units.  Quantiles are inverted-CDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring.index import satisfaction_score
from scoring.ranks import EMPTY_INTERVAL, RankInterval, rank_desc, summarise_ranks
from scoring.shrinkage import effective_sigma2, estimate_hyper
from scoring.streams import stream


@dataclass(frozen=True, eq=False)
class BootstrapUnits:
    """What the bootstrap needs.

    Arrays indexed by *unit with responses* (all units with n ≥ 1, they pool ``σ²_w``):
    ``names``, ``score_values``, ``score_counts``.  ``scored`` gives, for each scored unit,
    its position in those arrays; the remaining arrays are indexed by scored unit:
    ``y`` (ȳ_u), ``v`` (v_u), ``group`` (target group, None = city), ``kpi`` (K_u or NaN),
    ``ranked`` (ranked with an index) and ``has_index``.  ``agency_weights`` is
    (scored units, agencies) with each agency's column holding its unit weights (zero for
    units without an index).
    """

    names: Sequence[str]
    score_values: Sequence[np.ndarray]
    score_counts: Sequence[np.ndarray]
    scored: np.ndarray
    y: np.ndarray
    v: np.ndarray
    group: Sequence[str | None]
    kpi: np.ndarray
    ranked: np.ndarray
    has_index: np.ndarray
    agency_weights: np.ndarray
    peer: Sequence[str | None] = ()  # each scored unit's peer group (for ranks within it)


@dataclass(frozen=True)
class Intervals:
    """Rank intervals per scored unit (EMPTY for units not ranked) and per agency column;
    `peer_units`: each ranked unit's rank among the ranked units of its own peer group, from
    the same draws (EMPTY without a peer group)."""

    units: list[RankInterval]
    agencies: list[RankInterval]
    peer_units: list[RankInterval] | None = None


# Direct resampling costs about 3 ns per respondent and draw, numpy's multinomial about 75 ns
# per histogram bin and draw: resample directly unless n exceeds this many times the bins.
DIRECT_PER_BIN = 24
DIRECT_BLOCK = 128


def resample_unit(
    rng: np.random.Generator, values: np.ndarray, counts: np.ndarray, draws: int
) -> tuple[np.ndarray, np.ndarray]:
    """One unit's bootstrap: ``(s̄* − s̄_u, SS*)`` per draw.

    The resampled counts are Multinomial(n, count/n) either way: small units draw n
    respondents with replacement (uniform indices into the expanded histogram), large units
    use ``Generator.multinomial`` on the bins.  The choice depends only on the unit's own
    histogram, so it is deterministic.
    """
    n = int(counts.sum())
    centred = values - (counts @ values) / n
    if n <= DIRECT_PER_BIN * counts.size and n <= np.iinfo(np.uint16).max:
        expanded = np.repeat(centred, counts)
        a = np.empty(draws)
        q = np.empty(draws)
        # Blocks of draws keep the picked values in cache.
        for start in range(0, draws, DIRECT_BLOCK):
            stop = min(start + DIRECT_BLOCK, draws)
            idx = rng.integers(0, n, size=(stop - start, n), dtype=np.uint16)
            picked = np.take(expanded, idx)
            a[start:stop] = picked.sum(axis=1)
            q[start:stop] = np.einsum("ij,ij->i", picked, picked)
    else:
        x = rng.multinomial(n, counts / n, size=draws)
        a = x @ centred
        q = x @ (centred * centred)
    return a / n, np.maximum(q - a * a / n, 0.0)


def resample(
    data: BootstrapUnits, seed: int, draws: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Resample every unit with responses from its own stream.

    Returns the shift of the respondent-score mean (draws, units with responses), the
    resampled within SS (same shape) and standard normals for the scored units
    (draws, scored units), drawn from each unit's stream after its resample.
    """
    n_units = len(data.names)
    shift = np.zeros((draws, n_units))
    ss = np.zeros((draws, n_units))
    normals = np.zeros((draws, len(data.scored)))
    scored_pos = {int(p): j for j, p in enumerate(data.scored)}
    for i, name in enumerate(data.names):
        rng = stream(seed, "bootstrap", name)
        shift[:, i], ss[:, i] = resample_unit(
            rng,
            np.asarray(data.score_values[i], dtype=float),
            np.asarray(data.score_counts[i], dtype=np.int64),
            draws,
        )
        if i in scored_pos:
            normals[:, scored_pos[i]] = rng.standard_normal(draws)
    return shift, ss, normals


def draw_indexes(data: BootstrapUnits, seed: int, draws: int, w_s: float, w_k: float) -> np.ndarray:
    """Index of every scored unit in every draw, shape (draws, scored units)."""
    n_resp = np.array([int(np.asarray(c).sum()) for c in data.score_counts], dtype=float)
    shift, ss, normals = resample(data, seed, draws)
    df = float((n_resp - 1).sum())
    sigma2 = effective_sigma2(ss.sum(axis=1) / df)  # (draws,)
    n_scored = n_resp[data.scored]
    y_star = data.y[None, :] + shift[:, data.scored]
    v_star = sigma2[:, None] / n_scored[None, :]

    mu = np.empty((draws, len(data.scored)))
    tau2_eff = np.empty_like(mu)
    city_mu, _, city_t2 = estimate_hyper(y_star, v_star)
    groups = np.array([g is not None for g in data.group])
    mu[:, ~groups] = city_mu[:, None]
    tau2_eff[:, ~groups] = city_t2[:, None]
    for g in sorted({g for g in data.group if g is not None}):
        cols = np.array([x == g for x in data.group])
        g_mu, _, g_t2 = estimate_hyper(y_star[:, cols], v_star[:, cols])
        mu[:, cols] = g_mu[:, None]
        tau2_eff[:, cols] = g_t2[:, None]

    b = data.v[None, :] / (data.v[None, :] + tau2_eff)
    theta = mu + (1.0 - b) * (data.y[None, :] - mu) + np.sqrt((1.0 - b) * data.v) * normals
    index = w_s * satisfaction_score(theta)
    if w_k > 0:
        index = index + w_k * data.kpi[None, :]
    return index


def rank_intervals(
    data: BootstrapUnits, seed: int, draws: int, w_s: float, w_k: float
) -> Intervals:
    """Rank intervals of the ranked units and of the agencies with an index."""
    n_scored = len(data.scored)
    n_agencies = data.agency_weights.shape[1] if data.agency_weights.ndim == 2 else 0
    empty = Intervals(
        [EMPTY_INTERVAL] * n_scored,
        [EMPTY_INTERVAL] * n_agencies,
        [EMPTY_INTERVAL] * n_scored,
    )
    if draws == 0 or n_scored == 0:
        return empty
    index = draw_indexes(data, seed, draws, w_s, w_k)
    units = list(empty.units)
    ranked = np.flatnonzero(data.ranked)
    if ranked.size:
        for j, summary in zip(ranked, summarise_ranks(rank_desc(index[:, ranked])), strict=True):
            units[j] = summary
    peer_units = list(empty.units)
    peers = list(data.peer) if len(data.peer) == n_scored else [None] * n_scored
    for g in sorted({p for p in peers if p is not None}):
        cols = np.flatnonzero(data.ranked & np.array([p == g for p in peers]))
        if cols.size:
            summaries = summarise_ranks(rank_desc(index[:, cols]))
            for j, summary in zip(cols, summaries, strict=True):
                peer_units[j] = summary
    agencies = list(empty.agencies)
    active = np.flatnonzero(data.agency_weights.sum(axis=0) > 0) if n_agencies else []
    if len(active):
        w = data.agency_weights[:, active][data.has_index]
        agency_index = np.nan_to_num(index[:, data.has_index]) @ w
        for j, summary in zip(active, summarise_ranks(rank_desc(agency_index)), strict=True):
            agencies[j] = summary
    return Intervals(units, agencies, peer_units)
