"""The typed result: schema, JSON, names, status and the τ² = 0 rule."""

from __future__ import annotations

import typing

import msgspec
import numpy as np
import pytest

from scoring import result as r
from scoring.engine import score
from scoring.inputs import Kpi, Parameters, UnitData
from tests.scoring.builders import flat_unit, random_units
from tests.scoring.test_engine import CITY_KEYS, UNIT_KEYS, hand_city


def _struct_types() -> list[type[msgspec.Struct]]:
    return [
        t
        for t in vars(r).values()
        if isinstance(t, type) and issubclass(t, msgspec.Struct) and t is not r._Result
    ]


def test_every_field_is_documented() -> None:
    """Each field carries a description (it is what the OpenAPI document shows)."""
    for struct in _struct_types():
        assert struct.__doc__, struct.__name__
        info = msgspec.inspect.type_info(struct)
        assert isinstance(info, msgspec.inspect.StructType)
        for field in info.fields:
            meta = field.type
            if isinstance(meta, msgspec.inspect.UnionType):  # Optional[Annotated[...]]
                meta = next(t for t in meta.types if not isinstance(t, msgspec.inspect.NoneType))
            assert isinstance(meta, msgspec.inspect.Metadata), (struct.__name__, field.name)
            description = (meta.extra_json_schema or {}).get("description")
            assert description, (struct.__name__, field.name)


def test_status_and_band_values_are_documented() -> None:
    for value in typing.get_args(r.Status):
        assert f"`{value}`" in r.STATUS_DESCRIPTION
    for value in typing.get_args(r.Band):
        assert f"`{value}`" in r.BAND_DESCRIPTION
    for value in typing.get_args(r.ReliabilityReason):
        assert f"`{value}`" in r.RELIABILITY_REASON_DESCRIPTION


def test_json_has_the_section_5_keys_and_decodes_strictly() -> None:
    units, kpis = hand_city()
    result = score(units, kpis, Parameters(draws=50, min_ranked=10))
    assert isinstance(result, r.ScoreResult)
    raw = msgspec.json.encode(result)
    body = msgspec.json.decode(raw)
    assert set(body) == {"method", "parameters", "city", "units", "agencies", "period"}
    assert body["period"] is None
    assert set(body["city"]) >= CITY_KEYS | {"respondents_for_reliability_reason"}
    assert set(body["city"]["funnel"]) == {"target", "phi", "tau2"}
    for u in body["units"]:
        assert set(u) >= UNIT_KEYS | {"name", "agency_name", "rank_range"}
        assert set(u["rank_interval"]) == {"low", "median", "high", "expected", "p_top3"}
    for a in body["agencies"]:
        assert {"agency", "name", "index", "rank_interval"} <= set(a)
    # The JSON decodes back into the schema (statuses, bands and reasons are checked values).
    assert msgspec.json.decode(raw, type=r.ScoreResult) == result
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(
            raw.replace(b'"status":"ranked"', b'"status":"top"'), type=r.ScoreResult
        )


def test_period_encodes_from_and_to() -> None:
    result = score([], [], Parameters(draws=0))
    dated = msgspec.structs.replace(
        result, period=r.PeriodInfo(key="2026-S1", period_from="2026-01-01", period_to="2026-06-30")
    )
    body = msgspec.to_builtins(dated)
    assert body["period"] == {"key": "2026-S1", "from": "2026-01-01", "to": "2026-06-30"}


def test_names_are_carried_to_units_and_agencies() -> None:
    units = [
        flat_unit("A", [(3, 5), (4, 7)], agency="X", volume=100),
        flat_unit("B", [(3, 12)], agency="X", volume=300),
        flat_unit("C", [(2, 6), (3, 6)], agency="Y"),
    ]
    units = [
        UnitData(
            u.unit,
            u.agency,
            u.peer_group,
            u.volume,
            u.element_counts,
            u.score_hist,
            name=f"Unit {u.unit}",
            agency_name=None if u.unit == "A" else f"Dinas {u.agency}",
        )
        for u in units
    ]
    out = score(units, [], Parameters(draws=0))
    assert [(u.unit, u.name, u.agency_name) for u in out.units] == [
        ("A", "Unit A", "Dinas X"),  # the agency's name comes from any of its units
        ("B", "Unit B", "Dinas X"),
        ("C", "Unit C", "Dinas Y"),
    ]
    assert [(a.agency, a.name) for a in out.agencies] == [("X", "Dinas X"), ("Y", "Dinas Y")]
    # Without names (the default) the fields are null.
    plain = score(random_units(3, seed=1), [], Parameters(draws=0))
    assert all(u.name is None and u.agency_name is None for u in plain.units)
    assert all(a.name is None for a in plain.agencies)


