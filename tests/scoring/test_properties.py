"""Property tests of the method (hypothesis)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scoring.funnel import Z95, Z998, fit_funnel, limits
from scoring.inputs import Kpi, Parameters, UnitData
from scoring.targets import indicator_score
from tests.scoring.builders import random_responses, score_json, unit

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = 1e-9

unit_spec = st.tuples(
    st.integers(0, 60),  # respondents
    st.floats(1.6, 3.9),  # level
    st.sampled_from(["g1", "g2", None]),  # peer group
    st.sampled_from(["A", "B", None]),  # agency
    st.one_of(st.none(), st.integers(1, 5000)),  # volume
    st.one_of(st.none(), st.floats(0, 120)),  # KPI actual (None = not reported)
    st.sampled_from(["higher", "lower"]),
)
city_spec = st.tuples(
    st.lists(unit_spec, min_size=1, max_size=9), st.integers(0, 2**16), st.booleans()
)


def build(spec: tuple[list[Any], int, bool]) -> tuple[list[UnitData], list[Kpi]]:
    specs, seed, with_kpi = spec
    units: list[UnitData] = []
    kpis: list[Kpi] = []
    for i, (n, level, group, agency, volume, actual, direction) in enumerate(specs):
        rng = np.random.default_rng([seed, i])
        name = f"U{i}"
        units.append(
            unit(
                name,
                random_responses(rng, n, level, skip=0.05),
                agency=agency,
                peer_group=group,
                volume=volume,
            )
        )
        if with_kpi:
            kpis.append(Kpi(name, "k1", 80.0, actual, direction, 2.0))
            kpis.append(Kpi(name, "k2", 10.0, 9.0, "lower", 1.0))
    return units, kpis


PARAMS = Parameters(draws=30, min_ranked=15, peer_min_units=3)


def close(a: Any, b: Any) -> bool:
    """Recursive equality with float tolerance."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


@SETTINGS
@given(city_spec)
def test_shrinkage_stays_between_mean_and_target(spec: tuple[list[Any], int, bool]) -> None:
    units, kpis = build(spec)
    out = score_json(units, kpis, PARAMS)
    for u in out["units"]:
        if u["shrunk_mean"] is None:
            continue
        target = u["shrinkage_target"]
        mu = out["city"]["mu"] if target == "city" else out["city"]["peer_groups"][target]["mu"]
        lo, hi = min(u["mean"], mu), max(u["mean"], mu)
        assert lo - TOL <= u["shrunk_mean"] <= hi + TOL
        assert 0 <= u["shrinkage"] <= 1


@SETTINGS
@given(city_spec)
def test_elements_average_and_contributions_sum(spec: tuple[list[Any], int, bool]) -> None:
    units, kpis = build(spec)
    out = score_json(units, kpis, PARAMS)
    for u in out["units"]:
        if u["satisfaction"] is not None:
            scores = [e["score"] for e in u["elements"].values()]
            assert math.isclose(float(np.mean(scores)), u["satisfaction"], abs_tol=1e-9)
        if u["index"] is not None:
            assert math.isclose(sum(u["contributions"].values()), u["index"], abs_tol=1e-9)
            gap = u["index"] - out["city"]["mean_index"]
            assert math.isclose(sum(u["explain"].values()), gap, abs_tol=1e-9)
        else:
            assert u["contributions"] is None


@SETTINGS
@given(city_spec, st.randoms(use_true_random=False))
def test_permuting_units_changes_nothing(spec: tuple[list[Any], int, bool], rnd: Any) -> None:
    units, kpis = build(spec)
    out = score_json(units, kpis, PARAMS)
    indexes = [u["index"] for u in out["units"] if u["index"] is not None]
    assume(len(set(np.round(indexes, 9))) == len(indexes))  # no ties (ties keep input order)
    order = list(range(len(units)))
    rnd.shuffle(order)
    kpi_order = list(range(len(kpis)))
    rnd.shuffle(kpi_order)
    shuffled = score_json([units[i] for i in order], [kpis[i] for i in kpi_order], PARAMS)
    by_name = {u["unit"]: u for u in shuffled["units"]}
    for u in out["units"]:
        assert close(u, by_name[u["unit"]])
    agencies = {a["agency"]: a for a in shuffled["agencies"]}
    for a in out["agencies"]:
        assert close(a, agencies[a["agency"]])
    city = dict(out["city"])
    other = dict(shuffled["city"])
    assert close(city, other)


