"""The periodic case pass in `suara serve` (feedback.cases.schedule) and `suara cases
sweep`: the interval setting, a pass sweeps, a failing step does not stop the others."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import pytest

from app.cli.main import main as cli_main
from feedback.cases import schedule
from feedback.clock import WITA
from tests.case_support import case_row, events_of, new_case

OPENED = datetime(2026, 11, 25, 10, 0, tzinfo=WITA)  # verify_due Monday 30 November
AFTER = datetime(2026, 12, 1, 8, 0, tzinfo=WITA)


def test_interval_from_env():
    assert schedule.interval_from_env({}) == 60
    assert schedule.interval_from_env({"SUARA_CASE_INTERVAL": "0"}) == 0
    assert schedule.interval_from_env({"SUARA_CASE_INTERVAL": " 300 "}) == 300
    for bad in ("soon", "-5", "1.5"):
        with pytest.raises(ValueError, match="SUARA_CASE_INTERVAL"):
            schedule.interval_from_env({"SUARA_CASE_INTERVAL": bad})


def test_a_bad_interval_stops_the_app_with_one_line(monkeypatch):
    from app.web.main import create_app

    monkeypatch.setenv("SUARA_CASE_INTERVAL", "often")
    with pytest.raises(SystemExit, match="SUARA_CASE_INTERVAL must be a whole number"):
        create_app(manage_engine=False)


async def test_a_pass_sweeps_and_a_failing_step_does_not_stop_the_others(org, monkeypatch):
    receipt = await new_case(OPENED)
    assert (await schedule.case_pass(datetime(2026, 11, 30, 12, 0, tzinfo=WITA)))["sweep"] == {
        "escalated_to_agency": 0, "escalated_to_city": 0, "auto_closed": 0}
    results = await schedule.case_pass(AFTER)
    assert results["sweep"] == {"escalated_to_agency": 1, "escalated_to_city": 0,
                                "auto_closed": 0}
    assert (await case_row(receipt))["level"] == "agency"
    assert (await schedule.case_pass(AFTER))["sweep"]["escalated_to_agency"] == 0

    async def broken(now):
        raise RuntimeError("database trouble")

    monkeypatch.setattr(schedule, "sweep", broken)
    results = await schedule.case_pass(AFTER)
    assert results["sweep"] == "failed"
    assert set(results) - {"sweep"}, "the other steps still ran"
    assert all(value != "failed" for name, value in results.items() if name != "sweep")


async def test_the_scheduler_runs_in_the_background_and_stops(org, monkeypatch):
    receipt = await new_case(OPENED)
    ran = asyncio.Event()
    real = schedule.case_pass

    async def at_after(now=None):
        result = await real(AFTER)
        ran.set()
        return result

    monkeypatch.setattr(schedule, "case_pass", at_after)
    task = schedule.CaseScheduler(1)
    task.start()
    assert task.running
    await asyncio.wait_for(ran.wait(), 10)
    await task.close()
    assert not task.running
    assert [e["kind"] for e in await events_of(receipt)].count("escalated") == 1
    disabled = schedule.CaseScheduler(0)
    disabled.start()
    assert not disabled.running


def test_cli_refuses_bad_moments():
    assert cli_main(["cases", "sweep", "--at", "tomorrow"]) == 2
    assert cli_main(["cases", "sweep", "--at", "2026-12-01T08:00"]) == 2


async def test_cli_sweeps(org):
    from tests.test_comments_cli import suara

    receipt = await new_case(OPENED)
    early = suara("cases", "sweep", "--at", "2026-11-30T23:59:00+08:00")
    assert early.returncode == 0, early.stderr
    assert json.loads(early.stdout) == {"escalated_to_agency": 0, "escalated_to_city": 0,
                                        "auto_closed": 0}
    done = suara("cases", "sweep", "--at", "2026-11-30T16:00:01+00:00")  # 00:00:01 WITA
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["escalated_to_agency"] == 1
    assert (await case_row(receipt))["level"] == "agency"
