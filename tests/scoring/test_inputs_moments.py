"""Input validation, the counting rule and the per-unit statistics."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.ikm import ELEMENTS
from scoring.inputs import Kpi, Parameters, UnitData, unit_data_from_responses
from scoring.moments import (
    element_means,
    histogram_moments,
    score_histogram,
    unit_mean,
    unit_moments,
)

FULL3 = dict.fromkeys(ELEMENTS, 3)


def test_unit_data_from_responses_counting_rule() -> None:
    seven = {**FULL3, "biaya": None, "sarana": None}  # counts: 7 answered, total 21
    six = {**seven, "waktu": None}  # not counted
    four = dict.fromkeys(ELEMENTS, 4)
    data = unit_data_from_responses("U", "A", "g", 100, [FULL3, seven, six, four])
    assert data.n == 3
    assert data.score_hist == ((7, 21, 1), (9, 27, 1), (9, 36, 1))
    counts = data.element_counts
    assert counts.shape == (9, 4)
    assert counts[ELEMENTS.index("persyaratan")].tolist() == [0, 0, 2, 1]
    assert counts[ELEMENTS.index("biaya")].tolist() == [0, 0, 1, 1]
    assert counts[ELEMENTS.index("waktu")].tolist() == [0, 0, 2, 1]  # `six` not counted


def test_unit_data_rejects_bad_answers() -> None:
    with pytest.raises(ValueError):
        unit_data_from_responses("U", None, None, None, [{**FULL3, "waktu": 5}])


def test_unit_data_consistency_checks() -> None:
    counts = np.zeros((9, 4), dtype=int)
    counts[:, 2] = 1
    UnitData("U", None, None, None, counts, ((9, 27, 1),))
    with pytest.raises(ValueError):  # totals disagree
        UnitData("U", None, None, None, counts, ((9, 28, 1),))
    with pytest.raises(ValueError):  # fewer than 7 answered is not a counted response
        UnitData("U", None, None, None, counts, ((6, 18, 1),))
    with pytest.raises(ValueError):
        UnitData("U", None, None, None, counts[:8], ((9, 27, 1),))
    with pytest.raises(ValueError):
        UnitData("U", None, None, -1, counts, ((9, 27, 1),))
    with pytest.raises(ValueError):
        UnitData("", None, None, None, counts, ((9, 27, 1),))
    empty = UnitData("E", None, None, None, np.zeros((9, 4)), ())
    assert empty.n == 0


def test_kpi_validation() -> None:
    Kpi("U", "k", 10, None, "lower", 1)
    for bad in (
        {"target": 0},
        {"target": -1},
        {"direction": "up"},
        {"weight": 0},
        {"weight": float("nan")},
        {"actual": float("inf")},
    ):
        args = {
            "unit": "U",
            "indicator": "k",
            "target": 10,
            "actual": 5,
            "direction": "higher",
            "weight": 1,
        } | bad
        with pytest.raises(ValueError):
            Kpi(**args)  # type: ignore[arg-type]


def test_parameters_validation() -> None:
    Parameters()
    for bad in (
        {"w_satisfaction": 1.5},
        {"seed": -1},
        {"draws": -1},
        {"ikm_weight": "0.1"},
        {"ikm_round": -1},
        {"regime": "x"},
        {"min_ranked": 5},
        {"reliability_target": 1.0},
        {"peer_min_units": 1},
    ):
        with pytest.raises(ValueError):
            Parameters(**bad)  # type: ignore[arg-type]


def test_element_and_unit_means() -> None:
    counts = np.array([[0, 0, 2, 2]] * 8 + [[0, 0, 0, 0]])
    em = element_means(counts)
    assert em[:8].tolist() == [3.5] * 8
    assert np.isnan(em[8])
    assert unit_mean(em) == 3.5
    assert np.isnan(unit_mean(np.full(9, np.nan)))


def test_score_histogram_merges_equal_scores() -> None:
    values, counts = score_histogram(((7, 21, 2), (9, 27, 3), (9, 36, 1), (8, 20, 0)))
    assert values.tolist() == [3.0, 4.0]
    assert counts.tolist() == [5, 1]


def test_histogram_moments() -> None:
    # scores 3, 3, 4, 2 -> mean 3, SS = 0 + 0 + 1 + 1
    mean, ss = histogram_moments(np.array([2.0, 3.0, 4.0]), np.array([1, 2, 1]))
    assert mean == pytest.approx(3.0)
    assert ss == pytest.approx(2.0)
    mean, ss = histogram_moments(np.array([]), np.array([], dtype=int))
    assert np.isnan(mean) and ss == 0.0


def test_unit_moments_respondent_vs_element_scale() -> None:
    # One respondent answers all 4, one answers 7 elements with 1 -> element means differ
    # from respondent means.
    r1 = dict.fromkeys(ELEMENTS, 4)
    r2 = {**dict.fromkeys(ELEMENTS, 1), "pengaduan": None, "sarana": None}
    m = unit_moments(unit_data_from_responses("U", None, None, None, [r1, r2]))
    assert m.n == 2
    assert m.score_mean == pytest.approx(2.5)
    assert m.within_ss == pytest.approx(4.5)
    # 7 elements at 2.5, pengaduan and sarana at 4 -> (7*2.5 + 8)/9
    assert m.mean == pytest.approx((7 * 2.5 + 8) / 9)
