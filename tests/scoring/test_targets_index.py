"""KPI pillar, index, decomposition, status and agency weights."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.index import (
    agency_weights,
    contributions,
    effective_weights,
    explain,
    performance_index,
    satisfaction_score,
    status,
)
from scoring.inputs import Kpi
from scoring.targets import achievement, indicator_score, kpi_pillar, unambitious_target


@pytest.mark.parametrize(
    ("actual", "target", "direction", "score"),
    [
        (80, 100, "higher", 80.0),
        (120, 100, "higher", 100.0),  # no credit above target
        (-5, 100, "higher", 0.0),
        (10, 10, "lower", 100.0),
        (20, 10, "lower", 0.0),  # twice the target -> 0
        (11, 10, "lower", 90.0),  # (2*10 - 11)/10
        (5, 10, "lower", 100.0),  # 150% achievement clipped
        (30, 10, "lower", 0.0),
    ],
)
def test_indicator_score(actual: float, target: float, direction: str, score: float) -> None:
    assert indicator_score(actual, target, direction) == pytest.approx(score)


def test_achievement_lower_is_lkjip_rule() -> None:
    assert achievement(5, 10, "lower") == pytest.approx(1.5)
    with pytest.raises(ValueError):
        achievement(5, 0, "higher")


def test_kpi_pillar_renormalises() -> None:
    kpis = [
        Kpi("U", "a", 100, 80, "higher", 1),  # 80
        Kpi("U", "b", 10, 11, "lower", 2),  # 90
        Kpi("U", "c", 10, None, "higher", 1),  # missing
    ]
    p = kpi_pillar(kpis)
    assert p.coverage == pytest.approx(0.75)
    assert p.weights == pytest.approx({"a": 1 / 3, "b": 2 / 3})
    assert p.value == pytest.approx(80 / 3 + 2 * 90 / 3)
    assert p.scores == {"a": pytest.approx(80.0), "b": pytest.approx(90.0), "c": None}


def test_kpi_pillar_coverage_rule() -> None:
    half = [Kpi("U", "a", 10, 10, "higher", 1), Kpi("U", "b", 10, None, "higher", 1)]
    assert kpi_pillar(half).value == pytest.approx(100.0)  # exactly 50% is enough
    below = [Kpi("U", "a", 10, 10, "higher", 1), Kpi("U", "b", 10, None, "higher", 1.5)]
    p = kpi_pillar(below)
    assert p.value is None
    assert p.coverage == pytest.approx(0.4)
    empty = kpi_pillar([])
    assert empty.value is None and empty.coverage is None
    with pytest.raises(ValueError):
        kpi_pillar([half[0], half[0]])


def test_unambitious_targets_flagged() -> None:
    assert unambitious_target(Kpi("U", "a", 90, 95, "higher", 1, previous_actual=95))
    assert not unambitious_target(Kpi("U", "a", 100, 95, "higher", 1, previous_actual=95))
    assert unambitious_target(Kpi("U", "d", 12, 9, "lower", 1, previous_actual=10))
    assert not unambitious_target(Kpi("U", "d", 8, 9, "lower", 1, previous_actual=10))
    assert not unambitious_target(Kpi("U", "a", 90, 95, "higher", 1))
    pillar = kpi_pillar([Kpi("U", "a", 90, 95, "higher", 1, previous_actual=95)])
    assert pillar.flags == ("a",)
    assert pillar.value == pytest.approx(100.0)  # flagged, not penalised


def test_satisfaction_goalposts() -> None:
    assert satisfaction_score(1.0) == 0.0
    assert satisfaction_score(4.0) == pytest.approx(100.0)
    assert satisfaction_score(2.5) == pytest.approx(50.0)


def test_index_and_weights() -> None:
    assert effective_weights(0.6, True) == (0.6, pytest.approx(0.4))
    assert effective_weights(0.6, False) == (1.0, 0.0)
    assert performance_index(70.0, 90.0, 0.5, 0.5) == pytest.approx(80.0)
    assert performance_index(70.0, None, 0.5, 0.5) is None
    assert performance_index(70.0, None, 1.0, 0.0) == 70.0
    assert performance_index(None, 90.0, 0.5, 0.5) is None


def test_contributions_sum_to_index() -> None:
    elem = {f"e{i}": 60.0 + i for i in range(9)}
    weights = {"a": 0.25, "b": 0.75}
    scores = {"a": 80.0, "b": 100.0, "c": None}
    parts = contributions(elem, weights, scores, 0.5, 0.5)
    s = float(np.mean(list(elem.values())))
    k = 0.25 * 80 + 0.75 * 100
    assert sum(parts.values()) == pytest.approx(0.5 * s + 0.5 * k)
    assert parts["e0"] == pytest.approx(0.5 / 9 * 60)
    assert parts["b"] == pytest.approx(0.5 * 0.75 * 100)
    assert "c" not in parts


def test_explain_sums_to_gap() -> None:
    elem = {"e0": 70.0, "e1": 50.0}
    city = {"e0": 65.0, "e1": 55.0}
    parts = explain(elem, city, {"a": 1.0}, {"a": 90.0}, 80.0, 0.5, 0.5)
    assert parts == pytest.approx({"e0": 1.25, "e1": -1.25, "a": 5.0})


def test_status() -> None:
    assert status(9, None, 10, 30, 0.7) == "not_scored"
    assert status(20, 0.9, 10, 30, 0.7) == "provisional"
    assert status(40, 0.69, 10, 30, 0.7) == "provisional"
    assert status(40, 0.70, 10, 30, 0.7) == "ranked"


def test_agency_weights() -> None:
    assert agency_weights([100, 300]) == pytest.approx([0.25, 0.75])
    assert agency_weights([100, None]) == pytest.approx([0.5, 0.5])
    assert agency_weights([100, 0]) == pytest.approx([0.5, 0.5])
