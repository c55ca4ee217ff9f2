"""Shared test helpers: database reset, a small organisation, an app client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from piccolo.engine.postgres import PostgresEngine

from feedback.accounts.tables import SignInThrottle, StaffSession, StaffUser
from feedback.alerts.tables import Alert, AlertDelivery, AlertDeliveryAttempt, AlertWebhook
from feedback.cases.check_tables import CaseCheck
from feedback.cases.tables import CaseContact, CaseEvent, CaseFile, DayOff
from feedback.comments.tables import CommentLabel, CommentRetrain
from feedback.integrity.tables import IntegrityFlag, IntegrityScan, ServedCount
from feedback.notify.tables import CaseMail, CaseMailAttempt
from feedback.org.counters import clear_counter_cache
from feedback.performance.snapshot_tables import PeriodUnlock, ScoreSnapshot
from feedback.plans.tables import FollowUpPlan, PlanAction
from feedback.setup import migrate
from feedback.tables import (
    Agency,
    Counter,
    DeviceSeen,
    ImportSource,
    Indicator,
    IndicatorAudit,
    IndicatorValue,
    RateWindow,
    Response,
    Service,
    TicketToken,
    Unit,
    UnitDayGroup,
    UnitDayScore,
    UnitDayStats,
    UnitMonthGroup,
)

SECRET_HEX = "00" * 16 + "11" * 16


async def reset_database(engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl("DROP SCHEMA public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
    else:
        path = Path(engine.path)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    await migrate()


async def wipe_rows() -> None:
    # Staff users first (they name counters, units and agencies); the audit log is
    # append-only and is never wiped: tests look at rows added after a mark.
    for table in (CaseCheck, CaseEvent, CaseContact, CaseFile, DayOff, PlanAction, FollowUpPlan,
                  AlertDeliveryAttempt, AlertDelivery, AlertWebhook, Alert,
                  CaseMailAttempt, CaseMail,
                  StaffSession, SignInThrottle, StaffUser, CommentLabel, CommentRetrain,
                  IntegrityFlag, IntegrityScan, ServedCount,
                  TicketToken, UnitMonthGroup, UnitDayGroup, UnitDayScore, UnitDayStats,
                  Response, DeviceSeen, RateWindow,
                  IndicatorAudit, IndicatorValue, Indicator, Counter, Service, Unit, Agency,
                  ImportSource):
        await table.delete(force=True)
    await PeriodUnlock.delete(force=True)
    await wipe_snapshots()
    clear_counter_cache()


async def wipe_snapshots() -> None:
    """Published snapshots are append-only (triggers refuse DELETE); a test run wipes them
    by lifting the trigger for the moment, so that every test starts unpublished."""
    from importlib import import_module

    migration = import_module("feedback.piccolo_migrations.feedback_2026_11_30t14_00_30_000000")
    engine = ScoreSnapshot._meta.db
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl(
            "ALTER TABLE score_snapshot DISABLE TRIGGER score_snapshot_append_only")
        try:
            await ScoreSnapshot.delete(force=True)
        finally:
            await engine.run_ddl(
                "ALTER TABLE score_snapshot ENABLE TRIGGER score_snapshot_append_only")
        return
    await engine.run_ddl("DROP TRIGGER score_snapshot_no_delete")
    try:
        await ScoreSnapshot.delete(force=True)
    finally:
        await engine.run_ddl(migration.SQLITE_TRIGGERS[1])


@dataclass
class Org:
    unit_id: int
    unit_code: str
    counter: str  # a normal counter code
    kiosk: str  # a kiosk counter code
    other_counter: str  # a counter of another unit
    counter_id: int
    secret: str


async def seed_small_org() -> Org:
    agency = Agency(code="dinkes", name="Dinas Kesehatan")
    await agency.save()
    unit = Unit(code="pkm-oesapa", name="UPTD Puskesmas Oesapa", agency=agency.id,
                peer_group="puskesmas", kecamatan="Kelapa Lima", monthly_volume=2000)
    other = Unit(code="pkm-oebobo", name="UPTD Puskesmas Oebobo", agency=agency.id,
                 peer_group="puskesmas", kecamatan="Oebobo", monthly_volume=1500)
    await Unit.insert(unit, other)
    await Service.insert(
        Service(unit=unit.id, code="umum", name_id="Pemeriksaan umum", name_en="General check-up"),
        Service(unit=unit.id, code="kia", name_id="Kesehatan ibu dan anak",
                name_en="Mother and child health"),
    )
    counter = Counter(code="OESAPA01", unit=unit.id, name="Loket Pendaftaran", is_kiosk=False,
                      secret=SECRET_HEX)
    kiosk = Counter(code="OESAPAK1", unit=unit.id, name="Kios Ruang Tunggu", is_kiosk=True,
                    secret=SECRET_HEX)
    far = Counter(code="OEBOBO01", unit=other.id, name="Loket Pendaftaran", is_kiosk=False,
                  secret=SECRET_HEX)
    await Counter.insert(counter, kiosk, far)
    return Org(unit_id=unit.id, unit_code=unit.code, counter=counter.code, kiosk=kiosk.code,
               other_counter=far.code, counter_id=counter.id, secret=SECRET_HEX)


FULL = {"persyaratan": 4, "prosedur": 3, "waktu": 2, "biaya": 4, "produk": 3,
        "kompetensi": 3, "perilaku": 4, "pengaduan": 3, "sarana": 2}

ONE_DAY = timedelta(days=1)


class _Client:
    """An httpx client calling a fresh app in this event loop (so it shares the session's
    connection pool); the app does not open or close the engine itself."""

    def __init__(self, **overrides):
        import httpx

        from app.settings import Settings
        from app.web.main import create_app
        from piccolo_conf import DB

        self.app = create_app(Settings(secret="test-secret", **overrides), engine=DB,
                              manage_engine=False)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                        base_url="http://testserver.local",
                                        follow_redirects=False)

    async def __aenter__(self):
        return await self.client.__aenter__()

    async def __aexit__(self, *exc):
        await self.app.state.writer.close()
        return await self.client.__aexit__(*exc)


def make_client(**overrides) -> _Client:
    return _Client(**overrides)


async def store_answers(counter_code: str, answers_list: list[dict], when, channel: str = "kiosk",
                        comment: str | None = None) -> None:
    """Store counted responses at a counter through the one submit path (no limits apply
    to a kiosk), all at `when` (aware UTC)."""
    from feedback.org.counters import load_counter
    from feedback.survey import submit as submission
    from feedback.survey.validate import validate

    counter = await load_counter(counter_code)
    for i, answers in enumerate(answers_list):
        body = dict(answers) if comment is None else {**answers, "comment": comment}
        await submission.store_one(submission.Pending(
            counter=counter, draft=validate(counter, body), channel=channel,
            lang="id", submission_key=f"t-{counter_code}-{when.isoformat()}-{i}", now=when),
            submission.Policy())
