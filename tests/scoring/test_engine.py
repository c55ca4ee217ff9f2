"""The engine end to end, on a hand-computed city and on edge cases."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scoring.engine import METHOD
from scoring.ikm import ELEMENTS, ELEMENTS_2004
from scoring.inputs import Kpi, Parameters, UnitData
from tests.scoring.builders import flat, flat_unit, random_units, score_json, unit

UNIT_KEYS = {
    "unit",
    "agency",
    "peer_group",
    "n",
    "status",
    "ikm",
    "grade",
    "required_sample",
    "elements",
    "mean",
    "shrinkage",
    "reliability",
    "shrunk_mean",
    "satisfaction",
    "kpi",
    "kpi_coverage",
    "kpi_scores",
    "index",
    "rank",
    "rank_interval",
    "funnel",
    "contributions",
}
CITY_KEYS = {
    "mu",
    "tau2",
    "sigma2_w",
    "prior_size",
    "respondents_for_reliability",
    "funnel",
    "effective_importance",
    "mean_abs_rank_shift",
}


def hand_city() -> tuple[list[UnitData], list[Kpi]]:
    """Three units of 10, every respondent answering all elements alike.

    A: five 3s, five 4s (ȳ 3.5, SS 2.5); B: ten 3s (ȳ 3, SS 0); C: five 2s, five 3s (ȳ 2.5).
    σ²_w = 5/27, v = 1/54, DL τ² = (27 - 2)/108 = 25/108, μ = 3, B_u = 2/27, m = 0.8.
    """
    units = [
        flat_unit("A", [(3, 5), (4, 5)], agency="X", volume=100),
        flat_unit("B", [(3, 10)], agency="X", volume=300),
        flat_unit("C", [(2, 5), (3, 5)], agency="Y"),
    ]
    kpis = [
        Kpi("A", "k", 100, 80, "higher", 1),
        Kpi("B", "k", 10, 11, "lower", 1),
        Kpi("C", "k1", 5, None, "higher", 1),
        Kpi("C", "k2", 5, 5, "higher", 3),
    ]
    return units, kpis


def test_structure_and_json() -> None:
    units, kpis = hand_city()
    out = score_json(units, kpis, Parameters(draws=50, min_ranked=10))
    assert out["method"] == METHOD == "suara-2026.2"
    assert set(out) == {"method", "parameters", "city", "units", "agencies", "period"}
    assert out["period"] is None  # set by the server
    params = out["parameters"]
    for key in (
        "w_satisfaction",
        "seed",
        "draws",
        "ikm_weight",
        "ikm_round",
        "regime",
        "min_scored",
        "min_ranked",
        "reliability_target",
        "peer_min_units",
        "w_kpi",
    ):
        assert key in params
    assert set(out["city"]) >= CITY_KEYS
    assert set(out["city"]["funnel"]) == {"target", "phi", "tau2"}
    assert set(out["city"]["effective_importance"]) == {"satisfaction", "kpi"}
    assert [u["unit"] for u in out["units"]] == ["A", "B", "C"]
    for u in out["units"]:
        assert set(u) >= UNIT_KEYS
        assert set(u["elements"]) == set(ELEMENTS)
        assert set(u["rank_interval"]) == {"low", "median", "high", "expected", "p_top3"}
        for e in u["elements"].values():
            assert set(e) == {"nrr", "ikm", "score"}
    assert {a["agency"] for a in out["agencies"]} == {"X", "Y"}
    for a in out["agencies"]:
        assert {"agency", "index", "rank_interval"} <= set(a)
    json.dumps(out, allow_nan=False)


def test_hand_computed_city() -> None:
    units, kpis = hand_city()
    out = score_json(units, kpis, Parameters(draws=50, min_ranked=10))
    city = out["city"]
    assert city["sigma2_w"] == pytest.approx(5 / 27)
    assert city["tau2"] == pytest.approx(25 / 108)
    assert city["mu"] == pytest.approx(3.0)
    assert city["prior_size"] == pytest.approx(0.8)
    assert city["respondents_for_reliability"] == 2
    assert city["funnel"]["target"] == pytest.approx(3.0)
    assert city["funnel"]["phi"] == pytest.approx(9.0)
    assert city["funnel"]["tau2"] == pytest.approx(25 / 108)
    a, b, c = out["units"]
    assert a["ikm"] == 87.5 and a["grade"] == "B"
    assert b["ikm"] == 75.0 and b["grade"] == "C"
    assert c["ikm"] == 62.5 and c["grade"] == "D"
    assert a["mean"] == 3.5
    assert a["shrinkage"] == pytest.approx(2 / 27)
    assert a["reliability"] == pytest.approx(25 / 27)
    theta_a = 3 + 25 / 27 * 0.5
    assert a["shrunk_mean"] == pytest.approx(theta_a)
    s_a = (theta_a - 1) / 3 * 100
    assert a["satisfaction"] == pytest.approx(s_a)
    assert a["elements"]["waktu"]["score"] == pytest.approx(s_a)
    assert a["elements"]["waktu"]["nrr"] == 3.5
    assert a["elements"]["waktu"]["ikm"] == 87.5
    assert b["satisfaction"] == pytest.approx(200 / 3)
    # KPI: A 80; B lower-is-better (20 - 11)/10 = 90; C: k1 missing, k2 on target, 75% coverage
    assert a["kpi"] == pytest.approx(80.0)
    assert b["kpi"] == pytest.approx(90.0)
    assert c["kpi"] == pytest.approx(100.0)
    assert c["kpi_coverage"] == pytest.approx(0.75)
    assert c["kpi_scores"] == {"k1": None, "k2": pytest.approx(100.0)}
    assert a["index"] == pytest.approx(0.5 * s_a + 40)
    assert b["index"] == pytest.approx(0.5 * 200 / 3 + 45)
    # C: θ = 3 - 25/27·0.5; index = 0.5·S + 50
    s_c = (3 - 25 / 54 - 1) / 3 * 100
    assert c["index"] == pytest.approx(0.5 * s_c + 50)
    ranks = {u["unit"]: u["rank"] for u in out["units"]}
    assert ranks == {"A": 1, "B": 2, "C": 3}
    assert all(u["status"] == "ranked" for u in out["units"])
    assert all(u["funnel"] == "within" for u in out["units"])
    assert a["required_sample"] == 80 and a["responses_needed"] == 70
    assert c["required_sample"] is None
    # agency X: volume-weighted (100, 300) mean of A and B
    x = next(ag for ag in out["agencies"] if ag["agency"] == "X")
    assert x["index"] == pytest.approx(0.25 * a["index"] + 0.75 * b["index"])
    # contributions: 9 equal element parts of 0.5/9·S plus the indicator
    assert a["contributions"]["k"] == pytest.approx(40.0)
    assert a["contributions"]["sarana"] == pytest.approx(0.5 / 9 * s_a)
    assert sum(c["contributions"].values()) == pytest.approx(c["index"])
    assert set(c["contributions"]) == set(ELEMENTS) | {"k2"}
    # explain sums to the gap to the city mean index
    mean_index = (a["index"] + b["index"] + c["index"]) / 3
    assert out["city"]["mean_index"] == pytest.approx(mean_index)
    for u in (a, b, c):
        assert sum(u["explain"].values()) == pytest.approx(u["index"] - mean_index, abs=1e-9)


def test_status_thresholds_and_not_scored_fields() -> None:
    units, kpis = hand_city()
    units.append(flat_unit("tiny", [(4, 9)]))
    out = score_json(units, kpis, Parameters(draws=20))
    by = {u["unit"]: u for u in out["units"]}
    assert by["A"]["status"] == "provisional"  # n = 10 < 30
    assert by["A"]["rank"] is None and by["A"]["index"] is not None
    tiny = by["tiny"]
    assert tiny["status"] == "not_scored"
    assert tiny["ikm"] == 100.0 and tiny["grade"] == "A"
    for key in (
        "shrinkage",
        "reliability",
        "shrunk_mean",
        "satisfaction",
        "index",
        "rank",
        "funnel",
        "contributions",
    ):
        assert tiny[key] is None
    assert all(e["score"] is None for e in tiny["elements"].values())
    json.dumps(out, allow_nan=False)


def test_reliability_rule_makes_provisional() -> None:
    # Nearly identical units -> τ² near zero -> heavy shrinkage -> low reliability.
    units = [flat_unit(f"U{i}", [(3, 20 + i), (4, 20)]) for i in range(4)]
    out = score_json(units, [], Parameters(draws=20))
    for u in out["units"]:
        assert u["n"] >= 30
        assert u["reliability"] < 0.7
        assert u["status"] == "provisional"


def test_no_kpi_index_is_satisfaction() -> None:
    units, _ = hand_city()
    out = score_json(units, [], Parameters(draws=20, min_ranked=10))
    assert out["parameters"]["w_kpi"] == 0.0
    for u in out["units"]:
        assert u["index"] == pytest.approx(u["satisfaction"])
        assert sum(u["contributions"].values()) == pytest.approx(u["index"])
        assert u["kpi"] is None and u["kpi_coverage"] is None and u["kpi_scores"] == {}
    assert out["city"]["effective_importance"]["satisfaction"] == pytest.approx(1.0)
    assert out["city"]["effective_importance"]["kpi"] is None


def test_missing_kpi_means_no_index() -> None:
    units, kpis = hand_city()
    out = score_json(units, [k for k in kpis if k.unit != "B"], Parameters(draws=20, min_ranked=10))
    by = {u["unit"]: u for u in out["units"]}
    assert by["B"]["index"] is None and by["B"]["rank"] is None
    # enough evidence to be ranked, but no index: the status says so (never "ranked" here)
    assert by["B"]["status"] == "unranked_no_kpi"
    assert by["B"]["rank_interval"] == dict.fromkeys(
        ("low", "median", "high", "expected", "p_top3")
    )
    assert by["B"]["rank_range"] is None
    assert by["A"]["rank"] == 1 and by["C"]["rank"] == 2


def test_weights_parameter() -> None:
    units, kpis = hand_city()
    out = score_json(units, kpis, Parameters(draws=0, w_satisfaction=0.8, min_ranked=10))
    a = out["units"][0]
    assert a["index"] == pytest.approx(0.8 * a["satisfaction"] + 0.2 * a["kpi"])


def test_peer_group_targets() -> None:
    units = random_units(9, seed=4, n_range=(30, 60), peer_groups=("g",) * 6 + (None,) * 3)
    out = score_json(units, [], Parameters(draws=20))
    groups = out["city"]["peer_groups"]
    assert set(groups) == {"g"}
    for u in out["units"]:
        target = "g" if u["peer_group"] == "g" else "city"
        assert u["shrinkage_target"] == target
    smaller = score_json(units, [], Parameters(draws=20, peer_min_units=7))
    assert smaller["city"]["peer_groups"] == {}
    assert {u["shrinkage_target"] for u in smaller["units"]} == {"city"}


def test_missing_element_in_unit() -> None:
    # Nobody in unit M answers "biaya": NRR None, IKM over the other 8, element score imputed.
    rows = [{**r, "biaya": None} for r in flat(3, 6) + flat(4, 6)]
    units = [unit("M", rows), flat_unit("N", [(2, 6), (3, 6)]), flat_unit("O", [(3, 12)])]
    out = score_json(units, [], Parameters(draws=20))
    m = out["units"][0]
    assert m["elements"]["biaya"]["nrr"] is None
    assert m["ikm"] == pytest.approx(87.5)
    assert m["elements"]["biaya"]["score"] is not None
    scores = [e["score"] for e in m["elements"].values()]
    assert float(np.mean(scores)) == pytest.approx(m["satisfaction"])
    json.dumps(out, allow_nan=False)


def test_ikm_settings_pass_through() -> None:
    units = [flat_unit("A", [(3, 5), (4, 5)])]
    out = score_json(units, [], Parameters(draws=0, ikm_weight="0.111", ikm_round=2))
    assert out["units"][0]["ikm"] == pytest.approx(87.75)
    out = score_json(units, [], Parameters(draws=0, ikm_weight="0.11"))
    assert out["units"][0]["ikm"] == pytest.approx(86.625)


def test_regime_2004() -> None:
    counts = np.zeros((14, 4), dtype=int)
    counts[:, 2] = 12
    data = UnitData("Old", None, None, None, counts, ((14, 42, 12),))
    out = score_json([data], [], Parameters(draws=10, regime="2004"))
    u = out["units"][0]
    assert set(u["elements"]) == set(ELEMENTS_2004)
    assert u["ikm"] == pytest.approx(75.0)
    assert u["grade"] == "B"  # 2004 bounds: B >= 62.51
    with pytest.raises(ValueError):
        score_json([data], [], Parameters(draws=10))


def test_empty_and_degenerate_inputs() -> None:
    out = score_json([], [], Parameters(draws=10))
    assert out["units"] == [] and out["agencies"] == []
    assert out["city"]["mu"] is None and out["city"]["sigma2_w"] is None
    json.dumps(out, allow_nan=False)
    # every respondent identical: σ²_w = 0, still finite output
    same = [flat_unit(f"S{i}", [(3, 12)]) for i in range(3)]
    out = score_json(same, [], Parameters(draws=10))
    assert out["city"]["sigma2_w"] == 0.0
    json.dumps(out, allow_nan=False)
    assert all(u["shrunk_mean"] == pytest.approx(3.0) for u in out["units"])


def test_input_errors() -> None:
    units, kpis = hand_city()
    with pytest.raises(ValueError, match="unknown unit"):
        score_json(units, [Kpi("Z", "k", 1, 1, "higher", 1)], Parameters(draws=0))
    with pytest.raises(ValueError, match="duplicate unit"):
        score_json(units + [units[0]], [], Parameters(draws=0))
    with pytest.raises(ValueError, match="collides"):
        score_json(units, [Kpi("A", "waktu", 1, 1, "higher", 1)], Parameters(draws=0))
    with pytest.raises(ValueError, match="duplicate KPI"):
        score_json(units, [kpis[0], kpis[0]], Parameters(draws=0))


def test_unambitious_flag_in_output() -> None:
    units, _ = hand_city()
    kpis = [Kpi("A", "k", 90, 95, "higher", 1, previous_actual=96)]
    out = score_json(units, kpis, Parameters(draws=0))
    assert out["units"][0]["kpi_flags"] == ["k"]
    assert out["units"][0]["kpi"] == pytest.approx(100.0)


def test_same_seed_same_output_and_seed_matters() -> None:
    units = random_units(10, seed=9, n_range=(30, 70))
    p = Parameters(draws=100, seed=11)
    first = score_json(units, [], p)
    assert score_json(units, [], p) == first
    other = score_json(units, [], Parameters(draws=100, seed=12))
    assert [u["rank_interval"] for u in other["units"]] != [
        u["rank_interval"] for u in first["units"]
    ]
