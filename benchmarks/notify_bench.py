"""Case notification benchmark: how long `feedback.cases.notify.notify_due` takes for a
backlog of new cases, without e-mail (alerts only) and with e-mail to a real local SMTP
server (aiosmtpd, in this process's thread; no network beyond 127.0.0.1).

Usage:  python benchmarks/notify_bench.py [--cases 1000] [--users 2] [--units 20]
                                          [--database-url URL]

A fresh database (a SQLite file in a temporary folder unless `--database-url` names an
empty PostgreSQL database) gets `--units` units of one agency, `--users` active unit users
per unit, and `--cases` cases opened through `feedback.cases.events.open_case` (one
`opened` event each). Then:

- alerts only: `notify_due(now, None)` in passes of `BATCH` (200) events until none is
  left: the time per pass and per event (one `case` alert each, the events marked);
- e-mail: as many new cases again, `notify_due(now, mailer)` with the local server: one
  message per unit user (`--users` per event), one SMTP connection per event; the time per
  pass, per event and per message.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.count += 1
        return "250 OK"


async def _setup(units: int, users: int) -> list[tuple[int, int]]:
    from feedback.accounts.tables import StaffUser
    from feedback.tables import Agency, Unit

    agency = Agency(code="bench", name="Dinas Bench")
    await agency.save()
    made = []
    now = datetime.now(UTC)
    for i in range(units):
        unit = Unit(code=f"bench-{i:03d}", name=f"Unit Bench {i}", agency=agency.id,
                    peer_group="bench", kecamatan="Oebobo", monthly_volume=100)
        await unit.save()
        made.append((unit.id, agency.id))
        await StaffUser.insert(*(StaffUser(
            email=f"kepala{i}-{j}@bench.test", name=f"Kepala {i}-{j}", role="unit",
            unit=unit.id, agency=agency.id, password_hash="x", active=True,
            password_changed_at=now, created_at=now) for j in range(users)))
    return made


async def _open(units: list[tuple[int, int]], n: int, start: int, at: datetime) -> None:
    from feedback.cases.events import open_case
    from feedback.cases.workdays import WorkCalendar

    cal = WorkCalendar()
    for k in range(start, start + n):
        unit_id, agency_id = units[k % len(units)]
        await open_case(response_id=k + 1, receipt=f"B{k:07d}", counter_id=1,
                        unit_id=unit_id, agency_id=agency_id, reason="low_rating",
                        opened_at=at, cal=cal)


async def _drain(now: datetime, mailer) -> tuple[float, int, int, int]:
    from feedback.cases.notify import notify_due

    passes, events, mails = 0, 0, 0
    started = time.perf_counter()
    while True:
        report = await notify_due(now, mailer)
        if report.events == 0:
            break
        passes += 1
        events += report.events
        mails += report.mails
    return time.perf_counter() - started, passes, events, mails


async def main(args: argparse.Namespace) -> None:
    from aiosmtpd.controller import Controller

    from feedback import engine as db
    from feedback.notify.mail import Mailer, MailSettings
    from feedback.setup import migrate
    from piccolo_conf import DB

    await migrate()
    await db.start(DB)
    try:
        units = await _setup(args.units, args.users)
        now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
        await _open(units, args.cases, 0, now)
        took, passes, events, _ = await _drain(now, None)
        print(f"alerts only: {events} events in {passes} passes, {took:.2f} s "
              f"({took / passes * 1000:.0f} ms a pass of up to 200, "
              f"{took / events * 1000:.2f} ms an event)")
        sink = _Sink()
        controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
        controller.start()
        try:
            later = now + timedelta(minutes=5)
            await _open(units, args.cases, args.cases, later)
            mailer = Mailer(MailSettings(host="127.0.0.1", port=controller.port,
                                         security="none", sender="suara@bench.test"))
            took, passes, events, mails = await _drain(later, mailer)
        finally:
            controller.stop()
        assert mails == sink.count == events * args.users, (mails, sink.count)
        print(f"with e-mail: {events} events, {mails} messages in {passes} passes, "
              f"{took:.2f} s ({took / events * 1000:.1f} ms an event, "
              f"{mails / took:.0f} messages a second)")
    finally:
        await db.stop(DB)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--users", type=int, default=2)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="suara-notify-bench-")
    os.environ["DATABASE_URL"] = options.database_url or f"sqlite:///{folder}/bench.db"
    os.environ.setdefault("SUARA_SECRET", "bench")
    asyncio.run(main(options))
