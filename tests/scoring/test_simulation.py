"""Simulation study of the method against a known truth (method suara-2026.2).

Truth.  A city has 60 units.  Unit u's true mean answer is ``μ_u = 3.15 + 0.15·N(0, 1)`` on
the 1–4 scale (true between-unit sd 0.15, τ² = 0.0225).  Its number of counted responses is
log-uniform on 12..400 (every unit is scored; those under 30 are provisional).  Respondent r
has a propensity ``p_r ~ Beta(κp_u, κ(1 − p_u))`` with ``p_u = (μ_u − 1)/3`` and κ = 6 (a
"halo": a respondent who is pleased answers every element higher), and answers each of the 9
elements ``1 + Binomial(3, p_r)``.  So every answer of unit u has mean exactly μ_u, answers
are discrete 1..4, and the pooled within-unit variance of respondent scores is about 0.31
(sd 0.56), so a unit needs about 33 respondents for reliability 0.70.  All draws come from
``numpy.random.default_rng([SEED, city])``; the engine's draws from ``Parameters(seed=city)``.

Measured (pytest -s prints the figures of a run):

Funnel bands, share of units outside each band.  All units of a city are ordinary draws from
the same random-effects distribution, so the share outside a band is its false-alarm rate.
``FUNNEL_CITIES`` = 400 cities = 24,000 units, no bootstrap draws needed:

    method              outside 95% (nominal 5%)   outside 99.8% (nominal 0.2%)
    2026.2 (this one)   4.82%  (MC se 0.12%)       0.121% (MC se 0.023%)
    2026.1 winsorised   13.10% (MC se 0.17%)       1.92%  (MC se 0.09%)

A longer run of 2,000 cities (120,000 units) gave 4.88% / 0.149% (2026.2) and
12.95% / 1.82% (2026.1).  The Monte-Carlo standard errors are between cities (each city's
share is one observation), so they include the correlation that the shared estimates of the
target and τ²_f create within a city.  The 99.8% band is slightly conservative (0.15% rather
than 0.2%): an extreme unit also raises the city's τ²_f, and so widens its own limits.

Rank intervals: ``COVERAGE_CITIES`` = 40 cities with the default 2,000 bootstrap draws.  The
true rank (the rank of μ_u among the units the engine ranks) lies inside the unit's 95%
interval ``[low, high]`` for 95.9% of the ranked units (mean over cities, MC se 0.45%; 1,694
ranked units, about 42 per city; intervals 17.2 ranks wide on average).  150 cities gave
96.6% of 6,209.

Tolerances.  The bands must be within [4%, 6%] (95%) and [0.05%, 0.4%] (99.8%); the test
checks that each limit is at least 4 Monte-Carlo standard errors from the nominal rate, and
the measured rates are 5 se (95%) and 3 se (99.8%) inside the lower limits.  The 2026.1
method fails both checks by far more than 10 se (that test is the check of power).  Coverage
must be at least 92% (8 se below the measured 95.9%; 85–90% would mean the intervals miss
real uncertainty) and at most 99.5% (intervals so wide that they always cover say nothing).

Runtime of this file: about 7.5 s on one core of the development machine.
"""

from __future__ import annotations

import functools

import numpy as np

from scoring.engine import score
from scoring.funnel import Z95, Z998
from scoring.inputs import Parameters, UnitData

SEED = 2026
N_UNITS = 60
TRUE_SD = 0.15
CITY_MEAN = 3.15
KAPPA = 6.0
N_RANGE = (12, 400)
FUNNEL_CITIES = 400
COVERAGE_CITIES = 40
COVERAGE_DRAWS = 2000


def simulate_city(city: int) -> tuple[np.ndarray, list[UnitData]]:
    """True unit means and the units' response aggregates for one replicate city."""
    rng = np.random.default_rng([SEED, city])
    mu = CITY_MEAN + TRUE_SD * rng.standard_normal(N_UNITS)
    n = np.round(np.exp(rng.uniform(*np.log(N_RANGE), N_UNITS))).astype(int)
    units = []
    for i in range(N_UNITS):
        p = (mu[i] - 1.0) / 3.0
        propensity = rng.beta(KAPPA * p, KAPPA * (1.0 - p), size=n[i])
        answers = 1 + rng.binomial(3, propensity[:, None], size=(n[i], 9))
        counts = np.stack([(answers == k).sum(axis=0) for k in range(1, 5)], axis=1)
        totals, how_many = np.unique(answers.sum(axis=1), return_counts=True)
        hist = tuple((9, int(t), int(c)) for t, c in zip(totals, how_many, strict=True))
        units.append(UnitData(f"U{i:02d}", None, None, int(n[i]), counts, hist))
    return mu, units


