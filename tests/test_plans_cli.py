"""`suara plans propose` and `suara plans list` (real subprocesses on the test database):
the proposal's NRR and n are the engine's; the list has one row per action; bad options
exit 2 with one line."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from feedback.accounts.audit import Actor
from feedback.accounts.scope import Scope
from feedback.performance.periods import parse
from feedback.performance.scores import score_period
from feedback.plans import work
from feedback.tables import Unit
from scoring.ikm import ELEMENTS
from scoring.inputs import Parameters
from tests.support import store_answers
from tests.test_cli import suara

NOW = datetime(2026, 7, 3, 2, 0, tzinfo=UTC)
ACTION = {"element": "waktu", "what": "=Tambah petugas loket", "who": "Kepala Tata Usaha",
          "due": "2026-09-30", "expected_effect": "Waktu tunggu turun"}


async def test_propose_and_list(org):
    rows = []
    for i in range(12):
        a = {e: 4 for e in ELEMENTS}
        a.update(waktu=2, prosedur=3, sarana=3 + (i % 2))
        a["pengaduan"] = 1 if i < 9 else None
        rows.append(a)
    await store_answers(org.counter, rows, datetime(2026, 3, 10, 2, 0, tzinfo=UTC))
    done = suara("plans", "propose", "--unit", org.unit_code, "--period", "2026-S1")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    result = await score_period(parse("2026-S1"), Parameters(draws=50))
    mine = next(u for u in result.units if u.unit == org.unit_code)
    assert out["n"] == mine.n == 12 and out["bound"] == pytest.approx(3.0644)
    assert [p["element"] for p in out["proposed"]] == ["waktu", "prosedur", "sarana"]
    for p in out["proposed"]:
        assert p["nrr"] == pytest.approx(mine.elements[p["element"]].nrr, abs=1e-12)
        assert p["n"] == 12
    assert out["skipped"] == [{"element": "pengaduan", "n": 9, "reason": "few_answers"}]

    agency = (await Unit.select(Unit.agency).where(Unit.id == org.unit_id).first())["agency"]
    scope = Scope("unit", unit_id=org.unit_id, agency_id=agency)
    actor = Actor("unit@test.id")
    plan = await work.create_plan(scope, org.unit_code, "2026-S1", actor, NOW)
    await work.add_action(scope, org.unit_code, plan.id, ACTION, actor, NOW)
    await work.add_action(scope, org.unit_code, plan.id, {**ACTION, "element": "sarana"},
                          actor, NOW)
    await work.submit(scope, org.unit_code, plan.id, actor, NOW)
    await work.decide(Scope("city"), org.unit_code, plan.id, "approve", None,
                      Actor("city@test.id"), NOW)
    await work.create_plan(scope, org.unit_code, "2026-Q3", actor, NOW)
    listed = suara("plans", "list", "--period", "2026-S1", "--agency", "dinkes")
    assert listed.returncode == 0, listed.stderr
    table = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert [(r["unit"], r["element"], r["status"]) for r in table] == [
        ("pkm-oesapa", "waktu", "planned"), ("pkm-oesapa", "sarana", "planned")]
    assert float(table[0]["baseline_nrr"]) == pytest.approx(mine.elements["waktu"].nrr)
    assert table[0]["baseline_n"] == "12" and table[0]["plan_status"] == "approved"
    assert table[0]["what"] == "'=Tambah petugas loket"  # never a formula in a spreadsheet
    drafts = suara("plans", "list", "--status", "draft")
    table = list(csv.DictReader(io.StringIO(drafts.stdout)))
    assert [(r["period"], r["plan_status"], r["element"]) for r in table] == [
        ("2026-Q3", "draft", "")]


@pytest.mark.parametrize(("args", "message"), [
    (("plans", "propose", "--unit", "nope", "--period", "2026"), "no unit"),
    (("plans", "propose", "--unit", "pkm-oesapa", "--period", "2026-S3"), "unknown period"),
    (("plans", "list", "--period", "2026-01-01..2026-03-31"), "per year"),
    (("plans", "list", "--agency", "nope"), "no agency"),
    (("plans", "list", "--status", "maybe"), "invalid choice"),
])
async def test_bad_options(org, args, message):
    done = suara(*args)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert done.stdout == ""
