"""The demo's complaint cases (feedback.demo.cases): one per scenario of the workflow, in
the state the scenario says, the same for the same seed."""

from __future__ import annotations

from datetime import UTC, datetime

from feedback.cases import clocks, work
from feedback.cases.tables import SYSTEM, CaseContact, CaseEvent, CaseFile
from feedback.demo import cases as demo_cases
from feedback.demo.load import load_demo
from feedback.tables import Agency, Response, Unit
from tests.support import wipe_rows

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # Saturday 11:00 WITA


async def _state() -> list[tuple]:
    rows = await CaseFile.select().order_by(CaseFile.receipt)
    code = {u["id"]: u["code"] for u in await Unit.select(Unit.id, Unit.code)}
    return [(r["receipt"], r["status"], r["level"], r["outcome"], code[r["unit_id"]],
             r["verify_due"], r["follow_up_due"], r["auto_close_due"]) for r in rows]


async def test_demo_cases_show_every_state_and_are_deterministic(empty_db):
    summary = await load_demo(responses=3000, seed=1, now=NOW)
    assert summary.cases == len(demo_cases.SCENARIOS) == 10
    first = await _state()
    by = {r["receipt"]: r for r in await CaseFile.select()}
    home = await Unit.select(Unit.id).where(Unit.agency == (await Agency.select(
        Agency.id).where(Agency.code == "dinkes").first())["id"]).order_by(Unit.code).first()
    scenario = {}
    for name, receipt in (await _scenarios()).items():
        case = by[receipt]
        scenario[name] = (case["status"], case["level"], case["outcome"])
    assert scenario == {
        "fresh": ("open", "unit", None),
        "late": ("open", "agency", None),
        "verified": ("verified", "unit", None),
        "answered": ("answered", "unit", None),
        "forwarded": ("verified", "unit", None),
        "escalated": ("verified", "agency", None),
        "resolved": ("closed", "unit", "resolved"),
        "invalid": ("closed", "unit", "invalid"),
        "follow_up_missed": ("verified", "city", None),
        "no_reply": ("closed", "unit", "no_reply"),
    }
    names = await _scenarios()
    assert by[names["forwarded"]]["unit_id"] == home["id"]
    assert by[names["invalid"]]["follow_up_due"] is None
    answered = by[names["answered"]]
    assert answered["auto_close_due"] == clocks.auto_close_due(
        await clocks.calendar(), answered["answered_at"])
    # Every case is a low rating of a stored response at its own time, with a fake contact.
    for case in by.values():
        response = await Response.select().where(Response.id == case["response_id"]).first()
        assert response["receipt"] == case["receipt"]
        assert response["submitted_at"] == case["opened_at"] <= NOW
        answers = response["answers"]
        assert demo_cases.is_low(answers if isinstance(answers, dict) else
                                 __import__("json").loads(answers))
    contacts = await CaseContact.select()
    assert len(contacts) == 10 and all(c["value"].startswith("+62812000") for c in contacts)
    # No step is dated after `now`; the sweep's events are the system's.
    events = await CaseEvent.select()
    assert all(e["at"] <= NOW for e in events)
    assert {e["actor"] for e in events if e["kind"] in ("opened",)} == {SYSTEM}
    assert (await work.sweep(NOW)).total == 0  # already swept

    await wipe_rows()
    await load_demo(responses=3000, seed=1, now=NOW)
    assert await _state() == first


async def _scenarios() -> dict[str, str]:
    """Scenario -> receipt, read back from the events (as the demo played them)."""
    out = {}
    for case in await CaseFile.select():
        kinds = [e["kind"] for e in await CaseEvent.select(CaseEvent.kind).where(
            CaseEvent.case_id == case["id"]).order_by(CaseEvent.id)]
        name = {
            ("opened",): "fresh",
            ("opened", "escalated"): "late",
            ("opened", "verified"): "verified",
            ("opened", "verified", "replied"): "answered",
            ("opened", "forwarded", "verified"): "forwarded",
            ("opened", "escalated", "verified"): "escalated",
            ("opened", "replied", "closed"): "resolved",
            ("opened", "closed"): "invalid",
            ("opened", "verified", "escalated", "escalated"): "follow_up_missed",
            ("opened", "verified", "replied", "closed"): "no_reply",
        }[tuple(kinds)]
        assert name not in out
        out[name] = case["receipt"]
    return out
