"""Empirical-Bayes shrinkage on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.shrinkage import (
    TAU2_FLOOR,
    dersimonian_laird,
    estimate_hyper,
    group_hyper,
    pooled_within_variance,
    prior_size,
    respondents_for_reliability,
    shrink,
    shrink_elements,
    shrinkage_factor,
    target_groups,
)

Y = np.array([3.0, 3.2, 2.8])
V = np.array([0.01, 0.02, 0.01])


def test_pooled_within_variance() -> None:
    # SS 2.5 + 0 + 2.5 over (10-1)*3 degrees of freedom; the unit with n = 0 is ignored.
    assert pooled_within_variance(np.array([2.5, 0.0, 2.5, 0.0]), np.array([10, 10, 10, 0])) == (
        pytest.approx(5 / 27)
    )
    assert np.isnan(pooled_within_variance(np.array([0.0, 0.0]), np.array([1, 0])))


def test_dersimonian_laird_hand() -> None:
    # w = 100, 50, 100; ȳ_w = 740/250 = 2.96; Q = 0.16 + 2.88 + 2.56 = 5.6;
    # c = 250 - 22500/250 = 160; τ² = (5.6 - 2)/160 = 0.0225
    assert float(dersimonian_laird(Y, V)) == pytest.approx(0.0225)


def test_dersimonian_laird_truncates_and_small_k() -> None:
    assert float(dersimonian_laird(np.array([3.0, 3.0, 3.0]), V)) == 0.0
    assert float(dersimonian_laird(np.array([3.0]), np.array([0.1]))) == 0.0
    # vectorised along the last axis
    out = dersimonian_laird(np.stack([Y, Y]), np.stack([V, V]))
    assert out.shape == (2,)
    assert out == pytest.approx([0.0225, 0.0225])


def test_hyper_and_shrink_hand() -> None:
    h = group_hyper(Y, V)
    assert h.tau2 == pytest.approx(0.0225)
    assert h.tau2_eff == pytest.approx(0.0225)
    # w* = 400/13, 400/17, 400/13 -> μ = (5.8/13 + 3.2/17) / (2/13 + 1/17) = 140.2/47
    assert h.mu == pytest.approx(140.2 / 47)
    b = shrinkage_factor(V, h.tau2_eff)
    assert b == pytest.approx([4 / 13, 8 / 17, 4 / 13])
    theta = shrink(Y, h.mu, b)
    assert theta[0] == pytest.approx(h.mu + 9 / 13 * (3.0 - h.mu))
    assert theta[1] == pytest.approx(h.mu + 9 / 17 * (3.2 - h.mu))


def test_tau2_floor() -> None:
    mu, tau2, tau2_eff = estimate_hyper(np.array([3.0, 3.0]), np.array([0.1, 0.1]))
    assert float(tau2) == 0.0
    assert float(tau2_eff) == TAU2_FLOOR
    assert float(mu) == pytest.approx(3.0)


def test_prior_size_equivalence() -> None:
    sigma2, tau2 = 0.25, 0.05
    m = prior_size(sigma2, tau2)
    assert m == pytest.approx(5.0)
    n = np.array([10.0, 40.0])
    v = sigma2 / n
    b = shrinkage_factor(v, tau2)
    assert b == pytest.approx(m / (n + m))
    y, mu = np.array([3.4, 2.9]), 3.1
    assert shrink(y, mu, b) == pytest.approx((n * y + m * mu) / (n + m))


def test_respondents_for_reliability() -> None:
    assert respondents_for_reliability(3.0) == 7  # 3 * 0.7 / 0.3 = 7 exactly
    assert respondents_for_reliability(0.8) == 2  # 1.87 -> 2
    assert respondents_for_reliability(4.5) == 11  # 10.5 -> 11
    assert respondents_for_reliability(1.0, 0.5) == 1


def test_shrink_elements_mean_matches_unit() -> None:
    y_e = np.array([[3.0, 3.5, 4.0], [2.0, np.nan, 3.0], [3.0, 3.0, 3.0]])
    y = np.array([3.5, 2.5, 3.0])  # the unit means (mean over available elements)
    v = np.array([0.02, 0.05, 0.01])
    mu, tau2, tau2_eff = estimate_hyper(y, v)
    b = shrinkage_factor(v, float(tau2_eff))
    mu_e, theta_e = shrink_elements(y_e, y, v, float(tau2_eff), b)
    assert theta_e.mean(axis=1) == pytest.approx(shrink(y, float(mu), b))
    assert mu_e.mean() == pytest.approx(float(mu))
    # missing element of unit 2 is imputed with its own mean 2.5
    ws = 1 / (v + tau2_eff)
    assert mu_e[1] == pytest.approx((ws @ np.array([3.5, 2.5, 3.0])) / ws.sum())


def test_target_groups() -> None:
    groups = ["a"] * 5 + ["b"] * 4 + [None]
    assert target_groups(groups, 5) == ["a"] * 5 + [None] * 5
    assert target_groups(groups, 4) == groups
