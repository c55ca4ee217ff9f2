"""The SP4N-LAPOR! working-day calendar (feedback.cases.workdays): weekends, national
holidays, cuti bersama, the city's own days off, and WITA days for UTC moments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.cases.workdays import WorkCalendar, end_of_day

CAL = WorkCalendar()


def test_weekends_are_skipped():
    # Wednesday 2026-11-25 + 3 working days: Thu, Fri, Mon
    assert CAL.add_working_days(date(2026, 11, 25), 3) == date(2026, 11, 30)
    assert CAL.add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Fri -> Mon
    assert CAL.add_working_days(date(2026, 11, 28), 1) == date(2026, 11, 30)  # Sat -> Mon
    assert CAL.day_off_reason(date(2026, 11, 29)) == "weekend"


def test_a_national_holiday_is_skipped():
    # Independence Day, Monday 2026-08-17: Friday 14th + 1 working day is Tuesday 18th
    assert CAL.day_off_reason(date(2026, 8, 17)) == "Independence Day"
    assert CAL.add_working_days(date(2026, 8, 14), 1) == date(2026, 8, 18)


def test_cuti_bersama_is_skipped():
    # Idul Fitri 2026: cuti bersama on Fri 20 and Mon 23, Tue 24 March; holidays on Sat 21
    # and Sun 22. Thursday 19 (Nyepi) is a holiday too: from Wed 18 (itself cuti bersama
    # for Nyepi), the next working day is Wednesday 25 March.
    for day in (18, 19, 20, 23, 24):
        assert not CAL.is_working_day(date(2026, 3, day)), day
    assert "Joint Holiday" in CAL.day_off_reason(date(2026, 3, 23))
    assert CAL.add_working_days(date(2026, 3, 17), 1) == date(2026, 3, 25)
    assert CAL.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 28)  # 24, 25 off


def test_local_days_off():
    local = WorkCalendar(local_days_off=[date(2026, 12, 1)])
    assert local.day_off_reason(date(2026, 12, 1)) == "local"
    assert local.add_working_days(date(2026, 11, 30), 3) == date(2026, 12, 4)
    assert CAL.add_working_days(date(2026, 11, 30), 3) == date(2026, 12, 3)


def test_moments_count_from_their_wita_day():
    # 15:30 UTC on Friday is 23:30 WITA Friday; 16:30 UTC is 00:30 WITA Saturday
    assert CAL.due_day(datetime(2026, 11, 27, 15, 30, tzinfo=UTC), 1) == date(2026, 11, 30)
    assert CAL.due_day(datetime(2026, 11, 27, 16, 30, tzinfo=UTC), 1) == date(2026, 11, 30)
    # 23:30 UTC Sunday is 07:30 WITA Monday: Monday does not count, due Tuesday
    assert CAL.due_day(datetime(2026, 11, 29, 23, 30, tzinfo=UTC), 1) == date(2026, 12, 1)
    # 15:59 UTC Monday is 23:59 WITA Monday; 16:00 UTC is Tuesday in WITA
    assert CAL.due_day(datetime(2026, 11, 30, 15, 59, tzinfo=UTC), 3) == date(2026, 12, 3)
    assert CAL.due_day(datetime(2026, 11, 30, 16, 0, tzinfo=UTC), 3) == date(2026, 12, 4)
    with pytest.raises(ValueError):
        CAL.due_day(datetime(2026, 11, 30, 12), 3)


def test_deadline_is_the_end_of_the_wita_day():
    deadline = end_of_day(date(2026, 12, 3))
    assert deadline.astimezone(UTC) == datetime(2026, 12, 3, 15, 59, 59, 999999, tzinfo=UTC)


@pytest.mark.parametrize("days", [0, -1, 367])
def test_bad_counts_are_refused(days):
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 1, 5), days)


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
       st.integers(min_value=1, max_value=30))
def test_adding_then_counting_agree(start, days):
    due = CAL.add_working_days(start, days)
    assert CAL.working_days_between(start, due) == days
    assert CAL.is_working_day(due)
    assert CAL.working_days_between(start, due - timedelta(days=1)) == days - 1
