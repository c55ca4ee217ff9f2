"""Case notifications (feedback.cases.notify, feedback.notify.mail) against a REAL local SMTP
server (aiosmtpd on a free port): who gets which mail, its subject and body, no personal data
in staff mails, the citizen's mail after a reply; a failing server is retried later and
never loses a mail, a partial failure retries only the missing recipients, bounded attempts;
no SMTP configured → no attempt and the alerts still raised; STARTTLS with sign-in; case
alerts on the staff views (who sees which, /staf/peringatan) and on the signed webhook (a
real local HTTP server)."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import ssl
import subprocess
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from feedback.accounts import users
from feedback.accounts.audit import CLI_ACTOR, Actor
from feedback.accounts.scope import Scope
from feedback.alerts import reads, webhook
from feedback.alerts.tables import Alert, AlertDelivery
from feedback.cases import notify, schedule
from feedback.cases.events import add_event, open_case
from feedback.cases.tables import SYSTEM, CaseContact, CaseEvent, CaseFile
from feedback.cases.workdays import WorkCalendar
from feedback.notify.mail import Mailer, MailSettings, mail_settings_from_env
from feedback.notify.tables import CaseMail, CaseMailAttempt
from feedback.tables import Response, Unit
from tests.staff_support import PASSWORD, make_all_roles, signed_in_as
from tests.support import FULL, make_client, store_answers
from tests.test_webhook import Receiver

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 WITA
BASE = "https://suara.kupangkota.example"
SENDER = "suara@kupangkota.example"
CITIZEN_MAIL = "warga.pelapor@example.com"
COMMENT = ("Petugas kasar sekali, saya menunggu 3 jam. Hubungi saya di 0812-3456-7890 "
           "atau budi.santoso@gmail.com")
SECRET = "s3cret-for-the-case-hook-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler: records each accepted message; refuses the recipients in
    `refuse` (550) and answers DATA with a temporary failure `fail_data` times."""

    def __init__(self) -> None:
        self.got: list[dict] = []
        self.refuse: set[str] = set()
        self.fail_data = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.fail_data > 0:
            self.fail_data -= 1
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.got.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                         "message": message, "subject": str(message["Subject"]).strip(),
                         "body": message.get_content(), "tls": session.ssl is not None,
                         "auth": session.authenticated})
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[dict]:
        return [g for g in self.got if g["to"] == [address]]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


def settings_for(port: int, **overrides) -> MailSettings:
    return MailSettings(**{"host": "127.0.0.1", "port": port, "security": "none",
                           "sender": SENDER, "timeout": 5.0, "public_url": BASE, **overrides})


@pytest.fixture
async def world(org):
    """The small organisation, every role's account, a second and a disabled unit user of
    pkm-oesapa, a unit user of pkm-oebobo; one case opened at NOW with an e-mail contact."""
    accounts = await make_all_roles()
    second = await users.create_user("kepala2@test.id", role="unit", scope_code="pkm-oesapa",
                                     password=PASSWORD, actor=CLI_ACTOR, name="Second")
    await users.create_user("pensiun@test.id", role="unit", scope_code="pkm-oesapa",
                            password=PASSWORD, actor=CLI_ACTOR, name="Gone")
    await users.set_active("pensiun@test.id", False, actor=CLI_ACTOR)
    oebobo = await users.create_user("oebobo@test.id", role="unit", scope_code="pkm-oebobo",
                                     password=PASSWORD, actor=CLI_ACTOR, name="Oebobo")
    case = await new_case(org, CITIZEN_MAIL)
    other = await Unit.select(Unit.id).where(Unit.code == "pkm-oebobo").first()
    return {"org": org, "accounts": accounts, "second": second, "oebobo": oebobo,
            "case": case, "oebobo_id": other["id"]}


_seconds = itertools.count()


