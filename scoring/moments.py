"""Per-unit summary statistics from the response aggregates (SCORING.md section 2, steps 1-2).

* ``ȳ_ue``: mean answer of element e (``NaN`` when nobody in the unit answered it);
* ``ȳ_u``: mean over the answered elements of ``ȳ_ue`` (``NaN`` when the unit has no data);
* the respondent-score histogram, with equal scores merged (e.g. 27/9 and 21/7 are both 3),
  its mean ``s̄_u`` and its within-unit sum of squares ``Σ (s_r − s̄_u)²``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scoring.inputs import UnitData

ANSWER_VALUES = np.arange(1.0, 5.0)
_LCM = math.lcm(*range(1, 15))  # any answered count 1..14 divides it


@dataclass(frozen=True, eq=False)
class UnitMoments:
    """Summary of one unit's counted responses."""

    n: int
    element_means: np.ndarray  # (E,), NaN for unanswered elements
    mean: float  # ȳ_u, NaN when n == 0
    score_values: np.ndarray  # distinct respondent scores, ascending
    score_counts: np.ndarray  # respondents per score value
    score_mean: float  # s̄_u, NaN when n == 0
    within_ss: float  # Σ (s_r − s̄_u)², 0 when n == 0


def element_means(element_counts: np.ndarray) -> np.ndarray:
    """``ȳ_ue`` per element from an (E, 4) count matrix; NaN where an element has no answers."""
    counts = np.asarray(element_counts, dtype=float)
    answered = counts.sum(axis=1)
    totals = counts @ ANSWER_VALUES
    out = np.full(counts.shape[0], np.nan)
    np.divide(totals, answered, out=out, where=answered > 0)
    return out


def unit_mean(element_mean: np.ndarray) -> float:
    """``ȳ_u``: mean of the available element means (NaN when none is available)."""
    available = element_mean[~np.isnan(element_mean)]
    return float(available.mean()) if available.size else float("nan")


def score_histogram(
    score_hist: tuple[tuple[int, int, int], ...],
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct respondent scores (ascending) and their counts, merging equal ratios exactly.

    ``total/answered`` is keyed as the integer ``total · (L / answered)`` with L divisible by
    every possible ``answered``, so equal ratios (27/9 and 21/7) share a key exactly.
    """
    merged: dict[int, int] = {}
    for answered, total, count in score_hist:
        if count > 0:
            key = total * (_LCM // answered)
            merged[key] = merged.get(key, 0) + count
    keys = sorted(merged)
    values = np.array([k / _LCM for k in keys], dtype=float)
    counts = np.array([merged[k] for k in keys], dtype=np.int64)
    return values, counts


def histogram_moments(values: np.ndarray, counts: np.ndarray) -> tuple[float, float]:
    """Mean and within sum of squares ``Σ count·(s − s̄)²`` of a score histogram."""
    n = int(counts.sum())
    if n == 0:
        return float("nan"), 0.0
    mean = float(counts @ values / n)
    ss = float(counts @ (values - mean) ** 2)
    return mean, ss


def unit_moments(data: UnitData) -> UnitMoments:
    """All per-unit statistics the method needs."""
    em = element_means(data.element_counts)
    values, counts = score_histogram(data.score_hist)
    s_mean, ss = histogram_moments(values, counts)
    n = int(counts.sum())
    return UnitMoments(
        n=n,
        element_means=em,
        mean=unit_mean(em) if n > 0 else float("nan"),
        score_values=values,
        score_counts=counts,
        score_mean=s_mean,
        within_ss=ss,
    )
