"""The follow-up plan workflow (feedback.plans.work) and its proposal, on both engines:
who may do what, the states as conditional updates, bad input writing nothing, every
change audited, and the proposal's and baselines' NRR and n against the engine's."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from feedback.accounts.audit import Actor, entries
from feedback.accounts.scope import Scope
from feedback.performance.periods import parse
from feedback.performance.scores import score_period
from feedback.plans import proposal, reads, work
from feedback.plans.errors import Invalid, NotAllowed, NotFound, WrongState
from feedback.plans.tables import FollowUpPlan, PlanAction
from feedback.tables import Unit
from scoring.ikm import ELEMENTS
from scoring.inputs import Parameters
from tests.staff_support import audit_mark
from tests.support import store_answers

NOW = datetime(2026, 7, 3, 2, 0, tzinfo=UTC)
LATER = datetime(2026, 7, 10, 2, 0, tzinfo=UTC)
UNIT = Actor("unit@test.id", 1)
AGENCY = Actor("agency@test.id", 2)
ACTION = {"element": "waktu", "what": "Tambah petugas loket pada jam sibuk",
          "who": "Kepala Tata Usaha", "due": "2026-09-30",
          "expected_effect": "Waktu tunggu turun di bawah 30 menit"}


def answers(**low):
    base = {e: 4 for e in ELEMENTS}
    base.update(low)
    return base


async def seed_responses(org, when=datetime(2026, 3, 10, 2, 0, tzinfo=UTC)):
    """12 responses at the unit in 2026-S1: waktu low (NRR 2.0), prosedur 3.0, sarana 3.5,
    pengaduan answered only 9 times (1: low but too few answers), the rest 4."""
    rows = []
    for i in range(12):
        a = answers(waktu=2, prosedur=3, sarana=3 + (i % 2))
        a["pengaduan"] = 1 if i < 9 else None
        rows.append(a)
    await store_answers(org.counter, rows, when)


async def scopes(org) -> dict[str, Scope]:
    agency = (await Unit.select(Unit.agency).where(Unit.id == org.unit_id).first())["agency"]
    other = (await Unit.select(Unit.id).where(Unit.code == "pkm-oebobo").first())["id"]
    return {
        "officer": Scope("officer", counter_id=org.counter_id, unit_id=org.unit_id,
                         agency_id=agency),
        "unit": Scope("unit", unit_id=org.unit_id, agency_id=agency),
        "other_unit": Scope("unit", unit_id=other, agency_id=agency),
        "agency": Scope("agency", agency_id=agency),
        "other_agency": Scope("agency", agency_id=agency + 999),
        "city": Scope("city"),
        "admin": Scope("admin"),
    }


async def counts():
    return (await FollowUpPlan.count(), await PlanAction.count())


async def test_proposal_uses_the_engines_figures(org):
    await seed_responses(org)
    period = parse("2026-S1")
    n, selection, figures = await proposal.propose(org.unit_id, period, min_group=10)
    result = await score_period(period, Parameters(draws=50))
    mine = next(u for u in result.units if u.unit == org.unit_code)
    assert n == mine.n == 12
    for code in ELEMENTS:
        assert figures[code].nrr == pytest.approx(mine.elements[code].nrr, abs=1e-12)
    assert figures["pengaduan"].n == 9 and figures["waktu"].n == 12
    # waktu and prosedur are below B (3.0644); sarana (3.5) is the third lowest eligible;
    # pengaduan (NRR 1.0) has only 9 answers: not proposed.
    assert [(p.code, p.below_bound, p.lowest) for p in selection.proposed] == [
        ("waktu", True, True), ("prosedur", True, True), ("sarana", False, True)]
    assert [(s.code, s.reason, s.n) for s in selection.skipped] == [
        ("pengaduan", "few_answers", 9)]
    # With a smaller minimum group, pengaduan is the weakest.
    _, smaller, _ = await proposal.propose(org.unit_id, period, min_group=9)
    assert smaller.proposed[0].code == "pengaduan"


async def test_the_whole_workflow_is_audited(org):
    await seed_responses(org)
    s = await scopes(org)
    mark = await audit_mark()
    plan = await work.create_plan(s["unit"], org.unit_code, "2026-S1", UNIT, NOW)
    assert plan.status == "draft" and plan.period == "2026-S1" and plan.created_by == UNIT.email
    first = await work.add_action(s["unit"], org.unit_code, plan.id, ACTION, UNIT, NOW)
    second = await work.add_action(s["unit"], org.unit_code, plan.id, {
        **ACTION, "element": "prosedur", "what": "Papan alur layanan di ruang tunggu"},
        UNIT, NOW)
    third = await work.add_action(s["unit"], org.unit_code, plan.id,
                                  {**ACTION, "element": "biaya"}, UNIT, NOW)
    await work.remove_action(s["unit"], org.unit_code, plan.id, third, UNIT, NOW)
    assert await work.edit_action(s["unit"], org.unit_code, plan.id, first,
                                  {**ACTION, "due": "2026-10-31"}, UNIT, NOW)
    assert not await work.edit_action(s["unit"], org.unit_code, plan.id, first,
                                      {**ACTION, "due": "2026-10-31"}, UNIT, NOW)
    await work.submit(s["unit"], org.unit_code, plan.id, UNIT, NOW)
    # Submitted: the unit can no longer change it.
    with pytest.raises(WrongState):
        await work.add_action(s["unit"], org.unit_code, plan.id, ACTION, UNIT, NOW)
    with pytest.raises(WrongState):
        await work.remove_action(s["unit"], org.unit_code, plan.id, first, UNIT, NOW)
    assert await work.decide(s["agency"], org.unit_code, plan.id, "return",
                             "Tambahkan target angka", AGENCY, NOW) == "returned"
    returned = await reads.plan_for(org.unit_id, "2026-S1")
    assert returned.decision_note == "Tambahkan target angka"
    assert returned.decided_by == AGENCY.email
    await work.edit_action(s["unit"], org.unit_code, plan.id, first,
                           {**ACTION, "due": "2026-10-31",
                            "expected_effect": "NRR waktu naik ke 3,0"}, UNIT, NOW)
    await work.submit(s["unit"], org.unit_code, plan.id, UNIT, NOW)
    before = await reads.actions(plan.id)
    assert all(a.baseline_nrr is None and a.baseline_n is None for a in before)
    assert await work.decide(s["agency"], org.unit_code, plan.id, "approve", "", AGENCY,
                             NOW) == "approved"
    # Baselines frozen: the element's NRR and n in the plan's period, as the engine's.
    result = await score_period(parse("2026-S1"), Parameters(draws=50))
    mine = next(u for u in result.units if u.unit == org.unit_code)
    acts = {a.id: a for a in await reads.actions(plan.id)}
    assert acts[first].baseline_nrr == pytest.approx(mine.elements["waktu"].nrr)
    assert acts[first].baseline_nrr == pytest.approx(2.0) and acts[first].baseline_n == 12
    assert acts[second].baseline_nrr == pytest.approx(mine.elements["prosedur"].nrr)
    # Approved: actions are never removed, only their status moves, with a note.
    with pytest.raises(WrongState):
        await work.remove_action(s["unit"], org.unit_code, plan.id, first, UNIT, LATER)
    with pytest.raises(WrongState):
        await work.edit_action(s["unit"], org.unit_code, plan.id, first, ACTION, UNIT, LATER)
    with pytest.raises(WrongState):
        await work.decide(s["agency"], org.unit_code, plan.id, "return", "x y z", AGENCY,
                          LATER)
    assert await work.update_status(s["unit"], org.unit_code, plan.id, first, "in_progress",
                                    "Petugas tambahan mulai 1 Agustus", "planned", UNIT, LATER)
    assert not await work.update_status(s["unit"], org.unit_code, plan.id, first,
                                        "in_progress", "Petugas tambahan mulai 1 Agustus",
                                        "in_progress", UNIT, LATER)
    await work.update_status(s["unit"], org.unit_code, plan.id, second, "dropped",
                             "Papan sudah dipasang dinas", "planned", UNIT, LATER)
    acts = {a.id: a for a in await reads.actions(plan.id)}
    assert acts[first].status == "in_progress" and acts[second].status == "dropped"
    assert acts[second].evidence_note == "Papan sudah dipasang dinas"
    assert acts[first].baseline_n == 12  # a status change keeps the baseline
    # The baselines stay frozen when later responses of the period arrive.
    await store_answers(org.counter, [answers(waktu=4)] * 5,
                        datetime(2026, 4, 1, 2, 0, tzinfo=UTC))
    assert (await reads.actions(plan.id))[0].baseline_n == 12
    rows = await entries(limit=50)
    actions = [r["action"] for r in rows if r["id"] > mark][::-1]
    assert actions == [
        "plan.create", "plan.action_add", "plan.action_add", "plan.action_add",
        "plan.action_remove", "plan.action_edit", "plan.submit", "plan.return",
        "plan.action_edit", "plan.submit", "plan.approve", "plan.action_status",
        "plan.action_status"]
    approve = next(r for r in rows if r["action"] == "plan.approve")
    assert approve["actor"] == AGENCY.email and approve["object_key"] == "pkm-oesapa:2026-S1"
    assert approve["new"]["baselines"]["waktu"] == [pytest.approx(2.0), 12]
    assert set(approve["new"]["baselines"]) == {"waktu", "prosedur"}
    edit = next(r for r in rows if r["action"] == "plan.action_edit")
    assert edit["new"] == {"expected_effect": "NRR waktu naik ke 3,0"}


@pytest.mark.parametrize("role", ["city", "admin"])
async def test_city_and_admin_decide(org, role):
    s = await scopes(org)
    plan = await work.create_plan(s["unit"], org.unit_code, "2026-Q1", UNIT, NOW)
    await work.add_action(s["unit"], org.unit_code, plan.id, ACTION, UNIT, NOW)
    await work.submit(s["unit"], org.unit_code, plan.id, UNIT, NOW)
    assert await work.decide(s[role], org.unit_code, plan.id, "approve", None,
                             Actor(f"{role}@test.id"), NOW) == "approved"
    # No responses in the period: the baseline says so (NRR None, n 0).
    (action,) = await reads.actions(plan.id)
    assert action.baseline_nrr is None and action.baseline_n == 0


async def test_roles_and_scope(org):
    s = await scopes(org)
    with pytest.raises(NotAllowed):
        await work.create_plan(s["officer"], org.unit_code, "2026-S1", UNIT, NOW)
    for role in ("agency", "city", "admin"):
        with pytest.raises(NotAllowed):
            await work.create_plan(s[role], org.unit_code, "2026-S1", UNIT, NOW)
    with pytest.raises(NotFound):  # another unit's head: not found, as an unknown unit
        await work.create_plan(s["other_unit"], org.unit_code, "2026-S1", UNIT, NOW)
    with pytest.raises(NotFound):
        await work.create_plan(s["unit"], "no-such-unit", "2026-S1", UNIT, NOW)
    plan = await work.create_plan(s["unit"], org.unit_code, "2026-S1", UNIT, NOW)
    action = await work.add_action(s["unit"], org.unit_code, plan.id, ACTION, UNIT, NOW)
    with pytest.raises(NotFound):
        await work.add_action(s["other_unit"], org.unit_code, plan.id, ACTION, UNIT, NOW)
    with pytest.raises(NotFound):  # the plan of one unit reached through another unit
        await work.add_action(s["other_unit"], "pkm-oebobo", plan.id, ACTION, UNIT, NOW)
    with pytest.raises(NotAllowed):
        await work.add_action(s["agency"], org.unit_code, plan.id, ACTION, AGENCY, NOW)
    await work.submit(s["unit"], org.unit_code, plan.id, UNIT, NOW)
    with pytest.raises(NotAllowed):  # the unit head does not approve its own plan
        await work.decide(s["unit"], org.unit_code, plan.id, "approve", None, UNIT, NOW)
    with pytest.raises(NotFound):
        await work.decide(s["other_agency"], org.unit_code, plan.id, "approve", None,
                          AGENCY, NOW)
    await work.decide(s["agency"], org.unit_code, plan.id, "approve", None, AGENCY, NOW)
    with pytest.raises(NotAllowed):
        await work.update_status(s["agency"], org.unit_code, plan.id, action, "done",
                                 "selesai", "planned", AGENCY, NOW)
    with pytest.raises(NotFound):
        await work.update_status(s["unit"], org.unit_code, plan.id, action + 999, "done",
                                 "selesai", "planned", UNIT, NOW)


async def test_states_are_conditional(org):
    s = await scopes(org)
    plan = await work.create_plan(s["unit"], org.unit_code, "2026-S1", UNIT, NOW)
    with pytest.raises(WrongState) as caught:
        await work.create_plan(s["unit"], org.unit_code, "2026-S1", UNIT, NOW)
    assert caught.value.code == "exists"
    with pytest.raises(Invalid) as empty:  # nothing to submit
        await work.submit(s["unit"], org.unit_code, plan.id, UNIT, NOW)
    assert empty.value.code == "no_actions"
    assert (await reads.plan_by_id(plan.id)).status == "draft"
    action = await work.add_action(s["unit"], org.unit_code, plan.id, ACTION, UNIT, NOW)
    with pytest.raises(WrongState):  # not submitted yet
        await work.decide(s["agency"], org.unit_code, plan.id, "approve", None, AGENCY, NOW)
    with pytest.raises(WrongState):  # not approved yet
        await work.update_status(s["unit"], org.unit_code, plan.id, action, "done",
                                 "selesai", "planned", UNIT, NOW)
    await work.submit(s["unit"], org.unit_code, plan.id, UNIT, NOW)
    with pytest.raises(WrongState):
        await work.submit(s["unit"], org.unit_code, plan.id, UNIT, NOW)
    # Two approvers at once: exactly one succeeds.
    outcomes = await asyncio.gather(
        work.decide(s["agency"], org.unit_code, plan.id, "approve", None, AGENCY, NOW),
        work.decide(s["city"], org.unit_code, plan.id, "return", "Kurang rinci",
                    Actor("city@test.id"), NOW),
        return_exceptions=True)
    assert sorted(type(o).__name__ for o in outcomes) == ["WrongState", "str"]
    # A status seen by the form that changed meanwhile is a conflict.
    if (await reads.plan_by_id(plan.id)).status == "approved":
        await work.update_status(s["unit"], org.unit_code, plan.id, action, "in_progress",
                                 "mulai", "planned", UNIT, NOW)
        with pytest.raises(WrongState) as stale:
            await work.update_status(s["unit"], org.unit_code, plan.id, action, "done",
                                     "selesai", "planned", UNIT, NOW)
        assert stale.value.code == "action_changed"


@pytest.mark.parametrize(("field", "value", "code"), [
    ("element", "kecepatan", "unknown"),
    ("element", "", "unknown"),
    ("what", "", "missing"),
    ("what", "  ", "missing"),
    ("what", "ab", "too_short"),
    ("what", "x" * 1001, "too_long"),
    ("what", "Papan\x00alur", "control"),
    ("who", "Bu Ani 0812-3456-7890", "personal"),
    ("who", "ani@example.com", "personal"),
    ("who", "5371012345670001", "personal"),
    ("who", "x" * 121, "too_long"),
    ("due", "", "missing"),
    ("due", "30-09-2026", "not_a_date"),
    ("due", "2026-02-30", "not_a_date"),
    ("due", "2025-12-31", "before_period"),
    ("due", "2030-01-01", "too_late"),
    ("expected_effect", "", "missing"),
])
async def test_bad_action_input_writes_nothing(org, field, value, code):
    s = await scopes(org)
    plan = await work.create_plan(s["unit"], org.unit_code, "2026-S1", UNIT, NOW)
    before, mark = await counts(), await audit_mark()
    with pytest.raises(Invalid) as caught:
        await work.add_action(s["unit"], org.unit_code, plan.id, {**ACTION, field: value},
                              UNIT, NOW)
    assert caught.value.fields == {field: code}
    assert await counts() == before and await audit_mark() == mark


async def test_other_bad_input_writes_nothing(org):
    s = await scopes(org)
    for key, code in (("2026-S3", "period_unknown"), ("2026-01-01..2026-03-31",
                                                      "period_unknown"),
                      ("", "period_unknown"), (None, "period_unknown"),
                      ("2027", "period_not_started")):
        with pytest.raises(Invalid) as caught:
            await work.create_plan(s["unit"], org.unit_code, key, UNIT, NOW)
        assert caught.value.code == code
    assert await counts() == (0, 0)
    plan = await work.create_plan(s["unit"], org.unit_code, "2026-S1", UNIT, NOW)
    action = await work.add_action(s["unit"], org.unit_code, plan.id, ACTION, UNIT, NOW)
    await work.submit(s["unit"], org.unit_code, plan.id, UNIT, NOW)
    mark = await audit_mark()
    with pytest.raises(Invalid) as caught:  # a return needs a note
        await work.decide(s["agency"], org.unit_code, plan.id, "return", " ", AGENCY, NOW)
    assert caught.value.fields == {"note": "missing"}
    with pytest.raises(Invalid):
        await work.decide(s["agency"], org.unit_code, plan.id, "maybe", "x y z", AGENCY, NOW)
    assert (await reads.plan_by_id(plan.id)).status == "submitted"
    await work.decide(s["agency"], org.unit_code, plan.id, "approve", None, AGENCY, NOW)
    mark = await audit_mark()
    for status, note, seen, fields in (
            ("finished", "selesai", "planned", {"status": "unknown"}),
            ("done", "", "planned", {"note": "missing"}),
            ("dropped", " ", "planned", {"note": "missing"}),
            ("done", "selesai", "nope", {"seen": "unknown"})):
        with pytest.raises(Invalid) as caught:
            await work.update_status(s["unit"], org.unit_code, plan.id, action, status,
                                     note, seen, UNIT, NOW)
        assert caught.value.fields == fields
    assert (await reads.actions(plan.id))[0].status == "planned"
    assert await audit_mark() == mark


async def test_due_dates_are_days(org):
    s = await scopes(org)
    plan = await work.create_plan(s["unit"], org.unit_code, "2026-03", UNIT, NOW)
    await work.add_action(s["unit"], org.unit_code, plan.id, {**ACTION, "due": "2026-03-01"},
                          UNIT, NOW)
    (action,) = await reads.actions(plan.id)
    assert action.due == date(2026, 3, 1)


async def test_two_plans_created_at_once(org):
    s = await scopes(org)
    outcomes = await asyncio.gather(
        work.create_plan(s["unit"], org.unit_code, "2026-S1", UNIT, NOW),
        work.create_plan(s["unit"], org.unit_code, "2026-S1", UNIT, NOW),
        return_exceptions=True)
    kinds = sorted(type(o).__name__ for o in outcomes)
    assert kinds == ["Plan", "WrongState"], outcomes
    assert next(o for o in outcomes if isinstance(o, WrongState)).code == "exists"
    assert await FollowUpPlan.count() == 1
