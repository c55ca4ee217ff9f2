"""The follow-up plan tables and their read model (feedback.plans.reads), on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from feedback.engine import is_integrity_error
from feedback.plans import reads
from feedback.plans.tables import FollowUpPlan, PlanAction

NOW = datetime(2026, 7, 3, 2, 0, tzinfo=UTC)


async def _plan(unit_id: int, period: str, status: str = "draft") -> int:
    rows = await FollowUpPlan.insert(FollowUpPlan(
        unit_id=unit_id, period=period, status=status, created_at=NOW, created_by="u@test.id",
        updated_at=NOW, updated_by="u@test.id")).returning(FollowUpPlan.id)
    return rows[0]["id"]


async def _action(plan_id: int, element: str, **extra) -> int:
    rows = await PlanAction.insert(PlanAction(
        plan_id=plan_id, element=element, what="Papan alur", who="Kepala TU",
        due=date(2026, 9, 30), expected_effect="Lebih jelas", created_at=NOW,
        created_by="u@test.id", updated_at=NOW, updated_by="u@test.id", **extra,
    )).returning(PlanAction.id)
    return rows[0]["id"]


async def test_one_plan_per_unit_and_period(org):
    await _plan(org.unit_id, "2026-S1")
    await _plan(org.unit_id, "2026-S2")
    with pytest.raises(Exception) as caught:
        await _plan(org.unit_id, "2026-S1")
    assert is_integrity_error(caught.value)


async def test_reads(org):
    plan_id = await _plan(org.unit_id, "2026-S1", "approved")
    first = await _action(plan_id, "waktu", baseline_nrr=2.75, baseline_n=40)
    second = await _action(plan_id, "persyaratan", status="dropped", evidence_note="why")
    plan = await reads.plan_for(org.unit_id, "2026-S1")
    assert plan is not None and plan.id == plan_id and plan.status == "approved"
    assert plan.created_at == NOW and plan.submitted_at is None
    assert await reads.plan_for(org.unit_id, "2026-S2") is None
    assert (await reads.approved_plan(org.unit_id, "2026-S1")) == plan
    acts = await reads.actions(plan_id)
    assert [a.id for a in acts] == [first, second]
    assert acts[0].due == date(2026, 9, 30) and acts[0].baseline_nrr == 2.75
    assert acts[0].baseline_n == 40 and acts[1].baseline_nrr is None
    assert acts[1].status == "dropped" and acts[1].evidence_note == "why"
    listed = await reads.approved_plans("2026-S1")
    assert [(u.unit_code, u.plan.id, len(u.actions)) for u in listed] == [
        ("pkm-oesapa", plan_id, 2)]
    assert await reads.approved_plans("2026-S1", unit_ids=[]) == []
    assert await reads.approved_plans("2026-S2") == []


async def test_drafts_are_not_approved(org):
    await _plan(org.unit_id, "2026", "submitted")
    assert await reads.approved_plan(org.unit_id, "2026") is None
    assert await reads.approved_plans("2026") == []
    waiting = await reads.waiting_plans(None)
    assert [u.plan.period for u in waiting] == ["2026"]
