"""Funnel bands, rank helpers and sensitivity."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.funnel import Z95, Z998, Funnel, band, fit_funnel, limits
from scoring.ranks import rank_desc, summarise_ranks
from scoring.sensitivity import sensitivity, squared_correlation
from scoring.shrinkage import dersimonian_laird


def test_funnel_hand() -> None:
    # target 3; z = ±0.5·√54, 0; φ = mean z² = 27/3 = 9; DL τ² over the three units:
    # Q = Σ w (ȳ − 3)² = 27 = Iφ, τ² = (27 − 2)/(162 − 54) = 25/108
    v = np.full(3, 1 / 54)
    f = fit_funnel(np.array([3.5, 3.0, 2.5]), v)
    assert f is not None
    assert f.target == pytest.approx(3.0)
    assert f.phi == pytest.approx(9.0)
    assert f.tau2 == pytest.approx(25 / 108)
    lo, hi = limits(f, 1 / 54, Z95)
    assert hi == pytest.approx(3 + Z95 * np.sqrt(1 / 54 + 25 / 108))
    assert lo == pytest.approx(3 - Z95 * np.sqrt(1 / 54 + 25 / 108))


def test_funnel_no_overdispersion() -> None:
    f = fit_funnel(np.array([3.0, 3.01, 2.99, 3.0]), np.full(4, 0.01))
    assert f is not None and f.tau2 == 0.0
    assert fit_funnel(np.array([]), np.array([])) is None
    single = fit_funnel(np.array([3.2]), np.array([0.01]))
    assert single is not None and single.tau2 == 0.0 and single.target == pytest.approx(3.2)


def test_funnel_does_not_winsorise() -> None:
    # Method 2026.2: the outlier counts in full, in φ and in τ²_f (2026.1 clamped z at its
    # 10%/90% quantiles, which shrank both).
    y = np.array([2.0] + [3.0] * 18 + [3.02])
    v = np.array([0.01] * 10 + [0.02] * 10)
    f = fit_funnel(y, v)
    assert f is not None
    w = 1 / v
    target = float((w * y).sum() / w.sum())
    z = (y - target) / np.sqrt(v)
    assert f.target == pytest.approx(target)
    assert f.phi == pytest.approx(float(np.mean(z**2)))
    lo, hi = np.quantile(z, [0.1, 0.9], method="inverted_cdf")
    assert f.phi > float(np.mean(np.clip(z, lo, hi) ** 2))
    # τ²_f is the DerSimonian–Laird τ² of all the units (the shrinkage's estimator)
    assert f.tau2 == pytest.approx(float(dersimonian_laird(y, v)))
    q = float((w * (y - target) ** 2).sum())
    assert f.tau2 == pytest.approx((q - 19) / (w.sum() - (w * w).sum() / w.sum()))


def test_funnel_bands() -> None:
    f = Funnel(target=3.0, phi=1.0, tau2=0.0)
    v = 0.01  # sd 0.1
    assert band(f, 3.0, v) == "within"
    assert band(f, 3.0 + 0.1 * Z95, v) == "within"  # on the limit is inside
    assert band(f, 3.25, v) == "above_95"
    assert band(f, 3.35, v) == "above_99.8"
    assert band(f, 2.75, v) == "below_95"
    assert band(f, 2.65, v) == "below_99.8"
    assert Z998 > Z95


def test_rank_desc_ties_input_order() -> None:
    assert rank_desc(np.array([5.0, 7.0, 5.0, 1.0])).tolist() == [2, 1, 3, 4]
    assert rank_desc(np.array([[1.0, 2.0], [2.0, 1.0]])).tolist() == [[2, 1], [1, 2]]


def test_summarise_ranks_inverted_cdf() -> None:
    ranks = np.array([[1], [2], [2], [3], [5]] * 20)
    (s,) = summarise_ranks(ranks)
    assert (s.low, s.median, s.high) == (1, 2, 5)
    assert s.expected == pytest.approx(2.6)
    assert s.p_top3 == pytest.approx(0.8)


def test_sensitivity_without_kpi_is_stable() -> None:
    sat = np.array([80.0, 70.0, 60.0])
    out = sensitivity(sat, np.full(3, np.nan), np.array([1, 2, 3]), seed=1, draws=50, any_kpi=False)
    assert out.mean_abs_rank_shift == 0.0
    assert out.rank_ranges == [(1, 1), (2, 2), (3, 3)]


def test_sensitivity_detects_weight_dependence() -> None:
    # Unit 0 wins on satisfaction, unit 1 on KPI: equal at w = 0.5, so ranks swap across draws.
    sat = np.array([80.0, 60.0])
    kpi = np.array([60.0, 80.0])
    out = sensitivity(sat, kpi, np.array([1, 2]), seed=3, draws=400, any_kpi=True)
    assert out.rank_ranges == [(1, 2), (1, 2)]
    assert 0.2 < out.mean_abs_rank_shift < 0.8
    again = sensitivity(sat, kpi, np.array([1, 2]), seed=3, draws=400, any_kpi=True)
    assert again == out


def test_squared_correlation() -> None:
    x = np.array([1.0, 2.0, 3.0])
    assert squared_correlation(x, 2 * x + 1) == pytest.approx(1.0)
    assert squared_correlation(x, -x) == pytest.approx(1.0)
    assert squared_correlation(x, np.array([1.0, 1.0, 1.0])) is None
    assert squared_correlation(x[:1], x[:1]) is None
