"""The advisory organisational predicate (scoring.predicate): boundaries, validation of the
thresholds, and the PermenPANRB 6/2022 distribution limits exactly as REGULATIONS.md lists
them."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.predicate import (
    BOUNDED,
    DEFAULT_THRESHOLDS,
    DISTRIBUTION_LIMITS,
    EMPLOYEE_PREDICATES,
    ORG_PREDICATES,
    Limit,
    Thresholds,
    advise,
    band,
    check_thresholds,
    distribution_limits,
    organisational_predicate,
)


def test_defaults_are_the_sakip_bands_merged():
    assert DEFAULT_THRESHOLDS.values() == (90.0, 70.0, 50.0, 30.0)
    assert DEFAULT_THRESHOLDS.as_dict() == {"istimewa": 90.0, "baik": 70.0,
                                            "butuh_perbaikan": 50.0, "kurang": 30.0}


@pytest.mark.parametrize(("index", "expected"), [
    (100.0, "istimewa"), (90.01, "istimewa"), (90.0, "baik"), (90.004, "baik"),
    (90.005, "istimewa"),  # rounded half-up to 90.01
    (89.999, "baik"),  # rounds to 90.00: not above 90
    (70.01, "baik"), (70.0, "butuh_perbaikan"), (50.01, "butuh_perbaikan"),
    (50.0, "kurang"), (30.01, "kurang"), (30.0, "sangat_kurang"), (0.0, "sangat_kurang"),
    (12.5, "sangat_kurang"),
])
def test_default_boundaries_are_exclusive_lower_bounds(index, expected):
    assert organisational_predicate(index) == expected


def test_custom_thresholds():
    t = Thresholds(85, 75.5, 60, 45.25)
    assert organisational_predicate(85.0, t) == "baik"
    assert organisational_predicate(85.01, t) == "istimewa"
    assert organisational_predicate(75.5, t) == "butuh_perbaikan"
    assert organisational_predicate(75.51, t) == "baik"
    assert organisational_predicate(45.25, t) == "sangat_kurang"
    assert organisational_predicate(45.26, t) == "kurang"
    assert Thresholds.of([85, 75.5, 60, 45.25]) == t


def test_extreme_but_valid_thresholds():
    t = Thresholds(100, 99.99, 0.01, 0)
    assert organisational_predicate(100.0, t) == "baik"  # Istimewa unreachable on 0–100
    assert organisational_predicate(0.0, t) == "sangat_kurang"
    assert organisational_predicate(0.004, t) == "sangat_kurang"
    assert organisational_predicate(0.005, t) == "kurang"


def test_the_index_must_be_a_number():
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            organisational_predicate(bad)


@pytest.mark.parametrize(("values", "problems"), [
    ((90, 70, 50, 30), []),
    ((90, 90, 50, 30), [("baik", "not_descending")]),
    ((70, 90, 50, 30), [("baik", "not_descending")]),
    ((90, 70, 50, 50), [("kurang", "not_descending")]),
    ((30, 50, 70, 90), [("baik", "not_descending"), ("butuh_perbaikan", "not_descending"),
                        ("kurang", "not_descending")]),
    ((101, 70, 50, 30), [("istimewa", "out_of_range")]),
    ((90, 70, 50, -1), [("kurang", "out_of_range")]),
    ((90, 70, 50, -0.01), [("kurang", "out_of_range")]),
    ((100.01, 70, 50, 30), [("istimewa", "out_of_range")]),
    ((90, 70.125, 50, 30), [("baik", "too_many_decimals")]),
    ((90, math.nan, 50, 30), [("baik", "not_a_number")]),
    ((math.inf, 70, 50, 30), [("istimewa", "not_a_number")]),
    # a bad bound is not also compared with its neighbours
    ((90, 200, 50, 30), [("baik", "out_of_range")]),
    ((90, 70, 50), [(None, "wrong_count")]),
    ((90, 70, 50, 30, 10), [(None, "wrong_count")]),
])
def test_check_thresholds(values, problems):
    assert check_thresholds(values) == problems
    if problems:
        with pytest.raises(ValueError):
            Thresholds.of(values)
    else:
        assert Thresholds.of(values).values() == tuple(float(v) for v in values)


def test_bands():
    t = DEFAULT_THRESHOLDS
    assert band("istimewa", t) == (90.0, None)
    assert band("baik", t) == (70.0, 90.0)
    assert band("butuh_perbaikan", t) == (50.0, 70.0)
    assert band("kurang", t) == (30.0, 50.0)
    assert band("sangat_kurang", t) == (None, 30.0)


def test_distribution_limits_as_regulations_md_lists_them():
    assert set(DISTRIBUTION_LIMITS) == set(ORG_PREDICATES)
    assert distribution_limits("istimewa") == (
        Limit("most", ("sangat_baik",)), Limit("at_most", ("sangat_baik",), 0.70))
    assert distribution_limits("baik") == (
        Limit("at_most", ("baik",), 0.70), Limit("some", ("butuh_perbaikan", "kurang")))
    assert distribution_limits("butuh_perbaikan") == (
        Limit("at_least", ("butuh_perbaikan",), 0.60), Limit("at_most", ("sangat_baik",), 0.10))
    assert distribution_limits("kurang") == (
        Limit("at_least", ("kurang",), 0.60), Limit("at_least", ("butuh_perbaikan",), 0.10),
        Limit("at_most", ("sangat_baik",), 0.10))
    assert distribution_limits("sangat_kurang") == (
        Limit("at_least", ("sangat_kurang",), 0.60),
        Limit("at_least", ("kurang", "butuh_perbaikan"), 0.10),
        Limit("none", ("sangat_baik",)))
    for limits in DISTRIBUTION_LIMITS.values():
        for limit in limits:
            assert set(limit.predicates) <= set(EMPLOYEE_PREDICATES)
            assert (limit.share is None) == (limit.kind in ("most", "some", "none"))
    with pytest.raises(ValueError):
        distribution_limits("sangat_baik")  # an employee predicate, not an organisation's


def test_advice():
    a = advise(83.456)
    assert a.predicate == "baik" and a.rounded == 83.46
    assert (a.low, a.high) == (70.0, 90.0)
    assert a.limits == DISTRIBUTION_LIMITS["baik"]
    assert a.thresholds == DEFAULT_THRESHOLDS


bound = st.integers(0, 10_000).map(lambda x: x / 100)


@settings(max_examples=200, deadline=None)
@given(st.lists(bound, min_size=4, max_size=4, unique=True), st.floats(0, 100))
def test_the_predicate_is_monotone_and_inside_its_band(values, index):
    t = Thresholds.of(sorted(values, reverse=True))
    predicate = organisational_predicate(index, t)
    low, high = band(predicate, t)
    rounded = round(index, 2)
    assert low is None or rounded > low - 1e-9
    assert high is None or rounded <= high + 1e-9
    # a higher index never gets a worse predicate
    higher = min(100.0, index + 1.0)
    assert ORG_PREDICATES.index(organisational_predicate(higher, t)) <= \
        ORG_PREDICATES.index(predicate)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=4, max_size=4))
def test_valid_exactly_when_no_problem(values):
    problems = check_thresholds(values)
    try:
        Thresholds.of(values)
    except ValueError:
        assert problems
    else:
        assert not problems
        assert all(0 <= v <= 100 for v in values)
        assert all(a > b for a, b in zip(values, values[1:], strict=False))
    assert {name for name, _ in problems} <= set(BOUNDED)
