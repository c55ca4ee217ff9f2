"""Bootstrap resampling and rank intervals."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.inputs import Parameters
from scoring.intervals import DIRECT_PER_BIN, resample_unit
from scoring.streams import stream
from tests.scoring.builders import flat_unit, random_units, score_json

VALUES = np.array([2.0, 3.0, 3.5, 4.0])


@pytest.mark.parametrize("counts", [[3, 10, 4, 3], [300, 1000, 400, 300]])
def test_resample_unit_moments(counts: list[int]) -> None:
    # Small n uses direct resampling, large n the multinomial: both must match the
    # bootstrap distribution of the mean (mean 0, variance SS/n²) and E[SS*] = SS·(n-1)/n.
    c = np.array(counts)
    n = int(c.sum())
    assert (n <= DIRECT_PER_BIN * c.size) == (n == 20)
    mean = c @ VALUES / n
    ss = float(c @ (VALUES - mean) ** 2)
    shift, ss_star = resample_unit(stream(0, "test"), VALUES, c, 20000)
    assert abs(shift.mean()) < 4 * np.sqrt(ss / n**2 / 20000)
    assert shift.var() == pytest.approx(ss / n**2, rel=0.05)
    assert ss_star.mean() == pytest.approx(ss * (n - 1) / n, rel=0.02)
    # the resampled SS is consistent with the resampled mean (it is a within-resample SS)
    assert np.all(ss_star >= 0)


def test_resample_degenerate_histogram() -> None:
    shift, ss = resample_unit(stream(0, "x"), np.array([3.0]), np.array([12]), 100)
    assert np.all(shift == 0) and np.all(ss == 0)


def test_streams_are_keyed() -> None:
    a = stream(1, "bootstrap", "U1").random(3)
    assert np.array_equal(a, stream(1, "bootstrap", "U1").random(3))
    assert not np.array_equal(a, stream(1, "bootstrap", "U2").random(3))
    assert not np.array_equal(a, stream(2, "bootstrap", "U1").random(3))


def test_rank_interval_invariants_default_draws() -> None:
    units = random_units(14, seed=5, n_range=(25, 90))
    out = score_json(units, [], Parameters())  # default 2000 draws
    ranked = [u for u in out["units"] if u["rank"] is not None]
    r = len(ranked)
    assert r >= 4
    for u in ranked:
        iv = u["rank_interval"]
        assert 1 <= iv["low"] <= iv["median"] <= iv["high"] <= r
        assert 1 <= iv["expected"] <= r
    # each draw ranks every ranked unit once: E[rank] sums to r(r+1)/2 and P(top 3) to 3
    assert sum(u["rank_interval"]["expected"] for u in ranked) == pytest.approx(r * (r + 1) / 2)
    assert sum(u["rank_interval"]["p_top3"] for u in ranked) == pytest.approx(3.0)
    for u in out["units"]:
        if u["rank"] is None:
            assert set(u["rank_interval"].values()) == {None}


def test_clear_leader_has_narrow_interval() -> None:
    units = [
        flat_unit("top", [(4, 45), (3, 5)]),
        flat_unit("mid1", [(3, 40), (2, 10)]),
        flat_unit("mid2", [(3, 38), (2, 12)]),
        flat_unit("low", [(2, 40), (1, 10)]),
    ]
    out = score_json(units, [], Parameters(draws=300))
    by = {u["unit"]: u for u in out["units"]}
    assert by["top"]["rank"] == 1
    assert by["top"]["rank_interval"]["high"] == 1
    assert by["low"]["rank_interval"]["low"] == 4
    assert by["mid1"]["rank_interval"]["low"] == 2 and by["mid1"]["rank_interval"]["high"] == 3


def test_agency_intervals() -> None:
    units = random_units(12, seed=2, n_range=(30, 80))
    out = score_json(units, [], Parameters(draws=200))
    agencies = [a for a in out["agencies"] if a["index"] is not None]
    assert agencies
    k = len(agencies)
    assert sorted(a["rank"] for a in agencies) == list(range(1, k + 1))
    assert sum(a["rank_interval"]["expected"] for a in agencies) == pytest.approx(k * (k + 1) / 2)


def test_zero_draws_gives_empty_intervals() -> None:
    units = random_units(6, seed=2, n_range=(30, 80))
    out = score_json(units, [], Parameters(draws=0))
    assert all(set(u["rank_interval"].values()) == {None} for u in out["units"])
    assert out["city"]["mean_abs_rank_shift"] is None