async def new_case(org, contact: str | None, *, kind: str = "email", when=NOW) -> dict:
    low = {**FULL, "waktu": 1, "perilaku": 1}
    submitted = when - timedelta(minutes=5, seconds=next(_seconds))  # a new submission key
    await store_answers(org.counter, [low], submitted)
    response = await Response.select().order_by(Response.id, ascending=False).first()
    await Response.update({Response.comment: COMMENT}).where(Response.id == response["id"])
    unit = await Unit.select(Unit.agency).where(Unit.id == response["unit"]).first()
    if contact is not None:
        await CaseContact.insert(CaseContact(response_id=response["id"], kind=kind,
                                             value=contact, consent_version="2026-11",
                                             consented_at=when))
    case_id = await open_case(
        response_id=response["id"], receipt=response["receipt"],
        counter_id=response["counter"], unit_id=response["unit"], agency_id=unit["agency"],
        reason="low_rating", opened_at=when, cal=WorkCalendar())
    return await CaseFile.select().where(CaseFile.id == case_id).first()


def shown(receipt: str) -> str:
    return f"{receipt[:4]}-{receipt[4:]}"


def assert_no_personal_data(text: str) -> None:
    for secret in (CITIZEN_MAIL, "0812-3456-7890", "081234567890", "budi.santoso",
                   "gmail.com", "unit@test.id", "kepala2@test.id", "agency@test.id"):
        assert secret not in text, secret


async def unnotified() -> list[int]:
    rows = await CaseEvent.select(CaseEvent.id).where(CaseEvent.notified_at.is_null())
    return [r["id"] for r in rows]


# Settings ----------------------------------------------------------------------------------

def test_settings_from_the_environment_and_their_one_line_errors():
    assert mail_settings_from_env({}) is None
    assert mail_settings_from_env({"SUARA_SMTP_HOST": " "}) is None
    got = mail_settings_from_env({"SUARA_SMTP_HOST": "smtp.kupangkota.go.id",
                                  "SUARA_SMTP_FROM": SENDER,
                                  "SUARA_PUBLIC_URL": BASE + "/"})
    assert (got.host, got.port, got.security, got.user, got.public_url) == (
        "smtp.kupangkota.go.id", 587, "starttls", None, BASE)
    tls = mail_settings_from_env({"SUARA_SMTP_HOST": "h", "SUARA_SMTP_FROM": SENDER,
                                  "SUARA_SMTP_SECURITY": "TLS", "SUARA_SMTP_USER": "u",
                                  "SUARA_SMTP_PASSWORD": "p4ss-w0rd"})
    assert (tls.port, tls.security, tls.user, tls.password) == (465, "tls", "u", "p4ss-w0rd")
    assert "p4ss-w0rd" not in repr(tls)
    assert mail_settings_from_env({"SUARA_SMTP_HOST": "h", "SUARA_SMTP_FROM": SENDER,
                                   "SUARA_SMTP_SECURITY": "none"}).port == 25
    base = {"SUARA_SMTP_HOST": "h", "SUARA_SMTP_FROM": SENDER}
    bad = [
        ({**base, "SUARA_SMTP_SECURITY": "ssl"}, "SUARA_SMTP_SECURITY"),
        ({**base, "SUARA_SMTP_PORT": "70000"}, "SUARA_SMTP_PORT"),
        ({**base, "SUARA_SMTP_PORT": "25a"}, "SUARA_SMTP_PORT"),
        ({**base, "SUARA_SMTP_TIMEOUT": "0"}, "SUARA_SMTP_TIMEOUT"),
        ({**base, "SUARA_SMTP_TIMEOUT": "soon"}, "SUARA_SMTP_TIMEOUT"),
        ({"SUARA_SMTP_HOST": "h"}, "SUARA_SMTP_FROM"),
        ({**base, "SUARA_SMTP_FROM": "not an address"}, "SUARA_SMTP_FROM"),
        ({**base, "SUARA_SMTP_USER": "u"}, "SUARA_SMTP_PASSWORD"),
        ({**base, "SUARA_SMTP_PASSWORD": "p"}, "SUARA_SMTP_USER"),
    ]
    for env, name in bad:
        with pytest.raises(ValueError, match=name) as exc:
            mail_settings_from_env(env)
        assert "\n" not in str(exc.value)


