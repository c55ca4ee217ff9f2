"""A published snapshot never changes: after publishing a period, responses through the API
and the submit path, a `suara import` and its corrected re-import (which excludes the earlier
rows and retracts them from the aggregates), and target and actual edits after an audited
unlock all change the live result, and leave the stored snapshot byte-identical. Publishing
again makes version 2 with its reason; both versions stay readable; the latest is 2."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import msgspec
import pytest

from feedback.accounts import audit
from feedback.accounts.audit import Actor
from feedback.accounts.scope import Scope
from feedback.performance import periods, snapshots, unit_targets
from feedback.performance.kpis import store_kpis
from feedback.performance.scores import engine_inputs, score_period
from feedback.performance.snapshot_tables import ScoreSnapshot
from feedback.performance.snapshots import SnapshotError
from feedback.performance.target_lock import PeriodLocked
from feedback.tables import Response
from scoring.inputs import Kpi, Parameters
from tests.support import make_client, store_answers
from tests.test_cli import suara
from tests.test_import import FULL_HEADER, row, write_csv

PARAMS = Parameters(draws=50, seed=11)
YEAR = periods.parse("2026")  # the year: today's API responses fall in it too
GOOD = {"persyaratan": 4, "prosedur": 3, "waktu": 3, "biaya": 4, "produk": 3,
        "kompetensi": 4, "perilaku": 4, "pengaduan": 3, "sarana": 3}
POOR = {**GOOD, "waktu": 1, "sarana": 2, "prosedur": 2}
CITY = Actor(email="kota@kupangkota.go.id", id=None)
NOW = datetime(2026, 7, 3, 2, tzinfo=UTC)


class Frozen:
    """The published version's bytes, and the live result after each step."""

    def __init__(self, snap: snapshots.Snapshot, live: bytes) -> None:
        self.bytes = snap.result_json
        self.info = snap.info
        self.live = live

    async def check(self, step: str) -> None:
        # the stored row, read raw, is the published text, byte for byte
        raw = await ScoreSnapshot.select(ScoreSnapshot.result).where(
            ScoreSnapshot.id == self.info.id).first()
        assert raw["result"].encode() == self.bytes, step
        again = await snapshots.get(self.info.period, self.info.version)
        assert again.result_json == self.bytes and again.info == self.info, step
        assert hashlib.sha256(again.result_json).hexdigest() == self.info.result_digest, step
        # ... while the live result moved (so this check can fail)
        live = msgspec.json.encode(await score_period(YEAR, PARAMS))
        assert live != self.live, f"{step}: the live result did not change"
        assert live != self.bytes, step
        self.live = live


async def _live() -> bytes:
    return msgspec.json.encode(await score_period(YEAR, PARAMS))


