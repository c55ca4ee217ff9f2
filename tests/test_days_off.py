"""The city's own days off: `feedback.cases.days_off` (checks, audit, the list of weekdays
off with their reasons), the page `/staf/kota/hari-libur` (role × route matrix, bad input
refused with nothing written) and `suara cases dayoff`; a change moves the clocks of cases
opened after it, never the stored clocks of open cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from feedback.accounts.audit import CLI_ACTOR, Actor, entries
from feedback.cases import days_off
from feedback.cases.clocks import calendar, opening_clocks
from feedback.cases.tables import CaseFile, DayOff
from feedback.cases.workdays import WorkCalendar
from feedback.clock import wita_day
from tests.staff_support import audit_mark, make_all_roles, signed_in_as
from tests.support import make_client
from tests.test_cli import suara
from tests.test_tracking import open_test_case

PATH = "/staf/kota/hari-libur"
REMOVE = f"{PATH}/hapus"
COVERED_ROUTES = {("GET", PATH), ("POST", PATH), ("POST", REMOVE)}
ACTOR = Actor(email="kota@test.id", id=None)
NOW = datetime(2026, 11, 30, 1, tzinfo=UTC)  # Monday 30 November 2026, 09:00 WITA


def next_weekday_off_free(start: date) -> date:
    """The first weekday from `start` that is a working day in the national calendar."""
    cal = WorkCalendar()
    day = start
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    return day


# The domain ------------------------------------------------------------------------------

def test_the_coming_days_off_have_their_reasons():
    cal = WorkCalendar([date(2026, 12, 4)])
    local = [days_off.LocalDay(date(2026, 12, 4), "HUT Kota", "x", NOW)]
    rows = days_off.non_working_days(cal, local, date(2026, 12, 1), date(2026, 12, 31), "id")
    assert [(r.day, r.kind, r.name) for r in rows] == [
        (date(2026, 12, 4), "local", "HUT Kota"),
        (date(2026, 12, 24), "cuti_bersama", "Cuti Bersama Hari Raya Natal"),
        (date(2026, 12, 25), "national", "Hari Raya Natal"),
    ]
    english = days_off.non_working_days(cal, local, date(2026, 12, 25), date(2026, 12, 25),
                                        "en")
    assert english[0].name == "Christmas Day"
    # weekends are never listed, holidays on a weekend neither
    assert all(r.day.weekday() < 5 for r in days_off.non_working_days(
        cal, local, date(2026, 1, 1), date(2026, 12, 31)))


@pytest.mark.parametrize("day, name, code", [
    (date(2026, 11, 27), "Lalu", "past"),
    (date(2029, 1, 2), "Jauh", "too_far"),
    (date(2026, 12, 5), "Sabtu", "weekend"),
    (date(2026, 12, 25), "Natal", "national"),
    (date(2026, 12, 24), "Cuti", "national"),
    (date(2026, 12, 2), "   ", "name_missing"),
    (date(2026, 12, 2), None, "name_missing"),
    (date(2026, 12, 2), "x" * 121, "name_too_long"),
])
async def test_refused_days_write_nothing(empty_db, day, name, code):
    mark = await audit_mark()
    with pytest.raises(days_off.DayOffRefused) as exc:
        await days_off.add(ACTOR, day, name, NOW)
    assert exc.value.code == code
    assert await DayOff.count() == 0
    assert await entries(object_type="day_off", after_id=mark) == []


async def test_add_and_remove_are_audited(empty_db):
    mark = await audit_mark()
    added = await days_off.add(ACTOR, date(2026, 12, 2), "  HUT   Kota Kupang ", NOW)
    assert added.name == "HUT Kota Kupang"
    with pytest.raises(days_off.DayOffRefused) as exc:
        await days_off.add(ACTOR, date(2026, 12, 2), "Lagi", NOW)
    assert exc.value.code == "exists"
    assert [d.day for d in await days_off.local_days()] == [date(2026, 12, 2)]
    await days_off.remove(ACTOR, date(2026, 12, 2), NOW)
    with pytest.raises(days_off.DayOffRefused) as exc:
        await days_off.remove(ACTOR, date(2026, 12, 2), NOW)
    assert exc.value.code == "not_found"
    log = await entries(object_type="day_off", after_id=mark)
    assert [(r["action"], r["object_key"], r["actor"], r["old"], r["new"]) for r in log] == [
        ("dayoff.remove", "2026-12-02", ACTOR.email,
         {"day": "2026-12-02", "name": "HUT Kota Kupang"}, None),
        ("dayoff.add", "2026-12-02", ACTOR.email, None,
         {"day": "2026-12-02", "name": "HUT Kota Kupang"}),
    ]


async def test_a_day_off_moves_only_the_clocks_of_later_cases(org):
    opened = datetime(2026, 11, 30, 1, tzinfo=UTC)  # Monday 09:00 WITA
    receipt = await open_test_case(org, opened)
    stored = await CaseFile.select().where(CaseFile.receipt == receipt).first()
    assert stored["verify_due"] == date(2026, 12, 3)  # Tue, Wed, Thu
    await days_off.add(ACTOR, date(2026, 12, 2), "HUT Kota", NOW)
    again = await CaseFile.select().where(CaseFile.receipt == receipt).first()
    assert again["verify_due"] == date(2026, 12, 3)  # stored clocks do not move
    assert again["follow_up_due"] == stored["follow_up_due"]
    later = await open_test_case(org, opened + timedelta(minutes=10))
    moved = await CaseFile.select().where(CaseFile.receipt == later).first()
    assert moved["verify_due"] == date(2026, 12, 4)  # Wednesday 2 December is off
    assert moved["verify_due"] == opening_clocks(await calendar(), opened).verify_due


# The page --------------------------------------------------------------------------------

EXPECTED_GET = {"anonymous": 303, "officer": 403, "unit": 403, "agency": 403, "city": 200,
                "admin": 200}


@pytest.mark.parametrize("role", list(EXPECTED_GET))
async def test_role_matrix(org, role):
    await make_all_roles()
    day = next_weekday_off_free(wita_day(datetime.now(UTC)) + timedelta(days=10))
    async with make_client() as client:
        token = None
        if role != "anonymous":
            token = await signed_in_as(client, role)
        page = await client.get(PATH)
        add = await client.post(PATH, data={"_csrf_token": token or "", "day": day.isoformat(),
                                            "name": "Hari jadi"})
        remove = await client.post(REMOVE, data={"_csrf_token": token or "",
                                                 "day": day.isoformat()})
    allowed = EXPECTED_GET[role] == 200
    assert page.status_code == EXPECTED_GET[role]
    if role == "anonymous":
        assert page.headers["location"].startswith("/staf/masuk")
        assert add.status_code in (303, 403) and remove.status_code in (303, 403)
    else:
        assert add.status_code == (303 if allowed else 403)
        assert remove.status_code == (303 if allowed else 403)
    if allowed:
        assert add.headers["location"].startswith(f"{PATH}?done=added")
    assert await DayOff.count() == 0  # added and removed again, or never


async def test_the_page_lists_the_coming_days_off(org):
    await make_all_roles()
    today = wita_day(datetime.now(UTC))
    day = next_weekday_off_free(today + timedelta(days=20))
    async with make_client() as client:
        token = await signed_in_as(client, "city")
        done = await client.post(PATH, data={"_csrf_token": token, "day": day.isoformat(),
                                             "name": "Hari Jadi Kota Kupang"})
        assert done.status_code == 303
        page = await client.get(done.headers["location"])
        english = await client.get(f"{PATH}?lang=en")
    html = page.text
    assert page.status_code == 200 and 'id="notice"' in html
    assert "Perubahan berlaku untuk pengaduan yang masuk sesudahnya." in html
    expected = days_off.non_working_days(await calendar(), await days_off.local_days(),
                                         today, today + timedelta(days=365), "id")
    import re
    shown = re.findall(r'<tr data-day="([0-9-]+)" data-kind="([a-z_]+)">', html)
    assert shown == [(d.day.isoformat(), d.kind) for d in expected]
    assert (day.isoformat(), "local") in shown
    assert "Hari Jadi Kota Kupang" in html
    assert "A change applies to complaints opened after it." in english.text


@pytest.mark.parametrize("form, status", [
    ({"day": "2026-13-01", "name": "X"}, 400),
    ({"day": "01-12-2026", "name": "X"}, 400),
    ({"name": "X"}, 400),
    ({"day": "2020-01-06", "name": "X"}, 422),
    ({"day": "SAT", "name": "X"}, 400),
])
async def test_bad_input_on_the_page(org, form, status):
    await make_all_roles()
    mark = await audit_mark()
    async with make_client() as client:
        token = await signed_in_as(client, "admin")
        got = await client.post(PATH, data={"_csrf_token": token, **form})
        gone = await client.post(REMOVE, data={"_csrf_token": token, "day": "2026-12-02"})
    assert got.status_code == status
    assert 'role="alert"' in got.text and 'id="form-error"' in got.text
    assert gone.status_code == 404
    assert await DayOff.count() == 0
    assert await entries(object_type="day_off", after_id=mark) == []


async def test_a_day_that_is_already_off_is_refused_on_the_page(org):
    await make_all_roles()
    today = wita_day(datetime.now(UTC))
    day = next_weekday_off_free(today + timedelta(days=5))
    async with make_client() as client:
        token = await signed_in_as(client, "city")
        first = await client.post(PATH, data={"_csrf_token": token, "day": day.isoformat(),
                                              "name": "Satu"})
        second = await client.post(PATH, data={"_csrf_token": token, "day": day.isoformat(),
                                               "name": "Dua"})
        no_csrf = await client.post(PATH, data={"day": day.isoformat(), "name": "Tiga"})
    assert first.status_code == 303 and second.status_code == 409
    assert no_csrf.status_code == 403
    assert [d.name for d in await days_off.local_days()] == ["Satu"]


# The command -----------------------------------------------------------------------------

async def test_the_command(org):
    today = wita_day(datetime.now(UTC))
    day = next_weekday_off_free(today + timedelta(days=30)).isoformat()
    mark = await audit_mark()
    added = suara("cases", "dayoff", "add", day, "--name", "Hari Jadi")
    assert added.returncode == 0, added.stderr
    again = suara("cases", "dayoff", "add", day, "--name", "Lagi")
    assert again.returncode == 2 and "already a local day off" in again.stderr
    listed = suara("cases", "dayoff", "list")
    assert listed.returncode == 0
    assert f"{day}\tlocal\tHari Jadi" in listed.stdout.splitlines()
    assert any("\tnational\t" in line for line in listed.stdout.splitlines())
    bad = suara("cases", "dayoff", "add", "2026-02-30", "--name", "X")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    removed = suara("cases", "dayoff", "remove", day)
    assert removed.returncode == 0, removed.stderr
    missing = suara("cases", "dayoff", "remove", day)
    assert missing.returncode == 2 and "not a local day off" in missing.stderr
    log = await entries(object_type="day_off", after_id=mark)
    assert [(r["action"], r["actor"]) for r in log] == [("dayoff.remove", CLI_ACTOR.email),
                                                        ("dayoff.add", CLI_ACTOR.email)]
    assert await DayOff.count() == 0
