"""Review decisions on flagged counter-hours (feedback.integrity.decisions): exclusion takes
responses out of the aggregates (kept, never deleted), every decision is chained by hash
in an append-only log and audited, and `suara audit verify` names the first record that was
altered or removed (the test database is tampered with)."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta

import pytest
from piccolo.engine.postgres import PostgresEngine

from feedback.accounts import audit
from feedback.accounts.audit import Actor
from feedback.integrity.decisions import (
    GENESIS,
    DecisionError,
    decide,
    record_digest,
    verify,
)
from feedback.integrity.scan import run_scan
from feedback.integrity.served import store_served
from feedback.integrity.tables import IntegrityDecision
from feedback.tables import Response, UnitDayStats
from tests.support import FULL, store_answers
from tests.test_cli import suara
from tests.test_integrity_scan import wita

REVIEWER = Actor(email="inspektorat@kupangkota.go.id", id=7)
HOUR = wita(2026, 11, 24, 9)


@pytest.fixture
async def flag(org):
    """A flag: 5 ratings at the counter at 09:20 WITA, 2 transactions served that hour."""
    await store_answers(org.counter, [FULL] * 5, HOUR + timedelta(minutes=20), channel="qr")
    await store_served(org.counter_id, HOUR, 2, source="test", now=HOUR + timedelta(hours=1))
    report = await run_scan(wita(2026, 11, 24, 0), wita(2026, 11, 25, 0))
    (flagged,) = report.flagged
    assert flagged.reasons == ("above_served",)
    from feedback.integrity.tables import IntegrityFlag
    row = (await IntegrityFlag.select(IntegrityFlag.id, IntegrityFlag.response_ids)
           .where(IntegrityFlag.scan == report.scan_id).output(load_json=True))[0]
    return row["id"], sorted(row["response_ids"])


async def day_n(unit_id: int) -> int:
    rows = await UnitDayStats.select(UnitDayStats.n).where(UnitDayStats.unit == unit_id)
    return sum(r["n"] for r in rows)


@contextlib.asynccontextmanager
async def tampering():
    """Lift the append-only triggers for the moment (what an attacker with database access
    could do)."""
    engine = IntegrityDecision._meta.db
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl("ALTER TABLE integrity_decision DISABLE TRIGGER "
                             "integrity_decision_append_only")
        try:
            yield
        finally:
            await engine.run_ddl("ALTER TABLE integrity_decision ENABLE TRIGGER "
                                 "integrity_decision_append_only")
        return
    from importlib import import_module
    migration = import_module("feedback.piccolo_migrations.feedback_2026_11_30t14_41_30_000000")
    await engine.run_ddl("DROP TRIGGER integrity_decision_no_update")
    await engine.run_ddl("DROP TRIGGER integrity_decision_no_delete")
    try:
        yield
    finally:
        for ddl in migration.SQLITE_TRIGGERS:
            await engine.run_ddl(ddl)


async def test_exclude_takes_the_responses_out_of_the_aggregates(org, flag):
    flag_id, ids = flag
    assert await day_n(org.unit_id) == 5
    mark = (await audit.entries(1) or [{"id": 0}])[0]["id"]
    decision = await decide(flag_id, "exclude", "Dua HP petugas, antrean sepi", REVIEWER)
    assert decision.excluded == 5
    assert decision.response_ids == tuple(ids)
    rows = await Response.select(Response.excluded, Response.excluded_reason).where(
        Response.id.is_in(ids))
    assert len(rows) == 5  # kept, never deleted
    assert all(r["excluded"] for r in rows)
    assert {r["excluded_reason"] for r in rows} == {"integrity: Dua HP petugas, antrean sepi"}
    assert await day_n(org.unit_id) == 0
    stored = (await IntegrityDecision.select().where(IntegrityDecision.id == decision.id))[0]
    assert stored["hash"] == decision.hash == record_digest(stored)
    assert stored["actor"] == REVIEWER.email and stored["action"] == "exclude"
    assert stored["counter"] == org.counter
    (entry,) = await audit.entries(10, object_type="integrity_flag", after_id=mark)
    assert entry["action"] == "integrity.decision"
    assert entry["new"]["hash"] == decision.hash
    assert entry["actor"] == REVIEWER.email
    # Deciding again excludes nothing twice.
    again = await decide(flag_id, "exclude", "dobel", REVIEWER)
    assert again.excluded == 0
    assert await day_n(org.unit_id) == 0
    assert (await verify()).ok


async def test_keep_and_part_of_a_flag(org, flag):
    flag_id, ids = flag
    kept = await decide(flag_id, "keep", "Rombongan sekolah, wajar", REVIEWER)
    assert kept.excluded == 0
    assert await day_n(org.unit_id) == 5
    part = await decide(flag_id, "exclude", "Dua penilaian dari satu HP", REVIEWER,
                        response_ids=ids[:2])
    assert part.excluded == 2
    assert await day_n(org.unit_id) == 3
    assert await Response.count().where(Response.excluded == True) == 2  # noqa: E712
    first = (await IntegrityDecision.select().where(IntegrityDecision.id == kept.id))[0]
    second = (await IntegrityDecision.select().where(IntegrityDecision.id == part.id))[0]
    assert second["prev_hash"] == first["hash"]
    assert (await verify()).ok


@pytest.mark.parametrize(("args", "message"), [
    ({"action": "delete"}, "unknown action 'delete'"),
    ({"reason": "   "}, "give a reason"),
    ({"reason": "x" * 501}, "longer than 500 characters"),
    ({"flag_id": 10**9}, "there is no flag"),
    ({"response_ids": [10**9]}, "are not in flag"),
    ({"response_ids": []}, "choose at least one response"),
])
async def test_bad_decisions_write_nothing(org, flag, args, message):
    flag_id, _ = flag
    before = (await IntegrityDecision.count(), await day_n(org.unit_id))
    call = {"flag_id": flag_id, "action": "exclude", "reason": "alasan", **args}
    with pytest.raises(DecisionError, match=message):
        await decide(call["flag_id"], call["action"], call["reason"], REVIEWER,
                     response_ids=call.get("response_ids"))
    assert (await IntegrityDecision.count(), await day_n(org.unit_id)) == before
    assert await Response.count().where(Response.excluded == True) == 0  # noqa: E712


async def test_the_log_is_append_only(org, flag):
    flag_id, _ = flag
    decision = await decide(flag_id, "keep", "wajar", REVIEWER)
    with pytest.raises(Exception, match="append-only"):
        await IntegrityDecision.update({IntegrityDecision.reason: "lain"}).where(
            IntegrityDecision.id == decision.id)
    with pytest.raises(Exception, match="append-only"):
        await IntegrityDecision.delete().where(IntegrityDecision.id == decision.id)
    assert (await verify()).ok


async def test_verify_names_the_first_altered_or_removed_record(org, flag):
    flag_id, _ = flag
    made = [await decide(flag_id, "keep", f"alasan {k}", REVIEWER) for k in range(4)]
    ok = await verify()
    assert ok.ok and ok.head == made[-1].hash and ok.records >= 4
    done = suara("audit", "verify")
    assert done.returncode == 0, done.stderr + done.stdout
    assert f"chain intact (head {made[-1].hash})" in done.stdout

    # Altered: the reason of the second record.
    target = made[1].id
    original = (await IntegrityDecision.select().where(IntegrityDecision.id == target))[0]
    async with tampering():
        await IntegrityDecision.update({IntegrityDecision.reason: "diubah"}).where(
            IntegrityDecision.id == target)
    broken = await verify()
    assert (broken.ok, broken.record) == (False, target)
    assert broken.problem == f"record {target} was altered (its content no longer gives its hash)"
    done = suara("audit", "verify")
    assert done.returncode == 1
    assert f"record {target} was altered" in done.stdout
    # Altered with its hash recomputed too: the next record no longer follows it.
    async with tampering():
        forged = {**original, "reason": "diubah"}
        await IntegrityDecision.update({IntegrityDecision.hash: record_digest(forged)}).where(
            IntegrityDecision.id == target)
    broken = await verify()
    assert (broken.ok, broken.record) == (False, made[2].id)
    assert "does not follow the record before it" in broken.problem
    async with tampering():
        await IntegrityDecision.update({IntegrityDecision.reason: original["reason"],
                                        IntegrityDecision.hash: original["hash"]}).where(
            IntegrityDecision.id == target)
    assert (await verify()).ok

    # Removed: a record in the middle, then the newest one.
    for victim in (made[2].id, made[3].id):
        row = (await IntegrityDecision.select().where(IntegrityDecision.id == victim))[0]
        async with tampering():
            await IntegrityDecision.delete().where(IntegrityDecision.id == victim)
        broken = await verify()
        assert (broken.ok, broken.record) == (False, victim)
        assert broken.problem.startswith(f"record {victim} was removed")
        done = suara("audit", "verify")
        assert done.returncode == 1
        assert f"record {victim} was removed" in done.stdout
        row["response_ids"] = json.loads(row["response_ids"]) if isinstance(
            row["response_ids"], str) else row["response_ids"]
        await IntegrityDecision.insert(IntegrityDecision(**row))
        assert (await verify()).ok


async def test_the_first_record_follows_the_genesis(org, flag):
    first = (await IntegrityDecision.select().order_by(IntegrityDecision.id).limit(1))
    if not first:
        flag_id, _ = flag
        await decide(flag_id, "keep", "pertama", REVIEWER)
        first = (await IntegrityDecision.select().order_by(IntegrityDecision.id).limit(1))
    assert first[0]["prev_hash"] == GENESIS


async def test_decide_from_the_command_line(org, flag):
    flag_id, ids = flag
    done = suara("integrity", "decide", str(flag_id), "--action", "exclude", "--reason",
                 "Pengisian massal", "--responses", f"{ids[0]},{ids[1]}")
    assert done.returncode == 0, done.stderr
    assert f"on flag {flag_id}: exclude (2 responses; 2 responses excluded)" in done.stdout
    assert await day_n(org.unit_id) == 3
    done = suara("integrity", "decide", str(flag_id), "--action", "keep", "--reason", " ")
    assert done.returncode == 2
    assert "give a reason for the decision. Nothing was recorded." in done.stderr
    done = suara("integrity", "decide", str(flag_id), "--action", "keep", "--reason", "x",
                 "--responses", "1,a")
    assert done.returncode == 2
    assert "is not a list of response ids" in done.stderr
