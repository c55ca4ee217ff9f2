"""The staff steps of a case and the overdue sweep (feedback.cases.work): the state machine,
who may act at which level, bad input writing nothing, concurrent steps, and the clocks
across a weekend, a national holiday, cuti bersama (Idul Fitri 2026), a local day off and
the WITA day boundary."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from feedback.accounts.audit import Actor, entries
from feedback.accounts.scope import Scope
from feedback.cases import access, clocks, work
from feedback.cases.tables import SYSTEM, CaseEvent, CaseFile, DayOff
from feedback.cases.workdays import WorkCalendar
from feedback.clock import WITA
from feedback.tables import Agency, Unit
from tests.case_support import case_row, events_of, new_case
from tests.staff_support import audit_mark

CAL = WorkCalendar()
STAFF = Actor(email="unit@test.id", id=None)


def wita(*args: int) -> datetime:
    return datetime(*args, tzinfo=WITA)


@pytest.fixture
async def world(org):
    unit = await Unit.select().where(Unit.id == org.unit_id).first()
    other = await Unit.select().where(Unit.code == "pkm-oebobo").first()
    far_agency = Agency(code="dukcapil", name="Dinas Kependudukan dan Pencatatan Sipil")
    await far_agency.save()
    far = Unit(code="dukcapil-mpp", name="Disdukcapil MPP", agency=far_agency.id,
               peer_group="licensing", monthly_volume=900)
    await far.save()
    return {
        "org": org,
        "unit": Scope("unit", unit_id=unit["id"], agency_id=unit["agency"]),
        "other_unit": Scope("unit", unit_id=other["id"], agency_id=other["agency"]),
        "agency": Scope("agency", agency_id=unit["agency"]),
        "far_agency": Scope("agency", agency_id=far_agency.id),
        "city": Scope("city"),
        "admin": Scope("admin"),
        "officer": Scope("officer", counter_id=org.counter_id),
        "other_id": other["id"], "far_id": far.id, "agency_id": unit["agency"],
    }


OPENED = wita(2026, 11, 25, 10, 0)  # Wednesday: verify_due Mon 30 Nov, follow-up Mon 7 Dec
LATER = OPENED + timedelta(hours=2)


async def test_opening_clocks_are_stored_in_wita_working_days(world):
    receipt = await new_case(OPENED)
    case = await case_row(receipt)
    assert case["verify_due"] == date(2026, 11, 30)  # Thu, Fri, (weekend), Mon
    assert case["follow_up_due"] == date(2026, 12, 7)  # Tue, Wed, Thu, Fri, (weekend), Mon
    assert case["status"] == "open" and case["level"] == "unit"


async def test_verify_then_reply_then_close(world):
    receipt = await new_case(OPENED)
    mark = await audit_mark()
    done = await work.verify(receipt, STAFF, world["unit"], now=LATER)
    assert (done.status, done.level) == ("verified", "unit")
    case = await case_row(receipt)
    assert case["verified_at"] == LATER
    replied_at = wita(2026, 11, 27, 16, 0)  # Friday: 10 working days → Fri 11 Dec
    await work.reply(receipt, "  Mohon maaf, antrean sudah kami tambah loketnya.  ", STAFF,
                     world["unit"], now=replied_at)
    case = await case_row(receipt)
    assert case["status"] == "answered" and case["answered_at"] == replied_at
    assert case["auto_close_due"] == clocks.auto_close_due(CAL, replied_at) == date(2026, 12, 11)
    assert case["follow_up_due"] == date(2026, 12, 7)  # kept
    await work.close(format_receipt(receipt), "resolved", "Loket tambahan dibuka.", STAFF,
                     world["unit"], now=replied_at + timedelta(days=1))
    case = await case_row(receipt)
    assert (case["status"], case["outcome"], case["auto_close_due"]) == (
        "closed", "resolved", None)
    events = await events_of(receipt)
    assert [(e["kind"], e["public"], e["actor"]) for e in events] == [
        ("opened", True, SYSTEM), ("verified", True, "unit@test.id"),
        ("replied", True, "unit@test.id"), ("closed", True, "unit@test.id")]
    assert events[2]["text"] == "Mohon maaf, antrean sudah kami tambah loketnya."
    assert events[3]["outcome"] == "resolved" and events[3]["text"] == "Loket tambahan dibuka."
    log = [e for e in await entries(object_type="case", object_key=receipt)
           if e["id"] > mark]
    assert sorted(e["action"] for e in log) == ["case.close", "case.reply", "case.verify"]
    assert {e["actor"] for e in log} == {"unit@test.id"}


def format_receipt(receipt: str) -> str:
    return f"{receipt[:4]}-{receipt[4:].lower()}"


async def test_reply_while_open_verifies_too(world):
    receipt = await new_case(OPENED)
    await work.reply(receipt, "Sudah kami tindak lanjuti.", STAFF, world["unit"], now=LATER)
    case = await case_row(receipt)
    assert case["status"] == "answered" and case["verified_at"] == LATER
    assert [e["kind"] for e in await events_of(receipt)] == ["opened", "replied"]


async def test_a_local_day_off_moves_the_auto_close_clock(world):
    receipt = await new_case(OPENED)
    await DayOff.insert(DayOff(day=date(2026, 12, 1), name="HUT Kota Kupang",
                               created_at=OPENED, created_by="cli"))
    await work.reply(receipt, "Jawaban.", STAFF, world["unit"], now=wita(2026, 11, 27, 9))
    assert (await case_row(receipt))["auto_close_due"] == date(2026, 12, 14)


async def test_forward_keeps_the_clocks_and_resets_the_level(world):
    receipt = await new_case(OPENED)
    await work.escalate(receipt, "Kepala unit cuti.", STAFF, world["unit"], now=LATER)
    before = await case_row(receipt)
    assert before["level"] == "agency"
    done = await work.forward(receipt, "pkm-oebobo", "Layanan ini milik Puskesmas Oebobo.",
                              Actor("agency@test.id"), world["agency"], now=LATER)
    after = await case_row(receipt)
    assert (after["unit_id"], after["agency_id"], after["level"]) == (
        world["other_id"], world["agency_id"], "unit")
    for clock in ("verify_due", "follow_up_due", "auto_close_due", "status"):
        assert after[clock] == before[clock]
    event = (await events_of(receipt))[-1]
    assert (event["kind"], event["public"], event["from_unit_id"], event["to_unit_id"],
            event["level"]) == ("forwarded", True, world["org"].unit_id, world["other_id"],
                                "unit")
    assert done.level == "unit"
    # The first unit no longer sees it; the new unit does.
    with pytest.raises(work.NotFound):
        await work.verify(receipt, STAFF, world["unit"], now=LATER)
    await work.verify(receipt, Actor("oebobo@test.id"), world["other_unit"], now=LATER)


async def test_forward_outside_the_agency_is_for_the_city(world):
    receipt = await new_case(OPENED)
    for scope in (world["unit"], world["agency"]):
        with pytest.raises(work.Invalid) as refused:
            await work.forward(receipt, "dukcapil-mpp", "", STAFF, scope, now=LATER)
        assert refused.value.code == "unit_other_agency"
    await work.forward(receipt, "dukcapil-mpp", "", Actor("city@test.id"), world["city"],
                       now=LATER)
    case = await case_row(receipt)
    assert (case["unit_id"], case["agency_id"]) == (world["far_id"],
                                                    world["far_agency"].agency_id)
    await work.verify(receipt, Actor("d@test.id"), world["far_agency"], now=LATER)


async def test_escalation_levels_and_who_may_act(world):
    receipt = await new_case(OPENED)
    unit, agency, city = world["unit"], world["agency"], world["city"]
    await work.escalate(receipt, "Perlu keputusan dinas.", STAFF, unit, now=LATER)
    case = await case_row(receipt)
    assert case["level"] == "agency" and case["escalated_at"] == LATER
    event = (await events_of(receipt))[-1]
    assert (event["kind"], event["public"], event["level"], event["text"]) == (
        "escalated", False, "agency", "Perlu keputusan dinas.")
    # At the agency level the unit still verifies and replies, but no longer forwards,
    # escalates or closes.
    assert access.allowed_steps(unit, case) == ("verify", "reply")
    for step in (work.escalate(receipt, "lagi", STAFF, unit, now=LATER),
                 work.close(receipt, "invalid", "x", STAFF, unit, now=LATER),
                 work.forward(receipt, "pkm-oebobo", "", STAFF, unit, now=LATER)):
        with pytest.raises(work.NotAllowed):
            await step
    await work.verify(receipt, STAFF, unit, now=LATER)
    assert access.allowed_steps(agency, await case_row(receipt)) == (
        "reply", "forward", "escalate", "close")
    await work.escalate(receipt, "Ke Inspektorat.", Actor("agency@test.id"), agency, now=LATER)
    case = await case_row(receipt)
    assert case["level"] == "city"
    with pytest.raises(work.NotAllowed):
        await work.close(receipt, "resolved", "x", STAFF, agency, now=LATER)
    assert access.allowed_steps(city, case) == ("reply", "forward", "close")
    with pytest.raises(work.WrongState):  # no level above the city
        await work.escalate(receipt, "lagi", Actor("city@test.id"), city, now=LATER)
    assert access.allowed_steps(world["admin"], case) == ("reply", "forward", "close")
    await work.close(receipt, "not_resolved", "Tidak dapat dipenuhi.", Actor("admin@test.id"),
                     world["admin"], now=LATER)


async def test_scopes_that_do_not_cover_the_case_see_nothing(world):
    receipt = await new_case(OPENED)
    for name in ("other_unit", "far_agency", "officer"):
        with pytest.raises(work.NotFound):
            await work.verify(receipt, STAFF, world[name], now=LATER)
    with pytest.raises(work.NotFound):
        await work.verify("ZZZZ-ZZZ", STAFF, world["city"], now=LATER)
    assert access.allowed_steps(world["officer"], await case_row(receipt)) == ()
    assert not access.may_see_contact(world["agency"], await case_row(receipt))
    assert access.may_see_contact(world["unit"], await case_row(receipt))
    assert not access.may_see_contact(world["city"], await case_row(receipt))


@pytest.mark.parametrize(("step", "code"), [
    (lambda r, s: work.reply(r, "   ", STAFF, s), "reply_missing"),
    (lambda r, s: work.reply(r, "x" * (work.MAX_TEXT + 1), STAFF, s), "reply_too_long"),
    (lambda r, s: work.reply(r, None, STAFF, s), "reply_missing"),
    (lambda r, s: work.escalate(r, "", STAFF, s), "reason_missing"),
    (lambda r, s: work.escalate(r, "x" * 501, STAFF, s), "reason_too_long"),
    (lambda r, s: work.forward(r, "", "", STAFF, s), "unit_missing"),
    (lambda r, s: work.forward(r, "no-such-unit", "", STAFF, s), "unit_unknown"),
    (lambda r, s: work.forward(r, "pkm-oesapa", "", STAFF, s), "unit_same"),
    (lambda r, s: work.forward(r, "pkm-oebobo", "x" * 501, STAFF, s), "note_too_long"),
    (lambda r, s: work.close(r, "solved", "note", STAFF, s), "outcome_unknown"),
    (lambda r, s: work.close(r, "no_reply", "note", STAFF, s), "outcome_unknown"),
    (lambda r, s: work.close(r, "resolved", "note", STAFF, s), "outcome_not_now"),
    (lambda r, s: work.close(r, "invalid", " ", STAFF, s), "note_missing"),
])
async def test_bad_input_writes_nothing(world, step, code):
    receipt = await new_case(OPENED)
    before, events, mark = await case_row(receipt), await CaseEvent.count(), await audit_mark()
    with pytest.raises(work.Invalid) as refused:
        await step(receipt, world["unit"])
    assert refused.value.code == code
    assert await case_row(receipt) == before
    assert await CaseEvent.count() == events and await audit_mark() == mark


async def test_steps_in_the_wrong_state_are_refused(world):
    receipt = await new_case(OPENED)
    await work.verify(receipt, STAFF, world["unit"], now=LATER)
    with pytest.raises(work.WrongState):
        await work.verify(receipt, STAFF, world["unit"], now=LATER)
    await work.reply(receipt, "Jawaban.", STAFF, world["unit"], now=LATER)
    with pytest.raises(work.WrongState):  # one reply waits for the citizen's answer
        await work.reply(receipt, "Jawaban lagi.", STAFF, world["unit"], now=LATER)
    await work.close(receipt, "duplicate", "Sama dengan kasus lain.", STAFF, world["unit"],
                     now=LATER)
    for step in (work.verify(receipt, STAFF, world["unit"], now=LATER),
                 work.reply(receipt, "x", STAFF, world["unit"], now=LATER),
                 work.escalate(receipt, "x", STAFF, world["unit"], now=LATER),
                 work.forward(receipt, "pkm-oebobo", "", STAFF, world["unit"], now=LATER),
                 work.close(receipt, "resolved", "x", STAFF, world["unit"], now=LATER)):
        with pytest.raises(work.WrongState):
            await step


async def test_closing_an_unverified_case_owes_no_follow_up(world):
    receipt = await new_case(OPENED)
    await work.close(receipt, "invalid", "Bukan keluhan layanan.", STAFF, world["unit"],
                     now=LATER)
    case = await case_row(receipt)
    assert (case["status"], case["outcome"], case["follow_up_due"]) == (
        "closed", "invalid", None)
    assert case["verify_due"] == date(2026, 11, 30)


async def _race(monkeypatch, *steps):
    """Run the steps at once, each having read the case before any of them writes."""
    barrier = asyncio.Barrier(len(steps))
    real = work.find_case

    async def find_then_wait(receipt, scope):
        row = await real(receipt, scope)
        await barrier.wait()
        return row

    monkeypatch.setattr(work, "find_case", find_then_wait)
    return await asyncio.gather(*steps, return_exceptions=True)


async def test_two_staff_closing_at_once_one_wins(world, monkeypatch):
    receipt = await new_case(OPENED)
    await work.verify(receipt, STAFF, world["unit"], now=LATER)
    mark = await audit_mark()
    results = await _race(
        monkeypatch,
        work.close(receipt, "resolved", "Selesai (unit).", STAFF, world["unit"], now=LATER),
        work.close(receipt, "not_resolved", "Selesai (dinas).", Actor("agency@test.id"),
                   world["agency"], now=LATER))
    won = [r for r in results if isinstance(r, work.Done)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], work.WrongState), results
    closes = [e for e in await events_of(receipt) if e["kind"] == "closed"]
    assert len(closes) == 1
    assert (await case_row(receipt))["outcome"] == closes[0]["outcome"]
    log = [e for e in await entries(object_type="case") if e["id"] > mark]
    assert len(log) == 1


async def test_a_forward_and_a_close_at_once_one_wins(world, monkeypatch):
    receipt = await new_case(OPENED)
    results = await _race(
        monkeypatch,
        work.forward(receipt, "pkm-oebobo", "", Actor("agency@test.id"), world["agency"],
                     now=LATER),
        work.close(receipt, "invalid", "Tidak valid.", STAFF, world["unit"], now=LATER))
    assert sorted(type(r).__name__ for r in results) == ["Done", "WrongState"], results
    assert len(await events_of(receipt)) == 2


# The sweep -------------------------------------------------------------------------------

async def test_sweep_over_a_weekend_and_idempotent(world):
    receipt = await new_case(OPENED)  # verify_due Monday 30 November
    assert (await work.sweep(wita(2026, 11, 28, 12))).total == 0  # Saturday
    assert (await work.sweep(wita(2026, 11, 30, 23, 59))).total == 0  # the due day itself
    report = await work.sweep(wita(2026, 12, 1, 0, 0, 1))
    assert (report.to_agency, report.to_city, report.receipts) == (1, 0, [receipt])
    case = await case_row(receipt)
    assert case["level"] == "agency" and case["escalated_at"] == wita(2026, 12, 1, 0, 0, 1)
    event = (await events_of(receipt))[-1]
    assert (event["kind"], event["actor"], event["public"], event["level"], event["text"]) == (
        "escalated", SYSTEM, False, "agency", work.CLOCK_VERIFY)
    events = len(await events_of(receipt))
    again = await work.sweep(wita(2026, 12, 1, 0, 0, 1))
    later = await work.sweep(wita(2026, 12, 2, 9))  # still open, still only agency
    assert again.total == later.total == 0
    assert len(await events_of(receipt)) == events
    # The follow-up deadline (Monday 7 December) missed: to the city, one event.
    assert (await work.sweep(wita(2026, 12, 7, 23))).total == 0
    report = await work.sweep(wita(2026, 12, 8, 8))
    assert (report.to_agency, report.to_city) == (0, 1)
    assert (await case_row(receipt))["level"] == "city"
    assert [(e["level"], e["text"]) for e in await events_of(receipt)
            if e["kind"] == "escalated"] == [("agency", work.CLOCK_VERIFY),
                                               ("city", work.CLOCK_FOLLOW_UP)]
    assert (await work.sweep(wita(2026, 12, 9, 8))).total == 0


async def test_a_verified_case_that_misses_the_follow_up_goes_to_the_city(world):
    receipt = await new_case(OPENED)
    await work.verify(receipt, STAFF, world["unit"], now=LATER)
    assert (await work.sweep(wita(2026, 12, 3, 8))).total == 0  # verified: verify_due met
    report = await work.sweep(wita(2026, 12, 8, 8))
    assert (report.to_agency, report.to_city) == (1, 1)
    assert [(e["level"], e["text"]) for e in await events_of(receipt)
            if e["kind"] == "escalated"] == [("agency", work.CLOCK_FOLLOW_UP),
                                               ("city", work.CLOCK_FOLLOW_UP)]


async def test_an_answered_case_is_not_escalated_and_closes_without_an_answer(world):
    receipt = await new_case(OPENED)
    replied_at = wita(2026, 12, 4, 15)  # Friday; 10 working days → Friday 18 December
    await work.reply(receipt, "Sudah kami perbaiki.", STAFF, world["unit"], now=replied_at)
    assert (await case_row(receipt))["auto_close_due"] == date(2026, 12, 18)
    assert (await work.sweep(wita(2026, 12, 18, 23, 59))).total == 0  # follow-up missed
    report = await work.sweep(wita(2026, 12, 19, 0, 1))
    assert report.as_json() == {"escalated_to_agency": 0, "escalated_to_city": 0,
                                "auto_closed": 1}
    case = await case_row(receipt)
    assert (case["status"], case["outcome"], case["level"], case["auto_close_due"]) == (
        "closed", "no_reply", "unit", None)
    event = (await events_of(receipt))[-1]
    assert (event["kind"], event["actor"], event["public"], event["outcome"]) == (
        "closed", SYSTEM, True, "no_reply")
    assert (await work.sweep(wita(2026, 12, 19, 0, 1))).total == 0
    with pytest.raises(work.WrongState):
        await work.close(receipt, "resolved", "x", STAFF, world["unit"], now=LATER)


async def test_sweep_across_a_national_holiday(world):
    # Thursday 13 August 2026 + 3 working days: Fri 14, (weekend, Mon 17 Independence Day),
    # Tue 18, Wed 19.
    receipt = await new_case(wita(2026, 8, 13, 9))
    assert (await case_row(receipt))["verify_due"] == date(2026, 8, 19)
    assert (await work.sweep(wita(2026, 8, 19, 23, 59))).total == 0
    assert (await work.sweep(wita(2026, 8, 20, 0, 0, 1))).to_agency == 1


async def test_sweep_across_idul_fitri_cuti_bersama(world):
    # Tuesday 17 March 2026: 18 (cuti bersama, Nyepi), 19 (Nyepi), 20 (cuti bersama Idul
    # Fitri), weekend, 23 and 24 (cuti bersama) are off: due Friday 27 March, not Friday 20.
    receipt = await new_case(wita(2026, 3, 17, 9))
    case = await case_row(receipt)
    assert case["verify_due"] == date(2026, 3, 27)
    assert case["follow_up_due"] == date(2026, 4, 6)  # 30, 31, 1, 2, (Good Friday), 6
    assert (await work.sweep(wita(2026, 3, 25, 9))).total == 0  # weekdays alone: overdue
    assert (await work.sweep(wita(2026, 3, 27, 23, 59))).total == 0
    assert (await work.sweep(wita(2026, 3, 28, 0, 1))).to_agency == 1


async def test_wita_day_boundary_against_utc(world):
    # Tuesday 24 November 23:30 WITA is 15:30 UTC, still Tuesday: due Friday 27.
    # 16:30 UTC is already Wednesday 00:30 WITA: due Monday 30.
    late_evening = await new_case(datetime(2026, 11, 24, 15, 30, tzinfo=UTC))
    after_midnight = await new_case(datetime(2026, 11, 24, 16, 30, tzinfo=UTC))
    assert (await case_row(late_evening))["verify_due"] == date(2026, 11, 27)
    assert (await case_row(after_midnight))["verify_due"] == date(2026, 11, 30)
    # 15:59 UTC Friday is 23:59 WITA Friday: nothing yet. 16:00 UTC is Saturday in WITA.
    assert (await work.sweep(datetime(2026, 11, 27, 15, 59, tzinfo=UTC))).total == 0
    report = await work.sweep(datetime(2026, 11, 27, 16, 0, 1, tzinfo=UTC))
    assert report.receipts == [late_evening]
    assert (await case_row(after_midnight))["level"] == "unit"


async def test_concurrent_sweeps_escalate_once(world):
    receipts = [await new_case(OPENED + timedelta(minutes=i)) for i in range(3)]
    now = wita(2026, 12, 1, 8)
    reports = await asyncio.gather(work.sweep(now), work.sweep(now))
    assert sum(r.to_agency for r in reports) == 3
    for receipt in receipts:
        assert [e["kind"] for e in await events_of(receipt)].count("escalated") == 1


async def test_receipts_in_both_forms():
    assert access.normalise_receipt("abcd-ef23") == "ABCDEF23"
    assert access.normalise_receipt(" ABCDEF23 ") == "ABCDEF23"
    for bad in ("ABCD-EF2", "ABCDEF2O", "AB-CDEF23", "ekspor.csv", "ABCD--F23", "", None):
        assert access.normalise_receipt(bad) is None, bad


async def test_case_table_columns_unchanged():
    """The steps write only the shared table's columns (a guard for the contract)."""
    names = {c._meta.name for c in CaseFile._meta.columns}
    assert {"status", "level", "verified_at", "answered_at", "escalated_at", "closed_at",
            "outcome", "auto_close_due", "follow_up_due", "unit_id", "agency_id"} <= names