def test_the_app_reads_the_smtp_settings_with_its_others(monkeypatch):
    from app.settings import from_env

    monkeypatch.delenv("SUARA_SMTP_HOST", raising=False)
    assert from_env().smtp is None
    monkeypatch.setenv("SUARA_SMTP_HOST", "smtp.example")
    monkeypatch.setenv("SUARA_SMTP_FROM", SENDER)
    monkeypatch.setenv("SUARA_SMTP_PORT", "2525")
    assert from_env().smtp.port == 2525
    monkeypatch.setenv("SUARA_SMTP_SECURITY", "sometimes")
    with pytest.raises(SystemExit, match="SUARA_SMTP_SECURITY must be one of"):
        from_env()


# Staff mails -------------------------------------------------------------------------------

async def test_an_opened_case_mails_each_active_unit_user_without_personal_data(world, smtp):
    case = world["case"]
    mailer = Mailer(settings_for(smtp.port))
    report = await notify.notify_due(NOW, mailer)
    assert report.as_json() == {"events": 1, "alerts": 1, "mails": 2, "retrying": 0,
                                "failed": 0, "waiting": 0}
    # One message per recipient (nobody sees another's address), active unit users only.
    assert sorted(g["to"][0] for g in smtp.got) == ["kepala2@test.id", "unit@test.id"]
    for got in smtp.got:
        message = got["message"]
        assert got["from"] == SENDER and message["To"] == got["to"][0]
        assert message["From"].addresses[0].addr_spec == SENDER
        assert message["Auto-Submitted"] == "auto-generated"
        assert got["subject"] == (f"[Suara Layanan] Pengaduan baru {shown(case['receipt'])}: "
                                  "UPTD Puskesmas Oesapa")
        body = got["body"]
        assert f"Nomor pengaduan: {shown(case['receipt'])}" in body
        assert f"Buka pengaduan: {BASE}/staf/kasus/{case['receipt']}" in body
        assert "Batas verifikasi: 27-11-2026" in body  # 3 working days after Tue 24-11
        assert "Dibuka: 24-11-2026 10:00 WITA" in body
        assert "[nomor telepon disamarkan]" in body and "[email disamarkan]" in body
        assert "Petugas kasar sekali, saya menunggu 3 jam." in body
        english = [line for line in body.splitlines() if line.startswith("English:")]
        assert english == [f"English: New complaint case {shown(case['receipt'])} for UPTD "
                           "Puskesmas Oesapa (a low rating with a request for contact): "
                           "verify it by 2026-11-27. Open it with the link above."]
        assert_no_personal_data(body)
        assert_no_personal_data(got["subject"])
    assert await unnotified() == []
    alert = await Alert.select().output(load_json=True).first()
    event = await CaseEvent.select().first()
    assert alert["kind"] == "case" and alert["source_key"] == f"case:{event['id']}"
    assert alert["details"]["event"] == "opened" and alert["details"]["receipt"] == case[
        "receipt"]
    # The next pass has nothing to do.
    again = await notify.notify_due(NOW + timedelta(minutes=1), mailer)
    assert again.as_json()["events"] == 0 and len(smtp.got) == 2
    mail = await CaseMail.select().first()
    assert mail["state"] == "sent" and mail["attempts"] == 1
    assert sorted(json.loads(mail["sent_to"])) == sorted(
        [f"user:{world['accounts']['unit'].id}", f"user:{world['second'].id}"])


