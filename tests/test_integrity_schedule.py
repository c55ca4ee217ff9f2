"""The integrity scan scheduled inside `suara serve` (feedback.integrity.schedule): the
database lease lets one worker scan per interval (two concurrent takers: one wins), the
app starts the scheduler with its lifespan and it scans, errors are logged and the worker
goes on, SUARA_SCAN_INTERVAL (0 disables, a bad value refused)."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime, timedelta

import pytest

from feedback.integrity import schedule
from feedback.integrity.lease_tables import IntegrityLease
from feedback.integrity.schedule import ScanScheduler, interval_from_env, take_lease
from feedback.integrity.tables import IntegrityScan

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture
async def clean(org):
    await IntegrityLease.delete(force=True)
    await IntegrityScan.delete(force=True)
    return org


async def test_two_concurrent_takers_one_wins(clean):
    results = await asyncio.gather(*(take_lease(60, f"worker-{i}", NOW) for i in range(4)))
    assert sorted(results) == [False, False, False, True]
    assert not await take_lease(60, "late", NOW + timedelta(seconds=59))
    assert await take_lease(60, "next", NOW + timedelta(seconds=60))  # expired: taken again
    row = await IntegrityLease.select().first()
    assert row["holder"] == "next"
    assert await IntegrityLease.count() == 1


async def test_one_scan_per_interval_across_workers(clean):
    a, b = ScanScheduler(3600, "a"), ScanScheduler(3600, "b")
    done = await asyncio.gather(a.run_once(NOW), b.run_once(NOW))
    assert sorted(done) == [False, True]
    scans = await IntegrityScan.select(IntegrityScan.trigger, IntegrityScan.window_to)
    assert len(scans) == 1 and scans[0]["trigger"] == "schedule"
    assert not await a.run_once(NOW + timedelta(minutes=59))
    assert not await b.run_once(NOW + timedelta(minutes=59))
    assert await b.run_once(NOW + timedelta(hours=1))
    assert await IntegrityScan.count() == 2


async def test_errors_are_logged_and_the_worker_goes_on(clean, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("database said no")

    monkeypatch.setattr(schedule, "run_scan", broken)
    worker = ScanScheduler(1, "a")
    with caplog.at_level(logging.ERROR, logger="suara.integrity.schedule"):
        assert not await worker.run_once(NOW)
    assert "scheduled integrity scan failed" in caplog.text
    worker.start()
    await asyncio.sleep(0.2)
    assert worker.running  # the task survives the error
    await worker.close()
    assert not worker.running


async def test_the_app_runs_the_scheduler_with_its_lifespan(clean, monkeypatch):
    from app.settings import Settings
    from app.web.main import create_app
    from feedback.engine import engine_from_url

    monkeypatch.setenv("SUARA_SCAN_INTERVAL", "1")
    # The app opens and closes an engine of its own (as in `suara serve`); the tables
    # write through the test engine to the same database.
    app = create_app(Settings(secret="test-secret"), engine=engine_from_url(
        os.environ["DATABASE_URL"]), manage_engine=True)
    assert app.state.scan_scheduler.interval == 1
    # The ASGI lifespan, driven in this event loop (it shares the test's pool).
    received: asyncio.Queue[dict] = asyncio.Queue()
    sent: asyncio.Queue[dict] = asyncio.Queue()
    await received.put({"type": "lifespan.startup"})
    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"},
                                        "state": {}}, received.get, sent.put))
    assert (await sent.get())["type"] == "lifespan.startup.complete"
    for _ in range(100):
        if await IntegrityScan.count().where(IntegrityScan.trigger == "schedule"):
            break
        await asyncio.sleep(0.1)
    assert app.state.scan_scheduler.running
    await received.put({"type": "lifespan.shutdown"})
    assert (await sent.get())["type"] == "lifespan.shutdown.complete"
    await lifespan
    assert not app.state.scan_scheduler.running
    assert await IntegrityScan.count().where(IntegrityScan.trigger == "schedule") >= 1


def test_interval_setting():
    assert interval_from_env({}) == 3600
    assert interval_from_env({"SUARA_SCAN_INTERVAL": "0"}) == 0
    assert interval_from_env({"SUARA_SCAN_INTERVAL": " 120 "}) == 120
    for bad in ("-5", "1h", "1.5"):
        with pytest.raises(ValueError, match="SUARA_SCAN_INTERVAL"):
            interval_from_env({"SUARA_SCAN_INTERVAL": bad})


async def test_zero_disables():
    worker = ScanScheduler(0)
    worker.start()
    assert not worker.running


def test_a_bad_interval_stops_the_app_with_one_line(monkeypatch):
    from app.settings import Settings
    from app.web.main import create_app

    monkeypatch.setenv("SUARA_SCAN_INTERVAL", "hourly")
    with pytest.raises(SystemExit, match="SUARA_SCAN_INTERVAL must be a whole number"):
        create_app(Settings(secret="test-secret"), manage_engine=False)
