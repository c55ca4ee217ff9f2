"""Funnel-plot bands with over-dispersion (Spiegelhalter 2005), on the 1–4 mean scale.

Over the scored units: ``target = Σ(ȳ/v) / Σ(1/v)``, ``z_u = (ȳ_u − target)/√v_u``;
over-dispersion ``φ`` = mean of ``z²`` after winsorising z at its 10% and 90% quantiles
(inverted-CDF quantiles, so z is clamped to observed values); with I units and ``w = 1/v``,
``τ²_f = 0`` if ``Iφ < I − 1`` else ``(Iφ − (I − 1)) / (Σw − Σw²/Σw)`` (0 when that
denominator is 0, i.e. fewer than 2 units); limits ``target ± z·√(v + τ²_f)`` at
z = 1.959964 (95%) and 3.090232 (99.8%).  A unit exactly on a limit is inside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z95 = 1.959964
Z998 = 3.090232
BANDS: tuple[str, ...] = ("above_99.8", "above_95", "within", "below_95", "below_99.8")


@dataclass(frozen=True)
class Funnel:
    """City funnel: the target, the over-dispersion factor and the additive ``τ²_f``."""

    target: float
    phi: float
    tau2: float


def fit_funnel(y: np.ndarray, v: np.ndarray) -> Funnel | None:
    """Fit the funnel to unit means ``y`` with sampling variances ``v`` (None without units)."""
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    n_units = y.size
    if n_units == 0:
        return None
    w = 1.0 / v
    target = float((w * y).sum() / w.sum())
    z = (y - target) / np.sqrt(v)
    lo, hi = np.quantile(z, [0.1, 0.9], method="inverted_cdf")
    phi = float(np.mean(np.clip(z, lo, hi) ** 2))
    denom = float(w.sum() - (w * w).sum() / w.sum())
    if n_units * phi < n_units - 1 or denom <= 0:
        tau2 = 0.0
    else:
        tau2 = (n_units * phi - (n_units - 1)) / denom
    return Funnel(target=target, phi=phi, tau2=float(tau2))


def limits(funnel: Funnel, v: float | np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits ``target ± z·√(v + τ²_f)`` for sampling variance(s) ``v``."""
    half = z * np.sqrt(np.asarray(v, dtype=float) + funnel.tau2)
    return funnel.target - half, funnel.target + half


def band(funnel: Funnel, y: float, v: float) -> str:
    """Which band a unit mean ``y`` with sampling variance ``v`` falls in."""
    lo95, hi95 = limits(funnel, v, Z95)
    lo998, hi998 = limits(funnel, v, Z998)
    if y > hi998:
        return "above_99.8"
    if y > hi95:
        return "above_95"
    if y < lo998:
        return "below_99.8"
    if y < lo95:
        return "below_95"
    return "within"