async def test_escalations_mail_the_agency_then_the_city(world, smtp):
    case = world["case"]
    mailer = Mailer(settings_for(smtp.port))
    await notify.notify_due(NOW, mailer)
    smtp.got.clear()
    later = NOW + timedelta(days=4)
    await add_event(case["id"], "escalated", SYSTEM, later, text="clock:verify_due",
                    level="agency")
    await CaseFile.update({CaseFile.level: "agency"}).where(CaseFile.id == case["id"])
    await notify.notify_due(later, mailer)
    assert [g["to"] for g in smtp.got] == [["agency@test.id"]]
    got = smtp.got[0]
    assert got["subject"] == (f"[Suara Layanan] Pengaduan {shown(case['receipt'])} dinaikkan "
                              "ke tingkat dinas")
    assert "Sebab: otomatis: batas verifikasi terlewat" in got["body"]
    assert "English: Complaint case" in got["body"] and "agency level" in got["body"]
    assert_no_personal_data(got["body"])
    smtp.got.clear()
    staff = Actor(email="agency@test.id", id=world["accounts"]["agency"].id)
    await add_event(case["id"], "escalated", staff, later + timedelta(hours=1),
                    text="Warga menelepon lagi dari 0812-3456-7890", level="city")
    await CaseFile.update({CaseFile.level: "city"}).where(CaseFile.id == case["id"])
    await notify.notify_due(later + timedelta(hours=1), mailer)
    assert [g["to"] for g in smtp.got] == [["city@test.id"]]
    body = smtp.got[0]["body"]
    assert "tingkat kota" in smtp.got[0]["subject"]
    assert "Sebab: dinaikkan oleh petugas" in body
    assert "Warga menelepon lagi dari [nomor telepon disamarkan]" in body
    assert_no_personal_data(body)
    # Who sees which alert: the agency its agency-level one, the city the city-level one,
    # the unit both (its own case); another unit and the admin none.
    org = world["org"]
    unit_scope = Scope("unit", unit_id=org.unit_id, agency_id=case["agency_id"])
    agency_scope = Scope("agency", agency_id=case["agency_id"])
    events = lambda rows: sorted((a.details["event"], a.details["level"]) for a in rows)  # noqa: E731
    assert events(await reads.list_alerts(unit_scope)) == [
        ("escalated", "agency"), ("escalated", "city"), ("opened", "unit")]
    assert events(await reads.list_alerts(agency_scope)) == [
        ("escalated", "agency"), ("opened", "unit")]
    assert events(await reads.list_alerts(Scope("city"))) == [("escalated", "city")]
    assert await reads.count_open(Scope("city")) == 1
    other = Scope("unit", unit_id=world["oebobo_id"], agency_id=case["agency_id"])
    assert await reads.list_alerts(other) == []
    city_alert = await Alert.select().where(Alert.agency_id == 0).first()
    assert reads.sees(Scope("city"), city_alert) and not reads.sees(agency_scope, city_alert)
    await reads.acknowledge(CLI_ACTOR, Scope("city"), city_alert["id"])
    assert await reads.count_open(Scope("city")) == 0


async def test_a_forward_mails_and_alerts_the_new_unit(world, smtp):
    case = world["case"]
    mailer = Mailer(settings_for(smtp.port))
    await notify.notify_due(NOW, mailer)
    smtp.got.clear()
    staff = Actor(email="unit@test.id", id=world["accounts"]["unit"].id)
    await add_event(case["id"], "forwarded", staff, NOW + timedelta(hours=1),
                    text="Ini urusan Oebobo, warga tinggal di sana", public=True,
                    from_unit_id=case["unit_id"], to_unit_id=world["oebobo_id"], level="unit")
    await CaseFile.update({CaseFile.unit_id: world["oebobo_id"]}).where(
        CaseFile.id == case["id"])
    report = await notify.notify_due(NOW + timedelta(hours=1), mailer)
    assert report.alerts == 1 and report.mails == 1
    assert [g["to"] for g in smtp.got] == [["oebobo@test.id"]]
    got = smtp.got[0]
    assert got["subject"] == (f"[Suara Layanan] Pengaduan {shown(case['receipt'])} diteruskan "
                              "ke UPTD Puskesmas Oebobo")
    assert ("diteruskan dari UPTD Puskesmas Oesapa ke UPTD Puskesmas Oebobo" in got["body"])
    assert "Ini urusan Oebobo" in got["body"]
    assert f"{BASE}/staf/kasus/{case['receipt']}" in got["body"]
    assert_no_personal_data(got["body"])
    oebobo = Scope("unit", unit_id=world["oebobo_id"], agency_id=case["agency_id"])
    assert [a.details["event"] for a in await reads.list_alerts(oebobo)] == ["forwarded"]
    assert (await reads.list_alerts(oebobo))[0].unit_name == "UPTD Puskesmas Oebobo"


