"""The integrity scan scheduled inside `suara serve`: every worker runs a `ScanScheduler`;
once per interval (SUARA_SCAN_INTERVAL seconds, default 3600; 0 disables) one of them takes
the database lease (`take_lease`: an atomic UPDATE of the lease row WHERE it has expired)
and scans the last 7 days (`run_scan`, trigger "schedule"). Errors are logged, never
raised: the worker keeps serving."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import UTC, datetime, timedelta

from feedback import periodic
from feedback.integrity.lease_tables import IntegrityLease
from feedback.integrity.scan import default_window, run_scan

log = logging.getLogger("suara.integrity.schedule")
ENV = "SUARA_SCAN_INTERVAL"
DEFAULT_INTERVAL = 3600
LEASE = "integrity_scan"
MAX_TICK = 60.0  # a worker looks at the lease at least this often (seconds)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def interval_from_env(environ: dict[str, str] | None = None) -> int:
    """SUARA_SCAN_INTERVAL in whole seconds (0 disables); ValueError when not a number."""
    return periodic.interval_from_env(ENV, DEFAULT_INTERVAL, environ)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


async def take_lease(seconds: float, holder: str, now: datetime | None = None,
                     name: str = LEASE) -> bool:
    """Take the lease for `seconds` if it has expired (or never was taken): True for the
    one caller whose conditional UPDATE changed the row."""
    now = now or datetime.now(UTC)
    await IntegrityLease.insert(IntegrityLease(name=name, holder="", expires_at=_EPOCH)
                                ).on_conflict(action="DO NOTHING")
    taken = await IntegrityLease.update(
        {IntegrityLease.holder: holder,
         IntegrityLease.expires_at: now + timedelta(seconds=seconds)}).where(
        (IntegrityLease.name == name) & (IntegrityLease.expires_at <= now)).returning(
        IntegrityLease.id)
    return len(taken) == 1


class ScanScheduler(periodic.PeriodicTask):
    """A background task that tries the lease every tick and scans when it gets it."""

    task_name = "suara-integrity-scan"

    def __init__(self, interval: int, holder: str | None = None) -> None:
        super().__init__(interval, MAX_TICK)
        self.holder = holder or holder_name()
        self.scans = 0  # scans this worker ran

    async def run_once(self, now: datetime | None = None) -> bool:
        """Take the lease and scan if it is free; True when this worker scanned. Errors are
        logged (the next tick tries again once the lease expires)."""
        try:
            if not await take_lease(self.interval, self.holder, now):
                return False
            start, end = default_window(now or datetime.now(UTC))
            report = await run_scan(start, end, trigger="schedule", now=now)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduled integrity scan failed")
            return False
        self.scans += 1
        log.info("scheduled integrity scan: %s counter-hours, %s flagged",
                 report.counter_hours, len(report.flagged))
        return True
