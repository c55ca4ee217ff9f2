"""Sensitivity of the ranking to the aggregation choices (OECD/JRC practice).

Over seeded draws, ``w_S ~ U(0.3, 0.7)`` and, with equal chance, linear
(``w_S·S + (1 − w_S)·K``) or geometric (``exp(w_S ln max(S,1) + (1 − w_S) ln max(K,1))``)
aggregation; the ranked units are re-ranked in each draw.  Reported: the mean absolute shift
from the published rank and each unit's rank range.  Units without ``K_u`` (possible only when
the KPI weight is 0) and every unit when no KPI exists use ``S_u`` alone.

Effective importance of a pillar = squared Pearson correlation of the index with that pillar
over the ranked units (None when fewer than 2 units or a constant series).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.ranks import rank_desc
from scoring.streams import stream

W_LOW, W_HIGH = 0.3, 0.7


@dataclass(frozen=True)
class Sensitivity:
    """Mean absolute rank shift and per-unit (min, max) rank over the draws."""

    mean_abs_rank_shift: float | None
    rank_ranges: list[tuple[int, int] | None]


def sensitivity(
    satisfaction: np.ndarray,
    kpi: np.ndarray,
    point_ranks: np.ndarray,
    *,
    seed: int,
    draws: int,
    any_kpi: bool,
) -> Sensitivity:
    """Re-rank the ranked units (arrays in their order; ``kpi`` NaN when missing)."""
    s = np.asarray(satisfaction, dtype=float)
    k = np.asarray(kpi, dtype=float)
    if s.size == 0 or draws == 0:
        return Sensitivity(None, [None] * s.size)
    rng = stream(seed, "sensitivity")
    w = rng.uniform(W_LOW, W_HIGH, size=draws)[:, None]
    geometric = (rng.random(draws) < 0.5)[:, None]
    if any_kpi:
        k_filled = np.where(np.isnan(k), s, k)
        linear = w * s + (1.0 - w) * k_filled
        log_s = np.log(np.maximum(s, 1.0))
        log_k = np.log(np.maximum(k_filled, 1.0))
        geo = np.exp(w * log_s + (1.0 - w) * log_k)
        index = np.where(geometric, geo, linear)
    else:
        index = np.broadcast_to(s, (draws, s.size))
    ranks = rank_desc(index)
    shift = float(np.abs(ranks - np.asarray(point_ranks)[None, :]).mean())
    lows = ranks.min(axis=0)
    highs = ranks.max(axis=0)
    return Sensitivity(shift, [(int(lo), int(hi)) for lo, hi in zip(lows, highs, strict=True)])


def squared_correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    """Squared Pearson correlation (None for fewer than 2 points or a constant series)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size < 2:
        return None
    dx = x - x.mean()
    dy = y - y.mean()
    sxx = float(dx @ dx)
    syy = float(dy @ dy)
    # Treat a series whose spread is float noise (relative 1e-12) as constant.
    if sxx <= _noise(x) or syy <= _noise(y):
        return None
    return float((dx @ dy) ** 2 / (sxx * syy))


def _noise(x: np.ndarray) -> float:
    scale = float(np.max(np.abs(x))) if x.size else 0.0
    return x.size * (1e-12 * max(scale, 1e-300)) ** 2