async def test_a_citizen_answer_mails_the_unit_masked(world, smtp):
    case = world["case"]
    mailer = Mailer(settings_for(smtp.port))
    await notify.notify_due(NOW, mailer)
    smtp.got.clear()
    staff = Actor(email="unit@test.id", id=world["accounts"]["unit"].id)
    reply = await add_event(case["id"], "replied", staff, NOW + timedelta(hours=2),
                            text="Mohon maaf, petugas sudah kami tegur.", public=True)
    await add_event(case["id"], "citizen_answer", "citizen", NOW + timedelta(days=1),
                    text="Belum selesai, email saya budi.santoso@gmail.com", public=True,
                    answers_event=reply)
    await notify.notify_due(NOW + timedelta(days=1), mailer)
    unit = [g for g in smtp.got if g["to"] != [CITIZEN_MAIL]]
    assert sorted(g["to"][0] for g in unit) == ["kepala2@test.id", "unit@test.id"]
    assert unit[0]["subject"] == ("[Suara Layanan] Warga menanggapi balasan atas pengaduan "
                                  f"{shown(case['receipt'])}")
    assert "Belum selesai, email saya [email disamarkan]" in unit[0]["body"]
    assert_no_personal_data(unit[0]["body"])


# The citizen's mail ------------------------------------------------------------------------

async def test_a_reply_mails_the_citizen_a_link_not_the_text(world, smtp):
    case = world["case"]
    mailer = Mailer(settings_for(smtp.port))
    await notify.notify_due(NOW, mailer)
    smtp.got.clear()
    staff = Actor(email="unit@test.id", id=world["accounts"]["unit"].id)
    await add_event(case["id"], "replied", staff, NOW + timedelta(hours=2),
                    text="Mohon maaf, petugas sudah kami tegur.", public=True)
    await CaseFile.update({CaseFile.status: "answered",
                           CaseFile.auto_close_due: datetime(2026, 12, 8).date()}).where(
        CaseFile.id == case["id"])
    report = await notify.notify_due(NOW + timedelta(hours=2), mailer)
    assert report.alerts == 0 and report.mails == 1  # a reply raises no staff alert
    assert [g["to"] for g in smtp.got] == [[CITIZEN_MAIL]]
    got = smtp.got[0]
    assert got["message"]["To"] == CITIZEN_MAIL
    assert got["subject"] == ("[Suara Layanan] Balasan atas pengaduan Anda "
                              f"{shown(case['receipt'])}")
    assert f"{BASE}/lacak?r={case['receipt']}" in got["body"]
    assert "UPTD Puskesmas Oesapa telah membalas pengaduan Anda" in got["body"]
    assert "08-12-2026" in got["body"]
    assert "petugas sudah kami tegur" not in got["body"]  # the reply is read on /lacak
    assert "unit@test.id" not in got["body"]


async def test_no_citizen_mail_for_a_phone_contact_or_none(world, smtp):
    mailer = Mailer(settings_for(smtp.port))
    phone = await new_case(world["org"], "+6281234567890", kind="phone")
    silent = await new_case(world["org"], None)
    await notify.notify_due(NOW, mailer)
    smtp.got.clear()
    for case in (phone, silent):
        await add_event(case["id"], "replied", CLI_ACTOR, NOW + timedelta(hours=1),
                        text="Sudah kami tangani.", public=True)
    report = await notify.notify_due(NOW + timedelta(hours=1), mailer)
    assert report.events == 2 and report.mails == 0 and smtp.got == []
    assert await unnotified() == []
    assert await CaseMail.count().where(CaseMail.event_id.is_in(
        [e["id"] for e in await CaseEvent.select(CaseEvent.id).where(
            CaseEvent.kind == "replied")])) == 0


# Failures ----------------------------------------------------------------------------------

async def test_a_failing_server_is_retried_later_and_nothing_is_lost(world, smtp):
    mailer = Mailer(settings_for(smtp.port))
    smtp.fail_data = 2  # the first message of the first pass, then of the second
    first = await notify.notify_due(NOW, mailer)
    assert first.as_json() == {"events": 0, "alerts": 1, "mails": 0, "retrying": 1,
                               "failed": 0, "waiting": 0}
    assert len(await unnotified()) == 1 and smtp.got == []
    # Not due again before a minute; the alert is not raised twice.
    early = await notify.notify_due(NOW + timedelta(seconds=59), mailer)
    assert early.as_json() == {"events": 0, "alerts": 0, "mails": 0, "retrying": 0,
                               "failed": 0, "waiting": 1}
    second = await notify.notify_due(NOW + timedelta(minutes=1), mailer)
    assert second.retrying == 1 and smtp.got == []
    third = await notify.notify_due(NOW + timedelta(minutes=6), mailer)
    assert third.mails == 2 and third.events == 1
    assert sorted(g["to"][0] for g in smtp.got) == ["kepala2@test.id", "unit@test.id"]
    assert await unnotified() == []
    mail = await CaseMail.select().first()
    log = await CaseMailAttempt.select().where(CaseMailAttempt.mail_id == mail["id"]).order_by(
        CaseMailAttempt.attempt)
    assert [(r["attempt"], r["ok"], r["sent"]) for r in log] == [(1, False, 0), (2, False, 0),
                                                                 (3, True, 2)]
    assert "451" in log[0]["error"] and "Try again later" in log[0]["error"]
    assert mail["state"] == "sent" and mail["attempts"] == 3