def test_name_errors() -> None:
    base = flat_unit("A", [(3, 12)], agency="X")
    args = (
        base.unit,
        base.agency,
        base.peer_group,
        base.volume,
        base.element_counts,
        base.score_hist,
    )
    with pytest.raises(ValueError, match="name"):
        UnitData(*args, name=5)  # type: ignore[arg-type]
    one = UnitData(*args, agency_name="Dinas X")
    other = UnitData(
        "B", "X", None, None, base.element_counts, base.score_hist, agency_name="Dinas Lain"
    )
    with pytest.raises(ValueError, match="two names"):
        score([one, other], [], Parameters(draws=0))
    orphan = UnitData(
        "C", None, None, None, base.element_counts, base.score_hist, agency_name="Dinas X"
    )
    with pytest.raises(ValueError, match="without an agency"):
        score([orphan], [], Parameters(draws=0))


def test_tau2_zero_gives_null_respondents_with_reason() -> None:
    # Six identical units in one peer group: Q = 0, so τ² = 0 for the group and the city.
    same = [flat_unit(f"G{i}", [(3, 20), (4, 20)], peer_group="g") for i in range(6)]
    out = score(same, [], Parameters(draws=20))
    assert out.city.tau2 == 0.0
    assert out.city.respondents_for_reliability is None
    assert out.city.respondents_for_reliability_reason == "no_between_unit_variation"
    group = out.city.peer_groups["g"]
    assert group.tau2 == 0.0
    assert group.respondents_for_reliability is None
    assert group.respondents_for_reliability_reason == "no_between_unit_variation"
    assert all(u.status == "provisional" and u.reliability < 0.01 for u in out.units)
    # When units differ, the number is given and the reason is null.
    units, kpis = hand_city()
    city = score(units, kpis, Parameters(draws=0)).city
    assert city.respondents_for_reliability == 2
    assert city.respondents_for_reliability_reason is None
    # Without scored units there is nothing to estimate.
    empty = score([flat_unit("tiny", [(4, 9)])], [], Parameters(draws=0)).city
    assert empty.respondents_for_reliability is None
    assert empty.respondents_for_reliability_reason == "no_scored_units"


def test_unranked_no_kpi_on_a_mixed_city() -> None:
    """Units with enough evidence but no KPI say so, while units with KPIs are ranked."""
    units = random_units(10, seed=7, n_range=(60, 120), peer_groups=(None,))
    kpis = [Kpi(u.unit, "k", 100.0, 90.0, "higher", 1.0) for u in units[:6]]
    out = score(units, kpis, Parameters(draws=40))
    by = {u.unit: u for u in out.units}
    for name in [u.unit for u in units[6:]]:
        u = by[name]
        assert u.status == "unranked_no_kpi", (name, u.reliability)
        assert u.index is None and u.rank is None and u.rank_range is None
        assert u.satisfaction is not None
    ranked = [u for u in out.units if u.status == "ranked"]
    assert sorted(u.rank for u in ranked) == list(range(1, len(ranked) + 1))
    assert out.city.n_ranked == len(ranked)
    assert np.all([u.index is not None for u in ranked])


def test_rank_within_the_peer_group() -> None:
    """"Between 3rd and 6th of 14 puskesmas": each ranked unit's point rank and 95% interval
    among the ranked units of its own peer group, from the same draws as the city ranks."""
    units = random_units(24, seed=5, n_range=(40, 160))
    units = [
        UnitData(u.unit, u.agency, "puskesmas" if i % 3 else "kelurahan", u.volume,
                 u.element_counts, u.score_hist)
        for i, u in enumerate(units)
    ]
    result = score(units, [], Parameters(draws=300, seed=3, min_ranked=10))
    ranked = [u for u in result.units if u.status == "ranked"]
    assert len(ranked) >= 10
    for group in ("puskesmas", "kelurahan"):
        members = sorted((u for u in ranked if u.peer_group == group), key=lambda u: u.rank)
        assert [u.peer_rank for u in members] == list(range(1, len(members) + 1))
        for u in members:
            assert u.peer_ranked == len(members)
            iv = u.peer_rank_interval
            assert 1 <= iv.low <= iv.median <= iv.high <= len(members)
            # Within a group the rank can only be as good or better than in the city.
            assert iv.low <= u.rank_interval.low and iv.high <= u.rank_interval.high
    for u in result.units:
        if u.status != "ranked":
            assert u.peer_rank is None and u.peer_ranked is None
            assert u.peer_rank_interval.low is None
