"""Funnel-plot bands with over-dispersion (Spiegelhalter 2005), on the 1–4 mean scale.

Method ``suara-2026.2``, over the scored units of the city (I units, ``w = 1/v``):

* target ``= Σ(ȳ/v) / Σ(1/v)``;
* ``z_u = (ȳ_u − target)/√v_u`` and the over-dispersion factor ``φ`` = mean of ``z²`` (not
  winsorised).  ``φ`` is reported as a diagnostic only; it does not set the limits;
* the additive between-unit variance ``τ²_f`` is the DerSimonian–Laird ``τ²`` over all scored
  units (:func:`scoring.shrinkage.dersimonian_laird`, the one implementation the shrinkage
  also uses).  Because ``Σ w (ȳ − target)² = Σ z² = Iφ``, this is
  ``max(0, (Iφ − (I − 1)) / (Σw − Σw²/Σw))`` (0 with fewer than 2 units);
* limits ``target ± z·√(v + τ²_f)`` at z = 1.959964 (95%) and 3.090232 (99.8%).  A unit
  exactly on a limit is inside it.

Changed in 2026.2: 2026.1 winsorised z at its 10% and 90% quantiles before estimating φ.
That roughly halved ``τ²_f``, so the "95%" band flagged about 13% of ordinary units and the
"99.8%" band about 2% (see tests/scoring/test_simulation.py); without winsorising the bands
keep their nominal rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.shrinkage import dersimonian_laird

Z95 = 1.959964
Z998 = 3.090232
BANDS: tuple[str, ...] = ("above_99.8", "above_95", "within", "below_95", "below_99.8")


@dataclass(frozen=True)
class Funnel:
    """City funnel: the target, the over-dispersion factor ``φ`` (diagnostic) and ``τ²_f``."""

    target: float
    phi: float
    tau2: float


def fit_funnel(y: np.ndarray, v: np.ndarray) -> Funnel | None:
    """Fit the funnel to the means ``y`` and sampling variances ``v`` of all scored units
    (None without units)."""
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    if y.size == 0:
        return None
    w = 1.0 / v
    target = float((w * y).sum() / w.sum())
    z = (y - target) / np.sqrt(v)
    phi = float(np.mean(z**2))
    tau2 = float(dersimonian_laird(y, v))
    return Funnel(target=target, phi=phi, tau2=tau2)


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