async def test_a_partial_failure_retries_only_the_missing_recipient(world, smtp):
    mailer = Mailer(settings_for(smtp.port))
    smtp.refuse = {"unit@test.id"}  # the first recipient (by user id) is refused
    first = await notify.notify_due(NOW, mailer)
    # Sending stops at the refused one: unit@test.id is first, so nothing went out yet.
    assert first.retrying == 1 and first.mails == 0
    log = await CaseMailAttempt.select().first()
    assert "unit@test.id" not in log["error"] and "[email disamarkan]" in log["error"]
    smtp.refuse = {"kepala2@test.id"}
    second = await notify.notify_due(NOW + timedelta(minutes=1), mailer)
    assert second.mails == 1 and second.retrying == 1
    assert [g["to"] for g in smtp.got] == [["unit@test.id"]]
    smtp.refuse = set()
    third = await notify.notify_due(NOW + timedelta(minutes=6), mailer)
    assert third.mails == 1 and third.events == 1
    # Each recipient got the mail exactly once.
    assert sorted(g["to"][0] for g in smtp.got) == ["kepala2@test.id", "unit@test.id"]


async def test_an_unreachable_server_is_given_up_after_five_attempts(world):
    closed = free_port()  # nothing listens there: the connection is refused
    mailer = Mailer(settings_for(closed))
    at = NOW
    results = []
    for wait in (timedelta(0), *notify.RETRY_AFTER):
        at += wait
        results.append((await notify.notify_due(at, mailer)).as_json())
    assert [r["retrying"] for r in results] == [1, 1, 1, 1, 0]
    assert results[-1]["failed"] == 1 and results[-1]["events"] == 1
    assert await unnotified() == []  # given up: not retried for ever
    mail = await CaseMail.select().first()
    assert mail["state"] == "failed" and mail["attempts"] == notify.MAX_ATTEMPTS
    log = await CaseMailAttempt.select().order_by(CaseMailAttempt.attempt)
    assert len(log) == 5 and not any(r["ok"] for r in log)
    assert all(r["error"] for r in log)
    # The alert was raised at the first pass all the same.
    assert await Alert.count().where(Alert.kind == "case") == 1


async def test_staff_hear_nothing_of_a_case_closed_by_then_the_citizen_does(world, smtp):
    case = world["case"]
    staff = Actor(email="unit@test.id", id=world["accounts"]["unit"].id)
    await add_event(case["id"], "replied", staff, NOW, text="Sudah kami perbaiki.",
                    public=True)
    await add_event(case["id"], "closed", staff, NOW, text="Selesai.", public=True,
                    outcome="resolved")
    await CaseFile.update({CaseFile.status: "closed", CaseFile.closed_at: NOW}).where(
        CaseFile.id == case["id"])
    report = await notify.notify_due(NOW, Mailer(settings_for(smtp.port)))
    assert report.as_json() == {"events": 3, "alerts": 0, "mails": 1, "retrying": 0,
                                "failed": 0, "waiting": 0}
    assert [g["to"] for g in smtp.got] == [[CITIZEN_MAIL]]
    assert await unnotified() == []


async def test_a_mail_waiting_for_its_retry_holds_up_no_later_event(world):
    mailer = Mailer(settings_for(free_port()))  # nothing listens: every attempt fails
    assert (await notify.notify_due(NOW, mailer, limit=1)).retrying == 1
    await add_event(world["case"]["id"], "citizen_answer", "citizen", NOW, text="x",
                    public=True)
    # A batch of one: the waiting mail is left out, the new event gets its alert.
    later = await notify.notify_due(NOW + timedelta(seconds=10), mailer, limit=1)
    assert later.waiting == 1 and later.alerts == 1 and later.retrying == 1
    assert await Alert.count().where(Alert.kind == "case") == 2


