"""Empirical-Bayes shrinkage of unit means (SCORING.md section 2, steps 2-8).

The estimators work along the last axis, so the same code serves the point estimate
(shape ``(K,)``) and the bootstrap (shape ``(draws, K)``).

Decisions documented here:

* DerSimonian–Laird with fewer than 2 units (or a zero denominator) gives ``τ² = 0``.
* A pooled within-unit variance of 0 (every respondent of every unit gave the same score)
  would make ``v_u = 0``; the variance is floored at ``SIGMA2_FLOOR`` so that the estimators
  stay finite (the result is then "no shrinkage").  The reported ``sigma2_w`` is the raw value.
* Element level with missing elements: when a scored unit has an element nobody answered, its
  ``ȳ_ue`` is taken as the unit's own ``ȳ_u`` (the same assumption as the IKM's rescaling over
  the available elements).  This keeps ``mean_e θ_ue = θ_u`` exact for every unit.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TAU2_FLOOR = 1e-8
SIGMA2_FLOOR = 1e-12


def pooled_within_variance(within_ss: np.ndarray, n: np.ndarray) -> float:
    """``σ²_w = Σ_u SS_u / Σ_u (n_u − 1)`` over units with ``n_u ≥ 1`` (NaN without df)."""
    n_arr = np.asarray(n, dtype=float)
    ss = np.asarray(within_ss, dtype=float)
    mask = n_arr >= 1
    df = float((n_arr[mask] - 1).sum())
    if df <= 0:
        return float("nan")
    return float(ss[mask].sum() / df)


def effective_sigma2(sigma2_w: float | np.ndarray) -> float | np.ndarray:
    """``σ²_w`` floored at ``SIGMA2_FLOOR`` for use in ``v_u = σ²_w / n_u``."""
    return np.maximum(sigma2_w, SIGMA2_FLOOR)


def dersimonian_laird(y: np.ndarray, v: np.ndarray) -> np.ndarray:
    """DerSimonian–Laird between-unit variance along the last axis.

    ``w = 1/v``, ``ȳ_w = Σ w ȳ / Σ w``, ``Q = Σ w (ȳ − ȳ_w)²``,
    ``τ² = max(0, (Q − (K − 1)) / (Σw − Σw²/Σw))``.
    """
    y = np.asarray(y, dtype=float)
    w = 1.0 / np.asarray(v, dtype=float)
    k = y.shape[-1]
    if k < 2:
        return np.zeros(y.shape[:-1])
    sw = w.sum(axis=-1)
    yw = (w * y).sum(axis=-1) / sw
    q = (w * (y - yw[..., None]) ** 2).sum(axis=-1)
    c = sw - (w * w).sum(axis=-1) / sw
    tau2 = np.zeros_like(q)
    np.divide(q - (k - 1), c, out=tau2, where=c > 0)
    return np.maximum(tau2, 0.0)


@dataclass(frozen=True)
class Hyper:
    """Estimated prior of a target group: ``μ``, ``τ²`` and the floored ``τ²_eff``."""

    mu: float
    tau2: float
    tau2_eff: float


def estimate_hyper(y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(μ, τ², τ²_eff)`` along the last axis: DL ``τ²`` then ``μ = Σ w* ȳ / Σ w*``.

    ``τ²_eff = max(τ², 1e-8)`` and ``w*_u = 1/(v_u + τ²_eff)``.
    """
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    tau2 = dersimonian_laird(y, v)
    tau2_eff = np.maximum(tau2, TAU2_FLOOR)
    ws = 1.0 / (v + tau2_eff[..., None])
    mu = (ws * y).sum(axis=-1) / ws.sum(axis=-1)
    return mu, tau2, tau2_eff


def group_hyper(y: np.ndarray, v: np.ndarray) -> Hyper:
    """Point estimate of a group's prior from 1-D arrays of unit means and variances."""
    mu, tau2, tau2_eff = estimate_hyper(y, v)
    return Hyper(mu=float(mu), tau2=float(tau2), tau2_eff=float(tau2_eff))


def shrinkage_factor(v: np.ndarray, tau2_eff: float | np.ndarray) -> np.ndarray:
    """``B_u = v_u / (v_u + τ²_eff)``; reliability is ``1 − B_u``."""
    v = np.asarray(v, dtype=float)
    return v / (v + tau2_eff)


def shrink(y: np.ndarray, mu: float, b: np.ndarray) -> np.ndarray:
    """``θ_u = μ + (1 − B_u)(ȳ_u − μ)``."""
    return mu + (1.0 - np.asarray(b)) * (np.asarray(y, dtype=float) - mu)


def shrink_elements(
    y_e: np.ndarray, y: np.ndarray, v: np.ndarray, tau2_eff: float, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Element-level shrinkage with the units' ``B_u``.

    ``y_e`` is (K, E) with NaN for unanswered elements (imputed by the unit's ``ȳ_u``);
    returns ``μ_e`` (E,) and ``θ_ue`` (K, E), with ``μ_e = Σ w*_u ȳ_ue / Σ w*_u`` and
    ``θ_ue = μ_e + (1 − B_u)(ȳ_ue − μ_e)``.
    """
    y_e = np.asarray(y_e, dtype=float)
    y = np.asarray(y, dtype=float)
    filled = np.where(np.isnan(y_e), y[:, None], y_e)
    ws = 1.0 / (np.asarray(v, dtype=float) + tau2_eff)
    mu_e = ws @ filled / ws.sum()
    theta_e = mu_e[None, :] + (1.0 - np.asarray(b))[:, None] * (filled - mu_e[None, :])
    return mu_e, theta_e


def prior_size(sigma2_w: float, tau2_eff: float) -> float:
    """``m = σ²_w / τ²_eff``: the prior is worth m respondents (``B_u = m / (n_u + m)``)."""
    return sigma2_w / tau2_eff


def respondents_for_reliability(m: float, target: float = 0.70) -> int:
    """Respondents needed for reliability ``target``: ``ceil(m · target / (1 − target))``.

    A relative tolerance of 1e-9 keeps float noise (e.g. ``3 · 0.7 / 0.3 = 7.000000000000001``)
    from adding a respondent.
    """
    x = m * target / (1.0 - target)
    return max(0, math.ceil(x - 1e-9 * max(1.0, abs(x))))


def target_groups(peer_groups: Sequence[str | None], min_units: int) -> list[str | None]:
    """Shrinkage target of each scored unit: its peer group when that group has at least
    ``min_units`` scored units, otherwise ``None`` (the whole city)."""
    sizes = Counter(g for g in peer_groups if g is not None)
    return [g if g is not None and sizes[g] >= min_units else None for g in peer_groups]
