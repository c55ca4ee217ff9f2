"""Performance index, its exact decomposition, status and agency aggregation (section 4).

Decisions documented here:

* When no unit has any KPI, the index is ``S_u`` (``w_S = 1``, ``w_K = 0``).  When the
  effective ``w_K`` is 0 the KPI pillar is not required for a unit to have an index;
  otherwise a unit without ``K_u`` has no index.
* "Points above/below the city average" (``explain``): element e gives
  ``(w_S/E)·(S_ue − S̄_e)`` and indicator k gives ``w_K·ŵ_k·(score_uk − K̄)``, where the bars
  are means over the units that have an index.  These sum exactly to
  ``index_u − mean index``.
* Agency index: volume-weighted mean of its units' indexes; when any of those units has no
  positive volume, the agency's units are weighted equally instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def satisfaction_score(theta: float | np.ndarray) -> float | np.ndarray:
    """Fixed goalposts: ``S = (θ − 1) / 3 × 100`` (1 → 0, 4 → 100)."""
    return (theta - 1.0) / 3.0 * 100.0


def effective_weights(w_satisfaction: float, any_kpi: bool) -> tuple[float, float]:
    """``(w_S, w_K)``: the configured split, or ``(1, 0)`` when no unit has any KPI."""
    if not any_kpi:
        return 1.0, 0.0
    return w_satisfaction, 1.0 - w_satisfaction


def performance_index(
    satisfaction: float | None, kpi: float | None, w_s: float, w_k: float
) -> float | None:
    """``index = w_S·S + w_K·K`` (None when a pillar that carries weight is missing)."""
    if satisfaction is None:
        return None
    if w_k == 0:
        return w_s * satisfaction
    if kpi is None:
        return None
    return w_s * satisfaction + w_k * kpi


def contributions(
    element_scores: Mapping[str, float],
    kpi_weights: Mapping[str, float],
    kpi_scores: Mapping[str, float | None],
    w_s: float,
    w_k: float,
) -> dict[str, float]:
    """Points each element (``(w_S/E)·S_ue``) and indicator (``w_K·ŵ_k·score_k``) add to the
    index; they sum to the index."""
    n_elements = len(element_scores)
    out = {code: w_s / n_elements * s for code, s in element_scores.items()}
    if w_k > 0:
        for name, w in kpi_weights.items():
            score = kpi_scores[name]
            assert score is not None
            out[name] = w_k * w * score
    return out


def explain(
    element_scores: Mapping[str, float],
    element_city_means: Mapping[str, float],
    kpi_weights: Mapping[str, float],
    kpi_scores: Mapping[str, float | None],
    kpi_city_mean: float | None,
    w_s: float,
    w_k: float,
) -> dict[str, float]:
    """Points above (+) or below (−) the city average, per element and indicator; they sum
    to ``index − mean index``."""
    n_elements = len(element_scores)
    out = {
        code: w_s / n_elements * (s - element_city_means[code])
        for code, s in element_scores.items()
    }
    if w_k > 0 and kpi_city_mean is not None:
        for name, w in kpi_weights.items():
            score = kpi_scores[name]
            assert score is not None
            out[name] = w_k * w * (score - kpi_city_mean)
    return out


def status(
    n: int,
    reliability: float | None,
    min_scored: int,
    min_ranked: int,
    reliability_target: float,
    *,
    has_index: bool = True,
) -> str:
    """What a unit shows: ``not_scored`` (n < 10), ``provisional`` (n < 30 or reliability
    < 0.70: shown, not ranked), ``unranked_no_kpi`` (evidence enough to be ranked, but no
    index because its targets/actuals are not reported) or ``ranked`` (index and rank)."""
    if n < min_scored or reliability is None:
        return "not_scored"
    if n < min_ranked or reliability < reliability_target:
        return "provisional"
    if not has_index:
        return "unranked_no_kpi"
    return "ranked"


def agency_weights(volumes: Sequence[int | None]) -> np.ndarray:
    """Normalised weights of an agency's units: by volume, or equal when a volume is missing."""
    if not volumes:
        return np.zeros(0)
    if all(v is not None and v > 0 for v in volumes):
        w = np.array(volumes, dtype=float)
    else:
        w = np.ones(len(volumes))
    return w / w.sum()