async def test_without_smtp_no_attempt_and_the_alerts_still_raised(world, smtp):
    case = world["case"]
    await add_event(case["id"], "citizen_answer", "citizen", NOW + timedelta(minutes=1),
                    text="Masih belum", public=True)
    await add_event(case["id"], "verified", CLI_ACTOR, NOW + timedelta(minutes=2),
                    public=True)
    report = await notify.notify_due(NOW + timedelta(minutes=3), None)
    assert report.as_json() == {"events": 3, "alerts": 2, "mails": 0, "retrying": 0,
                                "failed": 0, "waiting": 0}
    assert smtp.got == [] and await CaseMail.count() == 0
    assert await unnotified() == []
    kinds = sorted(r["source_key"].split(":")[0] + ":" + r["kind"]
                   for r in await Alert.select(Alert.source_key, Alert.kind))
    assert kinds == ["case:case", "case:case"]


async def test_two_passes_at_once_send_each_mail_once(world, smtp):
    mailer = Mailer(settings_for(smtp.port))
    reports = await asyncio.gather(notify.notify_due(NOW, mailer),
                                   notify.notify_due(NOW, mailer))
    assert sum(r.mails for r in reports) == 2
    assert sorted(g["to"][0] for g in smtp.got) == ["kepala2@test.id", "unit@test.id"]
    assert await Alert.count() == 1


# STARTTLS and sign-in ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Path:
    """A self-signed certificate for 127.0.0.1 (openssl, as on every server)."""
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                   check=True, capture_output=True)
    return folder


async def test_starttls_with_sign_in(world, certificate):
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(certificate / "cert.pem", certificate / "key.pem")
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"suara"
              and auth_data.password == b"rahasia-smtp")
        seen.append(ok)
        return AuthResult(success=ok)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                            tls_context=server_tls, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    controller.start()
    try:
        trust = ssl.create_default_context(cafile=str(certificate / "cert.pem"))
        settings = settings_for(controller.port, security="starttls", user="suara",
                                password="rahasia-smtp")
        report = await notify.notify_due(NOW, Mailer(settings, tls_context=trust))
        assert report.mails == 2 and seen == [True]
        assert all(g["tls"] and g["auth"] for g in inbox.got)
        # A wrong password: the mail waits for a retry.
        wrong = settings_for(controller.port, security="starttls", user="suara",
                             password="salah")
        await add_event(world["case"]["id"], "citizen_answer", "citizen", NOW, text="x",
                        public=True)
        failed = await notify.notify_due(NOW, Mailer(wrong, tls_context=trust))
        assert failed.retrying == 1 and len(inbox.got) == 2
        # Without the server's certificate trusted, nothing is sent (never in clear).
        untrusted = await notify.notify_due(NOW + timedelta(minutes=1), Mailer(settings))
        assert untrusted.retrying == 1 and len(inbox.got) == 2
        log = await CaseMailAttempt.select().order_by(CaseMailAttempt.id, ascending=False)
        assert "CERTIFICATE_VERIFY_FAILED" in log[0]["error"] or "certificate" in log[0][
            "error"].lower()
    finally:
        controller.stop()


# The periodic case pass --------------------------------------------------------------------

async def test_the_case_pass_notifies_with_the_environment_settings(world, smtp,
                                                                   monkeypatch):
    monkeypatch.delenv("SUARA_SMTP_HOST", raising=False)
    results = await schedule.case_pass(NOW)
    assert results["notify"]["alerts"] == 1 and results["notify"]["mails"] == 0
    staff = Actor(email="unit@test.id", id=world["accounts"]["unit"].id)
    await add_event(world["case"]["id"], "replied", staff, NOW, text="Sudah.", public=True)
    for name, value in {"SUARA_SMTP_HOST": "127.0.0.1", "SUARA_SMTP_PORT": str(smtp.port),
                        "SUARA_SMTP_SECURITY": "none", "SUARA_SMTP_FROM": SENDER,
                        "SUARA_PUBLIC_URL": BASE}.items():
        monkeypatch.setenv(name, value)
    results = await schedule.case_pass(NOW + timedelta(minutes=1))
    assert results["notify"]["mails"] == 1
    assert [g["to"] for g in smtp.got] == [[CITIZEN_MAIL]]
    monkeypatch.setenv("SUARA_SMTP_SECURITY", "sometimes")  # a bad setting: the step fails
    await add_event(world["case"]["id"], "verified", CLI_ACTOR, NOW, public=True)
    results = await schedule.case_pass(NOW + timedelta(minutes=2))
    assert results["notify"] == "failed"