def winsorised_funnel_2026_1(y: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """The funnel of method 2026.1 (z winsorised at 10%/90% before φ): (target, τ²_f)."""
    w = 1.0 / v
    target = float((w * y).sum() / w.sum())
    z = (y - target) / np.sqrt(v)
    lo, hi = np.quantile(z, [0.1, 0.9], method="inverted_cdf")
    phi = float(np.mean(np.clip(z, lo, hi) ** 2))
    k = y.size
    denom = float(w.sum() - (w * w).sum() / w.sum())
    tau2 = 0.0 if k * phi < k - 1 or denom <= 0 else (k * phi - (k - 1)) / denom
    return target, tau2


@functools.cache
def funnel_rates() -> dict[str, np.ndarray]:
    """Per city: share of units outside the 95% and 99.8% bands, new and old method."""
    rates: dict[str, list[float]] = {"new95": [], "new998": [], "old95": [], "old998": []}
    for city in range(FUNNEL_CITIES):
        _, units = simulate_city(city)
        result = score(units, [], Parameters(draws=0, seed=city))
        bands = [u.funnel for u in result.units]
        assert None not in bands  # every unit is scored
        rates["new95"].append(np.mean([b != "within" for b in bands]))
        rates["new998"].append(np.mean([b in ("above_99.8", "below_99.8") for b in bands]))
        y = np.array([u.mean for u in result.units])
        n = np.array([u.n for u in result.units])
        assert result.city.sigma2_w is not None
        v = result.city.sigma2_w / n
        target, tau2 = winsorised_funnel_2026_1(y, v)
        gap = np.abs(y - target)
        rates["old95"].append(np.mean(gap > Z95 * np.sqrt(v + tau2)))
        rates["old998"].append(np.mean(gap > Z998 * np.sqrt(v + tau2)))
    return {k: np.array(x) for k, x in rates.items()}


def mean_and_se(per_city: np.ndarray) -> tuple[float, float]:
    """Mean over cities and its Monte-Carlo standard error (between-city)."""
    return float(per_city.mean()), float(per_city.std(ddof=1) / np.sqrt(per_city.size))


def test_funnel_bands_keep_their_nominal_false_alarm_rates() -> None:
    rates = funnel_rates()
    rate95, se95 = mean_and_se(rates["new95"])
    rate998, se998 = mean_and_se(rates["new998"])
    print(
        f"2026.2 funnel: outside 95% {rate95:.4f} (se {se95:.4f}), "
        f"outside 99.8% {rate998:.5f} (se {se998:.5f})"
    )
    lo95, hi95 = 0.04, 0.06
    lo998, hi998 = 0.0005, 0.004
    # The tolerances are wide compared with the Monte-Carlo error (else too few replicates).
    assert min(0.05 - lo95, hi95 - 0.05) >= 4 * se95
    assert min(0.002 - lo998, hi998 - 0.002) >= 4 * se998
    assert lo95 <= rate95 <= hi95
    assert lo998 <= rate998 <= hi998


def test_the_winsorised_2026_1_funnel_fails_the_same_check() -> None:
    """Power of the test above: the 2026.1 method flags far too many ordinary units."""
    rates = funnel_rates()
    rate95, se95 = mean_and_se(rates["old95"])
    rate998, se998 = mean_and_se(rates["old998"])
    print(
        f"2026.1 funnel: outside 95% {rate95:.4f} (se {se95:.4f}), "
        f"outside 99.8% {rate998:.5f} (se {se998:.5f})"
    )
    assert rate95 > 0.06 + 10 * se95
    assert rate998 > 0.004 + 10 * se998


def test_rank_intervals_cover_the_true_ranks() -> None:
    covered: list[float] = []  # per city: share of ranked units whose true rank is inside
    widths: list[int] = []
    n_ranked = 0
    for city in range(COVERAGE_CITIES):
        mu, units = simulate_city(1_000_000 + city)
        result = score(units, [], Parameters(draws=COVERAGE_DRAWS, seed=city))
        ranked = [i for i, u in enumerate(result.units) if u.status == "ranked"]
        n_ranked += len(ranked)
        true_rank = np.empty(len(ranked), dtype=int)
        true_rank[np.argsort(-mu[ranked], kind="stable")] = np.arange(1, len(ranked) + 1)
        inside = []
        for j, i in enumerate(ranked):
            interval = result.units[i].rank_interval
            assert interval.low is not None and interval.high is not None
            inside.append(interval.low <= true_rank[j] <= interval.high)
            widths.append(interval.high - interval.low + 1)
        covered.append(float(np.mean(inside)))
    coverage, se = mean_and_se(np.array(covered))
    print(
        f"rank intervals: coverage {coverage:.4f} (se {se:.4f}) over {n_ranked} ranked "
        f"units in {COVERAGE_CITIES} cities, mean width {np.mean(widths):.1f} ranks"
    )
    assert n_ranked > 30 * COVERAGE_CITIES
    assert 0.92 <= coverage <= 0.995
