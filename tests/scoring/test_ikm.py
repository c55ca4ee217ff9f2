"""Hand-computed checks of the official IKM (PermenPANRB 14/2017)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.ikm import (
    ELEMENTS,
    ELEMENTS_2004,
    GRADE_LABELS,
    ElementIkm,
    grade,
    is_counted,
    min_answered,
    official_ikm,
    required_sample,
)

# Counts of answers 1..4 for 4 responses giving the NRR in the comment.
C30 = [0, 0, 4, 0]  # 3.00
C325 = [0, 0, 3, 1]  # 3.25
C25 = [0, 2, 2, 0]  # 2.50
C40 = [0, 0, 0, 4]  # 4.00
C35 = [0, 0, 2, 2]  # 3.50
C375 = [0, 0, 1, 3]  # 3.75
C275 = [0, 1, 3, 0]  # 2.75

# NRR: 3.0, 3.25, 2.5, 4.0, 3.5, 3.75, 3.0, 2.75, 3.25 -> sum 29.0
MIXED = [C30, C325, C25, C40, C35, C375, C30, C275, C325]
ALL35 = [C35] * 9


def test_element_codes() -> None:
    assert len(ELEMENTS) == 9
    assert ELEMENTS[-2:] == ("pengaduan", "sarana")
    assert len(ELEMENTS_2004) == 14
    assert len(set(ELEMENTS_2004)) == 14
    assert GRADE_LABELS == {
        "A": "Sangat Baik",
        "B": "Baik",
        "C": "Kurang Baik",
        "D": "Tidak Baik",
    }


def test_counting_rule() -> None:
    assert min_answered() == 7
    assert min_answered("2004") == 11
    full = dict.fromkeys(ELEMENTS, 3)
    assert is_counted(full)
    seven = {**full, "biaya": None, "sarana": None}
    assert is_counted(seven)
    six = {**seven, "waktu": None}
    assert not is_counted(six)
    # Missing keys count as unanswered; unrelated keys are ignored.
    partial = {code: 4 for code in ELEMENTS[:6]} | {"comment": "x"}  # type: ignore[dict-item]
    assert not is_counted(partial)
    assert is_counted(dict.fromkeys(ELEMENTS_2004[:11], 2), regime="2004")
    assert not is_counted(dict.fromkeys(ELEMENTS_2004[:10], 2), regime="2004")
    with pytest.raises(ValueError):
        is_counted({**full, "waktu": 5})
    with pytest.raises(ValueError):
        is_counted({**full, "waktu": 0})


def test_exact_weight_mixed() -> None:
    res = official_ikm(MIXED, 4)
    assert res.n == 4
    assert res.ikm == pytest.approx(25 * 29 / 9)  # 80.555...
    assert res.grade == "B"
    assert res.elements["persyaratan"] == ElementIkm(nrr=3.0, ikm=75.0)
    assert res.elements["waktu"].nrr == pytest.approx(2.5)
    assert res.elements["waktu"].ikm == pytest.approx(62.5)
    assert res.elements["sarana"].nrr == pytest.approx(3.25)
    assert list(res.elements) == list(ELEMENTS)


@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        ("exact", 25 * 29 / 9),
        ("0.111", 25 * 0.111 * 29),  # 80.475
        ("0.11", 25 * 0.11 * 29),  # 79.75
        (0.111, 80.475),
        (0.11, 79.75),
    ],
)
def test_weight_modes(weight: str | float, expected: float) -> None:
    assert official_ikm(MIXED, 4, weight=weight).ikm == pytest.approx(expected)


def test_weight_modes_all_equal() -> None:
    assert official_ikm(ALL35, 4).ikm == pytest.approx(87.5)
    assert official_ikm(ALL35, 4, weight="0.111").ikm == pytest.approx(87.4125)
    assert official_ikm(ALL35, 4, weight="0.11").ikm == pytest.approx(86.625)


@pytest.mark.parametrize(
    ("weight", "decimals", "expected"),
    [
        # 3.5/9 = 0.3888.. -> 0.39; 9 * 0.39 = 3.51
        ("exact", 2, 87.75),
        # 0.111 * 3.5 = 0.3885 -> 0.39 (half up, despite binary float noise)
        ("0.111", 2, 87.75),
        # 0.3885 -> 0.389; 9 * 0.389 = 3.501
        ("0.111", 3, 87.525),
        # 0.11 * 3.5 = 0.385 -> 0.39
        ("0.11", 2, 87.75),
        ("0.11", 1, 90.0),  # 0.385 -> 0.4; 3.6 * 25
    ],
)
def test_per_element_rounding_all_equal(weight: str, decimals: int, expected: float) -> None:
    res = official_ikm(ALL35, 4, weight=weight, round_decimals=decimals)
    assert res.ikm == pytest.approx(expected)


def test_per_element_rounding_mixed() -> None:
    # exact, 2 decimals: .33 .36 .28 .44 .39 .42 .33 .31 .36 = 3.22
    assert official_ikm(MIXED, 4, round_decimals=2).ikm == pytest.approx(80.5)
    # 0.11, 2 decimals: .33 .36 (.3575) .28 (.275) .44 .39 (.385) .41 (.4125) .33 .30 (.3025)
    # .36 = 3.20
    assert official_ikm(MIXED, 4, weight="0.11", round_decimals=2).ikm == pytest.approx(80.0)
    # 0.111, 3 decimals: .333 .361 .278 .444 .389 .416 .333 .305 .361 = 3.220
    res = official_ikm(MIXED, 4, weight="0.111", round_decimals=3)
    assert res.ikm == pytest.approx(80.5)


def test_missing_element_scaled() -> None:
    counts = [list(c) for c in MIXED]
    counts[3] = [0, 0, 0, 0]  # biaya unanswered (NRR 4.0 removed): remaining sum 25.0 over 8
    res = official_ikm(counts, 4)
    assert res.elements["biaya"] == ElementIkm(nrr=None, ikm=None)
    assert res.ikm == pytest.approx(25 * 25.0 / 8)
    res = official_ikm(counts, 4, weight="0.11")
    assert res.ikm == pytest.approx(25 * 0.11 * 25.0 * 9 / 8)


def test_partial_answers_nrr_uses_answered_count() -> None:
    counts = [list(c) for c in ALL35]
    counts[0] = [0, 0, 1, 2]  # only 3 of the 4 responses answered persyaratan: NRR 11/3
    res = official_ikm(counts, 4)
    assert res.elements["persyaratan"].nrr == pytest.approx(11 / 3)


def test_no_responses() -> None:
    res = official_ikm(np.zeros((9, 4)), 0)
    assert res.ikm is None
    assert res.grade is None
    assert res.n == 0
    assert all(e.nrr is None and e.ikm is None for e in res.elements.values())


def test_regime_2004() -> None:
    counts = [[0, 0, 2, 2]] * 14
    assert official_ikm(counts, 4, regime="2004").ikm == pytest.approx(87.5)
    assert official_ikm(counts, 4, regime="2004", weight="0.071").ikm == pytest.approx(
        25 * 0.071 * 14 * 3.5
    )
    with pytest.raises(ValueError):
        official_ikm(counts, 4, regime="2004", weight="0.111")
    with pytest.raises(ValueError):
        official_ikm(MIXED, 4, regime="2004")


def test_bad_inputs() -> None:
    with pytest.raises(ValueError):
        official_ikm(MIXED, 4, weight="0.1")
    with pytest.raises(ValueError):
        official_ikm(MIXED[:8], 4)
    with pytest.raises(ValueError):
        official_ikm(MIXED, 4, regime="1999")


@pytest.mark.parametrize(
    ("ikm", "expected"),
    [
        (100.0, "A"),
        (88.31, "A"),
        (88.305, "A"),  # rounds half up to 88.31
        (88.30499999999999, "A"),  # float noise around 88.305
        (88.3049, "B"),
        (88.30, "B"),
        (76.61, "B"),
        (76.605, "B"),
        (76.60, "C"),
        (76.6049, "C"),
        (65.00, "C"),
        (64.995, "C"),
        (64.99, "D"),
        (64.9949, "D"),
        (25.0, "D"),
    ],
)
def test_grade_boundaries(ikm: float, expected: str) -> None:
    assert grade(ikm) == expected


def test_grade_float_sum() -> None:
    # 25 * (the 9 weighted NRRs) can land a hair below a boundary in binary floating point.
    value = 25 * sum([88.31 / 25 / 9] * 9)
    assert grade(value) == "A"


@pytest.mark.parametrize(
    ("ikm", "expected"),
    [(81.26, "A"), (81.25, "B"), (62.51, "B"), (62.50, "C"), (43.76, "C"), (43.75, "D")],
)
def test_grade_2004(ikm: float, expected: str) -> None:
    assert grade(ikm, "2004") == expected


@pytest.mark.parametrize(
    ("population", "sample"),
    [
        (15, 14),
        (50, 44),
        (100, 80),
        (1000, 278),
        (10000, 370),
        (1000000, 384),
        (10, 10),
        (200, 132),
        (500, 217),
        (1, 1),
        (0, 0),
    ],
)
def test_required_sample(population: int, sample: int) -> None:
    assert required_sample(population) == sample
