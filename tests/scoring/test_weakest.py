"""The elements proposed for a follow-up plan (scoring.weakest)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.ikm import ELEMENTS, grade
from scoring.weakest import NRR_BOUND_B, ElementFigure, weakest_elements


def figs(nrrs, n=50):
    return [ElementFigure(code, nrr, n if nrr is not None else 0)
            for code, nrr in zip(ELEMENTS, nrrs, strict=True)]


def test_the_bound_is_grade_b_on_the_nrr_scale():
    assert abs(NRR_BOUND_B - 3.0644) < 1e-12
    assert grade(25 * NRR_BOUND_B) == "B"
    assert grade(25 * 3.0600) == "C"


def test_below_b_and_the_three_lowest_are_proposed():
    sel = weakest_elements(figs([3.5, 3.0, 3.2, 3.9, 2.9, 3.4, 3.3, 3.6, 3.7]), min_n=10)
    assert [(p.code, p.below_bound, p.lowest) for p in sel.proposed] == [
        ("produk", True, True), ("prosedur", True, True), ("waktu", False, True)]
    # Two elements below the bound plus one more among the three lowest.
    sel = weakest_elements(figs([2.0, 2.1, 2.2, 2.3, 2.4, 3.5, 3.6, 3.7, 3.8]), min_n=10)
    assert [p.code for p in sel.proposed] == list(ELEMENTS[:5])
    assert [p.lowest for p in sel.proposed] == [True, True, True, False, False]
    assert all(p.below_bound for p in sel.proposed)


def test_a_good_unit_still_gets_its_three_lowest():
    sel = weakest_elements(figs([3.9, 3.8, 3.7, 3.6, 3.95, 3.91, 3.92, 3.93, 3.94]), min_n=10)
    assert [p.code for p in sel.proposed] == ["biaya", "waktu", "prosedur"]
    assert not any(p.below_bound for p in sel.proposed)


def test_ties_at_the_cut_are_all_proposed():
    sel = weakest_elements(figs([3.5, 3.5, 3.2, 3.5, 3.1, 3.9, 3.9, 3.9, 3.9]), min_n=10)
    assert [p.code for p in sel.proposed] == ["produk", "waktu", "persyaratan", "prosedur",
                                              "biaya"]


def test_the_bound_itself_is_not_below():
    sel = weakest_elements(figs([NRR_BOUND_B, 3.0643] + [3.9] * 7), min_n=10, lowest=0)
    assert [p.code for p in sel.proposed] == ["prosedur"]


def test_too_few_answers_or_none_are_not_proposed():
    figures = figs([1.0, None, 3.9, 3.9, 3.9, 3.9, 3.9, 3.9, 3.0])
    figures[0] = ElementFigure("persyaratan", 1.0, 9)
    sel = weakest_elements(figures, min_n=10)
    assert [(s.code, s.reason, s.n) for s in sel.skipped] == [
        ("persyaratan", "few_answers", 9), ("prosedur", "no_answers", 0)]
    assert [p.code for p in sel.proposed][0] == "sarana"
    assert "persyaratan" not in [p.code for p in sel.proposed]
    assert weakest_elements(figures, min_n=9).proposed[0].code == "persyaratan"


def test_nothing_eligible_proposes_nothing():
    sel = weakest_elements(figs([None] * 9), min_n=10)
    assert sel.proposed == () and len(sel.skipped) == 9


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        weakest_elements(figs([3.0] * 9), min_n=0)
    with pytest.raises(ValueError):
        weakest_elements([ElementFigure("waktu", 4.5, 20)], min_n=10)
    with pytest.raises(ValueError):
        weakest_elements([ElementFigure("waktu", 3.0, -1)], min_n=10)


@given(st.lists(st.one_of(st.none(), st.floats(1, 4)), min_size=9, max_size=9),
       st.lists(st.integers(0, 40), min_size=9, max_size=9), st.integers(1, 20),
       st.integers(0, 9))
def test_properties(nrrs, ns, min_n, lowest):
    figures = [ElementFigure(c, None if v is None or n == 0 else v, n)
               for c, v, n in zip(ELEMENTS, nrrs, ns, strict=True)]
    sel = weakest_elements(figures, min_n=min_n, lowest=lowest)
    eligible = [f for f in figures if f.nrr is not None and f.n >= min_n]
    picked = {p.code for p in sel.proposed}
    assert picked | {s.code for s in sel.skipped} <= set(ELEMENTS)
    assert len(sel.skipped) + len(eligible) == 9
    for f in eligible:
        assert (f.nrr < NRR_BOUND_B) <= (f.code in picked)
    # at least min(lowest, eligible) proposed; every unproposed one is above every lowest one
    assert len(picked) >= min(lowest, len(eligible))
    lows = [p.nrr for p in sel.proposed if p.lowest]
    for f in eligible:
        if f.code not in picked and lows:
            assert f.nrr > max(lows)
    assert [p.nrr for p in sel.proposed] == sorted(p.nrr for p in sel.proposed)
