"""Published snapshots (feedback.performance.snapshots): a period's result frozen with its
method, parameters, inputs digest and publisher; versions; the database refuses changes;
target locks and unlocks."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import msgspec
import pytest

from feedback.accounts.audit import Actor, entries
from feedback.performance import periods, snapshots
from feedback.performance.scores import score_period
from feedback.performance.snapshot_tables import ScoreSnapshot
from feedback.performance.snapshots import SnapshotError
from scoring.inputs import Parameters
from tests.support import store_answers

PARAMS = Parameters(draws=50, seed=7)
GOOD = {"persyaratan": 4, "prosedur": 3, "waktu": 3, "biaya": 4, "produk": 3,
        "kompetensi": 4, "perilaku": 4, "pengaduan": 3, "sarana": 3}
POOR = {**GOOD, "waktu": 1, "sarana": 2, "prosedur": 2}
CITY = Actor(email="kota@kupangkota.go.id", id=None)
S1 = periods.parse("2026-S1")


async def _data(org):
    await store_answers(org.kiosk, [GOOD] * 8 + [POOR] * 4, datetime(2026, 3, 2, 3, tzinfo=UTC))
    await store_answers(org.other_counter, [POOR] * 11, datetime(2026, 4, 6, 3, tzinfo=UTC),
                        channel="qr")


async def test_publish_freezes_the_result_with_its_provenance(org):
    await _data(org)
    info = await snapshots.publish(S1, CITY, "Semester I", params=PARAMS)
    assert (info.period, info.version, info.method) == ("2026-S1", 1, "suara-2026.2")
    assert info.published_by == CITY.email and info.reason is None
    assert info.parameters["seed"] == 7 and info.parameters["draws"] == 50
    assert (info.period_from.isoformat(), info.period_to.isoformat()) == (
        "2026-01-01", "2026-06-30")
    snap = await snapshots.latest("2026-S1")
    assert snap is not None and snap.info == info
    assert hashlib.sha256(snap.result_json).hexdigest() == info.result_digest
    live = await score_period(S1, PARAMS)
    assert snap.result == live  # the same computation, frozen
    assert msgspec.json.encode(live) == snap.result_json
    units = {u.unit: u for u in snap.result.units}
    assert units["pkm-oesapa"].n == 12 and units["pkm-oebobo"].n == 11
    log = await entries(limit=1, object_type="score_snapshot")
    assert log[0]["action"] == "publish" and log[0]["object_key"] == "2026-S1 v1"
    assert log[0]["new"]["inputs_digest"] == info.inputs_digest


async def test_a_snapshot_never_changes_and_new_versions_need_a_reason(org):
    await _data(org)
    first = await snapshots.publish(S1, CITY, "first", params=PARAMS)
    frozen = (await snapshots.latest("2026-S1")).result_json
    # new responses after publishing change the live figures, not the snapshot
    await store_answers(org.kiosk, [POOR] * 20, datetime(2026, 5, 4, 3, tzinfo=UTC))
    assert (await snapshots.get("2026-S1", 1)).result_json == frozen
    with pytest.raises(SnapshotError) as refused:
        await snapshots.publish(S1, CITY, "again", params=PARAMS)
    assert refused.value.code == "reason_required"
    second = await snapshots.publish(S1, CITY, "again", reason="late imports", params=PARAMS)
    assert second.version == 2 and second.inputs_digest != first.inputs_digest
    assert (await snapshots.get("2026-S1", 1)).result_json == frozen
    latest = await snapshots.latest("2026-S1")
    assert latest.info.version == 2
    assert {u.unit: u.n for u in latest.result.units}["pkm-oesapa"] == 32
    assert [v.version for v in await snapshots.versions("2026-S1")] == [2, 1]
    assert [p.version for p in await snapshots.published_periods()] == [2]


async def test_the_database_refuses_to_change_or_delete_a_snapshot(org):
    await _data(org)
    await snapshots.publish(S1, CITY, "x", params=PARAMS)
    with pytest.raises(Exception, match="append-only"):
        await ScoreSnapshot.update({ScoreSnapshot.note: "changed"}, force=True)
    with pytest.raises(Exception, match="append-only"):
        await ScoreSnapshot.delete(force=True)
    assert (await snapshots.latest("2026-S1")).info.note == "x"


@pytest.mark.parametrize(("key", "code"), [("2025-S1", "no_data"), ("2026-S2", "no_data")])
async def test_nothing_to_publish(org, key, code):
    await _data(org)
    with pytest.raises(SnapshotError) as refused:
        await snapshots.publish(periods.parse(key), CITY, "x", params=PARAMS)
    assert refused.value.code == code
    assert await ScoreSnapshot.count() == 0


async def test_custom_ranges_and_long_notes_are_refused(org):
    await _data(org)
    for period, note, code in [
        (periods.custom(S1.first, S1.last), "x", "not_publishable"),
        (S1, "x" * (snapshots.MAX_NOTE + 1), "too_long"),
    ]:
        with pytest.raises(SnapshotError) as refused:
            await snapshots.publish(period, CITY, note, params=PARAMS)
        assert refused.value.code == code
    assert await ScoreSnapshot.count() == 0


async def test_lock_and_unlock(org):
    await _data(org)
    assert not await snapshots.is_locked("2026-S1")
    with pytest.raises(SnapshotError, match="not published"):
        await snapshots.unlock("2026-S1", CITY, "typo in a target")
    await snapshots.publish(S1, CITY, "x", params=PARAMS)
    assert await snapshots.is_locked("2026-S1") and not await snapshots.is_locked("2026-Q1")
    with pytest.raises(SnapshotError) as refused:
        await snapshots.unlock("2026-S1", CITY, "   ")
    assert refused.value.code == "reason_required"
    await snapshots.unlock("2026-S1", CITY, "typo in a target")
    assert not await snapshots.is_locked("2026-S1")
    with pytest.raises(SnapshotError) as refused:
        await snapshots.unlock("2026-S1", CITY, "again")
    assert refused.value.code == "not_locked"
    log = await entries(limit=1, object_type="period", object_key="2026-S1")
    assert log[0]["action"] == "unlock_targets" and log[0]["new"]["reason"] == "typo in a target"
    # publishing a new version locks again
    await snapshots.publish(S1, CITY, "x", reason="targets corrected", params=PARAMS)
    assert await snapshots.is_locked("2026-S1")