# The webhook -------------------------------------------------------------------------------

async def test_case_events_go_out_on_the_signed_webhook_without_personal_data(world):
    case = world["case"]
    with (Receiver([], SECRET) as agency_hook, Receiver([], SECRET) as city_hook):
        await webhook.set_webhook(CLI_ACTOR, "dinkes", agency_hook.url, SECRET)
        await webhook.set_webhook(CLI_ACTOR, None, city_hook.url, SECRET)
        await notify.notify_due(NOW, None)
        await add_event(case["id"], "escalated", SYSTEM, NOW + timedelta(days=8),
                        text="clock:follow_up_due", level="city")
        await notify.notify_due(NOW + timedelta(days=8), None)
        assert await AlertDelivery.count() == 2
        sent = await webhook.deliver_due(NOW + timedelta(days=8))
        assert sent.delivered == 2
    assert [g["valid"] for g in agency_hook.got + city_hook.got] == [True, True]
    opened = json.loads(agency_hook.got[0]["body"])
    escalated = json.loads(city_hook.got[0]["body"])
    assert opened["kind"] == "case" and opened["agency"] == "dinkes"
    assert opened["unit"] == "pkm-oesapa" and opened["counter"] == "OESAPA01"
    assert opened["comment"] is None and opened["pungli"] is False
    assert opened["details"] == {
        "event": "opened", "event_id": opened["details"]["event_id"], "case_id": case["id"],
        "receipt": case["receipt"], "reason": "low_rating", "level": "unit",
        "status": "open", "at": "2026-11-24T02:00:00Z", "automatic": True,
        "verify_due": "2026-11-27", "follow_up_due": "2026-12-04", "from_unit": None,
        "to_unit": "pkm-oesapa"}
    assert escalated["details"]["event"] == "escalated"
    assert escalated["details"]["level"] == "city"
    for got in agency_hook.got + city_hook.got:
        text = got["body"].decode()
        assert_no_personal_data(text)
        assert "Petugas kasar" not in text and "clock:" not in text


# The alerts page ---------------------------------------------------------------------------

async def test_the_alerts_page_shows_case_alerts_with_a_link_to_the_case(world):
    case = world["case"]
    await add_event(case["id"], "escalated", SYSTEM, NOW + timedelta(days=8),
                    text="clock:follow_up_due", level="city")
    await notify.notify_due(NOW + timedelta(days=8), None)
    link = f'href="/staf/kasus/{case["receipt"]}"'
    async with make_client() as client:
        await signed_in_as(client, "unit")
        page = await client.get("/staf/peringatan")
        assert page.status_code == 200
        html = page.text
        assert "Pengaduan baru" in html and "Pengaduan dinaikkan ke tingkat kota" in html
        assert html.count(link) == 2
        assert f"Pengaduan {shown(case['receipt'])}" in html
        assert "verifikasi paling lambat 27-11-2026" in html
        assert_no_personal_data(html.replace("unit@test.id", ""))
        assert "Petugas kasar" not in html
        english = await client.get("/staf/peringatan?lang=en")
        assert "New complaint case" in english.text
        assert "Complaint case escalated to the city" in english.text
        assert f'href="/staf/kasus/{case["receipt"]}?lang=en"' in english.text
        assert "low rating, contact requested" in english.text
    async with make_client() as client:
        await signed_in_as(client, "city")
        html = (await client.get("/staf/peringatan")).text
        assert "Pengaduan dinaikkan ke tingkat kota" in html and "Pengaduan baru" not in html
        assert html.count(link) == 1
