"""A unit's targets and actuals (feedback.performance.unit_targets): reading with scope,
entering actuals with validation, all-or-nothing writes and audit; and the index
decomposition (feedback.performance.decomposition) against the engine's result."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feedback.accounts import audit
from feedback.accounts.audit import Actor
from feedback.accounts.scope import Scope
from feedback.org import scoped
from feedback.performance import unit_targets as targets
from feedback.performance.decomposition import decompose
from feedback.performance.kpis import store_kpis
from feedback.performance.periods import custom, parse
from feedback.performance.scores import score_period
from feedback.tables import IndicatorAudit, IndicatorValue, Unit
from scoring.inputs import Kpi, Parameters
from scoring.targets import indicator_score, kpi_pillar

S1 = parse("2026-S1")
NOW = datetime(2026, 7, 3, 2, tzinfo=UTC)
ACTOR = Actor(email="unit@test.id", id=7)


async def seed_kpis(org):

    await store_kpis("2025-S2", [Kpi(org.unit_code, "imunisasi", 90, 96, "higher", 2)],
                     "cli", NOW)
    await store_kpis("2026-S1", [
        Kpi(org.unit_code, "imunisasi", 95, 90, "higher", 2),
        Kpi(org.unit_code, "waktu-tunggu", 30, None, "lower", 1),
    ], "cli", NOW)
    await store_kpis("2026-S1", [Kpi("pkm-oebobo", "imunisasi", 95, 80, "higher", 1)],
                     "cli", NOW)


async def scopes(org) -> dict[str, Scope]:
    row = await Unit.select(Unit.agency).where(Unit.id == org.unit_id).first()
    agency = row["agency"]
    return {
        "officer": Scope("officer", counter_id=org.counter_id, unit_id=org.unit_id,
                         agency_id=agency),
        "unit": Scope("unit", unit_id=org.unit_id, agency_id=agency),
        "agency": Scope("agency", agency_id=agency),
        "city": Scope("city"),
        "admin": Scope("admin"),
        "other_agency": Scope("agency", agency_id=agency + 999),
    }


async def test_reading_targets_with_scores_and_pillar(org):
    await seed_kpis(org)
    s = await scopes(org)
    got = await targets.unit_targets(s["unit"], org.unit_code, S1)
    assert [r.code for r in got.rows] == ["imunisasi", "waktu-tunggu"]
    imm = got.rows[0]
    assert (imm.target, imm.actual, imm.direction, imm.weight) == (95, 90, "higher", 2)
    assert imm.score == indicator_score(90, 95, "higher")
    assert imm.previous_actual == 96 and imm.flagged  # 95 is below last semester's 96
    assert got.rows[1].score is None and got.rows[1].share is None
    pillar = kpi_pillar([Kpi(org.unit_code, "imunisasi", 95, 90, "higher", 2, 96),
                         Kpi(org.unit_code, "waktu-tunggu", 30, None, "lower", 1)])
    assert got.kpi == pillar.value and got.coverage == pytest.approx(2 / 3)
    assert got.can_edit
    assert (await targets.unit_targets(s["agency"], org.unit_code, S1)).can_edit is False
    assert (await targets.unit_targets(s["city"], org.unit_code, S1)).can_edit
    for role in ("officer", "admin"):
        with pytest.raises(scoped.NotAllowed):
            await targets.unit_targets(s[role], org.unit_code, S1)
    with pytest.raises(scoped.NotFound):
        await targets.unit_targets(s["unit"], "pkm-oebobo", S1)
    with pytest.raises(scoped.NotFound):
        await targets.unit_targets(s["other_agency"], org.unit_code, S1)
    with pytest.raises(ValueError):
        await targets.unit_targets(s["unit"], org.unit_code, custom(S1.first, S1.last))


@pytest.mark.parametrize("text, value", [
    ("12,5", 12.5), ("12.5", 12.5), (" 40 ", 40.0), ("0", 0.0), ("1234,75", 1234.75),
    ("", None), ("  ", None), ("12,500", 12.5),
])
def test_parse_actual(text, value):
    assert targets.parse_actual(text) == value


@pytest.mark.parametrize("text, code", [
    ("-3", "negative"), ("-3,5", "negative"), ("abc", "not_a_number"), ("1e5", "not_a_number"),
    ("12,5,1", "not_a_number"), ("1.234", "thousands"), ("1.234,5", "thousands"),
    ("1,234.5", "thousands"), ("nan", "not_a_number"), ("inf", "not_a_number"),
    ("9" * 40, "too_large"), ("9" * 20, "too_large"), ("12%", "not_a_number"),
])
def test_parse_actual_refuses(text, code):
    with pytest.raises(ValueError) as info:
        targets.parse_actual(text)
    assert str(info.value) == code


async def _state():
    values = sorted((r["id"], r["actual"]) for r in await IndicatorValue.select(
        IndicatorValue.id, IndicatorValue.actual))
    return values, await IndicatorAudit.count()


async def test_entering_actuals_is_audited_once_and_all_or_nothing(org):
    await seed_kpis(org)
    s = await scopes(org)
    mark = (await audit.entries(limit=1) or [{"id": 0}])[0]["id"]
    changes = await targets.enter_actuals(s["unit"], org.unit_code, S1,
                                          {"imunisasi": "92,5", "waktu-tunggu": "35"},
                                          ACTOR, NOW)
    assert changes == [("imunisasi", 90, 92.5), ("waktu-tunggu", None, 35.0)]
    got = await targets.unit_targets(s["unit"], org.unit_code, S1)
    assert [r.actual for r in got.rows] == [92.5, 35.0]
    assert [(h.indicator, h.field, h.old, h.new, h.changed_by) for h in got.history] == [
        ("waktu-tunggu", "actual", None, 35.0, "unit@test.id"),
        ("imunisasi", "actual", 90.0, 92.5, "unit@test.id"),
    ]  # newest first (same time: the later row first)
    assert all(h.changed_at.utcoffset().total_seconds() == 8 * 3600 for h in got.history)
    logged = await audit.entries(after_id=mark, object_type=targets.AUDIT_OBJECT)
    assert sorted((e["object_key"], e["old"], e["new"], e["actor"]) for e in logged) == [
        (f"{org.unit_code}/imunisasi/2026-S1", {"actual": 90.0}, {"actual": 92.5},
         "unit@test.id"),
        (f"{org.unit_code}/waktu-tunggu/2026-S1", {"actual": None}, {"actual": 35.0},
         "unit@test.id"),
    ]
    assert all(e["action"] == targets.AUDIT_ACTION and e["actor_id"] == 7 for e in logged)

    # the same values again: nothing written, no audit
    before = await _state()
    mark = logged[0]["id"]
    assert await targets.enter_actuals(s["unit"], org.unit_code, S1,
                                       {"imunisasi": "92.5", "waktu-tunggu": "35,0"},
                                       ACTOR, NOW) == []
    assert await _state() == before
    assert await audit.entries(after_id=mark) == []

    # one bad value: nothing written at all, every error reported
    with pytest.raises(targets.EntryRefused) as refused:
        await targets.enter_actuals(s["unit"], org.unit_code, S1,
                                    {"imunisasi": "93", "waktu-tunggu": "-1", "nope": "3"},
                                    ACTOR, NOW)
    assert sorted((e.indicator, e.code) for e in refused.value.errors) == [
        ("nope", "unknown"), ("waktu-tunggu", "negative")]
    with pytest.raises(targets.EntryRefused) as refused:
        await targets.enter_actuals(s["unit"], org.unit_code, S1, {"imunisasi": "9600"},
                                    ACTOR, NOW)
    assert refused.value.errors[0].code == "above_target_bound"
    assert refused.value.errors[0].limit == 9500
    assert await _state() == before
    assert await audit.entries(after_id=mark) == []

    # a blank clears an actual (audited)
    assert await targets.enter_actuals(s["city"], org.unit_code, S1, {"waktu-tunggu": ""},
                                       Actor(email="city@test.id", id=8), NOW) == [
        ("waktu-tunggu", 35.0, None)]


async def test_who_may_enter_actuals(org):
    await seed_kpis(org)
    s = await scopes(org)
    before = await _state()
    for role in ("agency", "officer", "admin"):
        with pytest.raises(scoped.NotAllowed):
            await targets.enter_actuals(s[role], org.unit_code, S1, {"imunisasi": "93"},
                                        ACTOR, NOW)
    with pytest.raises(scoped.NotFound):  # another unit: not found, even for editors
        await targets.enter_actuals(s["unit"], "pkm-oebobo", S1, {"imunisasi": "93"},
                                    ACTOR, NOW)
    with pytest.raises(scoped.NotFound):
        await targets.enter_actuals(s["other_agency"], org.unit_code, S1,
                                    {"imunisasi": "93"}, ACTOR, NOW)
    assert await _state() == before


async def test_a_concurrent_change_is_a_conflict(org, monkeypatch):
    await seed_kpis(org)
    s = await scopes(org)
    real = targets._values

    async def stale(unit_id, period):
        rows = await real(unit_id, period)
        await IndicatorValue.update({IndicatorValue.actual: 91.0}).where(
            IndicatorValue.id == rows[0]["id"])  # someone else saves meanwhile
        return rows

    monkeypatch.setattr(targets, "_values", stale)
    before_audits = await IndicatorAudit.count()
    with pytest.raises(targets.Conflict):
        await targets.enter_actuals(s["unit"], org.unit_code, S1,
                                    {"waktu-tunggu": "20", "imunisasi": "93"}, ACTOR, NOW)
    monkeypatch.setattr(targets, "_values", real)
    got = await targets.unit_targets(s["unit"], org.unit_code, S1)
    assert [r.actual for r in got.rows] == [91.0, None]  # the other save, nothing of ours
    assert await IndicatorAudit.count() == before_audits


async def test_decomposition_sums_to_the_index_difference(empty_db):
    from feedback.demo.load import load_demo

    await load_demo(responses=3000, seed=11, now=datetime(2026, 11, 28, 3, tzinfo=UTC))
    result = await score_period(parse("2026"), Parameters(draws=20))
    with_index = [u for u in result.units if u.index is not None]
    assert with_index and result.parameters.w_kpi > 0
    for unit in with_index:
        d = decompose(result, unit.unit)
        assert d is not None and d.index == unit.index
        assert d.mean_index == result.city.mean_index
        assert sum(p.points for p in d.parts) == pytest.approx(d.difference, abs=1e-9)
        assert sum(p.contribution for p in d.parts) == pytest.approx(d.index, abs=1e-9)
        assert [p.key for p in d.elements] == [k for k in unit.contributions
                                               if p_is_element(k)]
        assert {p.key for p in d.indicators} == {k for k, v in unit.kpi_scores.items()
                                                 if v is not None}
        assert d.w_satisfaction + d.w_kpi == 1
        assert d.index == pytest.approx(d.w_satisfaction * d.satisfaction + d.w_kpi * d.kpi)
        if d.weakest is not None:
            assert d.weakest.points == min(p.points for p in d.parts)
    without = next(u for u in result.units if u.index is None)
    d = decompose(result, without.unit)
    assert d.parts == () and d.difference is None
    assert decompose(result, "no-such-unit") is None


def p_is_element(key: str) -> bool:
    from scoring.ikm import ELEMENTS

    return key in ELEMENTS