async def test_a_published_snapshot_stays_byte_identical(org, tmp_path):
    await store_answers(org.kiosk, [GOOD] * 30 + [POOR] * 12, datetime(2026, 3, 2, 3, tzinfo=UTC))
    await store_answers(org.other_counter, [POOR] * 11, datetime(2026, 4, 6, 3, tzinfo=UTC),
                        channel="qr")
    await store_kpis("2026", [Kpi(org.unit_code, "imunisasi", 95, 90, "higher", 2),
                              Kpi("pkm-oebobo", "imunisasi", 95, 70, "higher", 1)], "cli", NOW)
    info = await snapshots.publish(YEAR, CITY, "Tahun 2026", params=PARAMS)
    assert info.version == 1
    snap = await snapshots.latest("2026")
    assert msgspec.json.encode(await score_period(YEAR, PARAMS)) == snap.result_json
    frozen = Frozen(snap, snap.result_json)

    # 1. responses through the public API (today, in 2026) ...
    async with make_client() as client:
        for i in range(12):
            got = await client.post("/api/v1/responses", json={
                "counter": org.kiosk, "answers": POOR, "idempotency_key": f"imm-{i:04d}-key"})
            assert got.status_code == 201, got.text
    await frozen.check("API responses")
    # ... and through the submit path on an earlier day
    await store_answers(org.other_counter, [GOOD] * 9, datetime(2026, 5, 4, 3, tzinfo=UTC),
                        channel="qr")
    await frozen.check("stored responses")

    # 2. suara import of a file, then of its corrected version (supersedes the first:
    # its rows are excluded and taken out of the aggregates)
    rows = [row(unit="pkm-oebobo", when=f"2026-02-{d:02d} 09:00", ratings=(1,) * 9)
            for d in range(1, 11)]
    path = write_csv(tmp_path / "kertas-2026.csv", FULL_HEADER, rows)
    done = suara("import", str(path))
    assert done.returncode == 0, done.stderr
    await frozen.check("import")
    corrected = [row(unit="pkm-oebobo", when=f"2026-02-{d:02d} 09:00", ratings=(4,) * 9)
                 for d in range(1, 11)]
    write_csv(path, FULL_HEADER, corrected)
    done = suara("import", str(path))
    assert done.returncode == 0, done.stderr
    assert "10 rows of its earlier version were superseded" in done.stderr
    assert await Response.count().where(Response.excluded == True) == 10  # noqa: E712
    await frozen.check("re-import (superseding)")

    # 3. targets and actuals: locked while published; edited after an audited unlock
    with pytest.raises(PeriodLocked):
        await store_kpis("2026", [Kpi(org.unit_code, "imunisasi", 80, 90, "higher", 2)],
                         "cli", NOW)
    unit_scope = Scope("unit", unit_id=org.unit_id)
    with pytest.raises(PeriodLocked):
        await unit_targets.enter_actuals(unit_scope, org.unit_code, YEAR, {"imunisasi": "50"},
                                         Actor(email="unit@test.id"))
    assert msgspec.json.encode(await score_period(YEAR, PARAMS)) == frozen.live
    await snapshots.unlock("2026", CITY, "target imunisasi salah ketik")
    log = await audit.entries(limit=1, object_type="period", object_key="2026")
    assert log[0]["action"] == "unlock_targets"
    assert log[0]["new"]["reason"] == "target imunisasi salah ketik"
    await store_kpis("2026", [Kpi(org.unit_code, "imunisasi", 80, 90, "higher", 2)], "cli", NOW)
    await frozen.check("target edited")
    await unit_targets.enter_actuals(unit_scope, org.unit_code, YEAR, {"imunisasi": "50"},
                                     Actor(email="unit@test.id"))
    await frozen.check("actual edited")

    # the inputs digest of the live data differs from the published one
    units, kpis = await engine_inputs(YEAR)
    assert snapshots.inputs_digest(units, kpis) != info.inputs_digest

    # 4. a second version needs a reason; both stay readable; the public sees version 2
    with pytest.raises(SnapshotError) as refused:
        await snapshots.publish(YEAR, CITY, "Tahun 2026, revisi", params=PARAMS)
    assert refused.value.code == "reason_required"
    second = await snapshots.publish(YEAR, CITY, "Tahun 2026, revisi",
                                     reason="kuesioner kertas dikoreksi", params=PARAMS)
    assert (second.version, second.reason) == (2, "kuesioner kertas dikoreksi")
    assert second.inputs_digest == snapshots.inputs_digest(units, kpis)
    v1, v2 = await snapshots.get("2026", 1), await snapshots.get("2026", 2)
    assert v1.result_json == frozen.bytes and v1.info == info
    assert v2.result_json == frozen.live and v2.result_json != v1.result_json
    assert (await snapshots.latest("2026")).info.version == 2
    assert [v.version for v in await snapshots.versions("2026")] == [2, 1]
    n1 = {u.unit: u.n for u in v1.result.units}
    n2 = {u.unit: u.n for u in v2.result.units}
    assert n1 == {"pkm-oesapa": 42, "pkm-oebobo": 11}
    assert n2 == {"pkm-oesapa": 54, "pkm-oebobo": 30}  # +12 API; +9 stored, +10 imported
    assert await snapshots.is_locked("2026")  # the new version locks again