@SETTINGS
@given(city_spec, st.booleans())
def test_adding_unit_without_responses_changes_nothing(
    spec: tuple[list[Any], int, bool], with_kpi: bool
) -> None:
    units, kpis = build(spec)
    out = score_json(units, kpis, PARAMS)
    empty = UnitData("Empty", "A", "g1", 100, np.zeros((9, 4), dtype=int), ())
    extra = [Kpi("Empty", "k1", 80.0, 70.0, "higher", 1.0)] if with_kpi else []
    more = score_json([*units, empty], kpis + extra, PARAMS)
    assert close(out["units"], more["units"][:-1])
    added = more["units"][-1]
    assert added["status"] == "not_scored" and added["index"] is None
    for key in ("mu", "tau2", "sigma2_w", "funnel", "mean_abs_rank_shift", "effective_importance"):
        assert close(out["city"][key], more["city"][key])
    before = {a["agency"]: a for a in out["agencies"]}
    for a in more["agencies"]:
        if a["agency"] in before:
            assert close(a["index"], before[a["agency"]]["index"])
            assert close(a["rank_interval"], before[a["agency"]]["rank_interval"])


@SETTINGS
@given(st.floats(1e-3, 1e6))
def test_lower_is_better_goalposts(target: float) -> None:
    assert indicator_score(target, target, "lower") == 100.0
    assert indicator_score(2 * target, target, "lower") == 0.0
    assert indicator_score(target, target, "higher") == 100.0


@SETTINGS
@given(
    st.lists(st.floats(1.5, 4.0), min_size=2, max_size=20),
    st.floats(0.05, 1.0),
    st.integers(1, 500),
    st.integers(1, 500),
)
def test_funnel_limits_widen_as_n_falls(
    means: list[float], sigma2: float, n1: int, n2: int
) -> None:
    assume(n1 != n2)
    small, large = min(n1, n2), max(n1, n2)
    y = np.array(means)
    f = fit_funnel(y, np.full(y.size, sigma2 / 30))
    assert f is not None
    for z in (Z95, Z998):
        lo_s, hi_s = limits(f, sigma2 / small, z)
        lo_l, hi_l = limits(f, sigma2 / large, z)
        assert hi_s > hi_l and lo_s < lo_l


@SETTINGS
@given(city_spec, st.integers(0, 1000))
def test_same_seed_same_intervals_and_json(spec: tuple[list[Any], int, bool], seed: int) -> None:
    units, kpis = build(spec)
    params = Parameters(draws=30, seed=seed, min_ranked=15)
    first = score_json(units, kpis, params)
    second = score_json(units, kpis, params)
    assert [u["rank_interval"] for u in first["units"]] == [
        u["rank_interval"] for u in second["units"]
    ]
    assert first == second
    text = json.dumps(first, allow_nan=False)
    assert "NaN" not in text and "Infinity" not in text


@SETTINGS
@given(city_spec)
def test_status_matches_what_the_unit_shows(spec: tuple[list[Any], int, bool]) -> None:
    units, kpis = build(spec)
    out = score_json(units, kpis, PARAMS)
    for u in out["units"]:
        shows_rank = u["rank"] is not None
        assert shows_rank == (u["status"] == "ranked")
        if u["status"] == "ranked":
            assert u["index"] is not None and u["rank_range"] is not None
            assert u["rank_interval"]["low"] is not None
        elif u["status"] == "unranked_no_kpi":
            assert u["index"] is None and u["satisfaction"] is not None
        elif u["status"] == "not_scored":
            assert u["satisfaction"] is None and u["index"] is None
        else:
            assert u["status"] == "provisional" and u["satisfaction"] is not None
