"""The SP4N-LAPOR! clocks of a case, in WITA working days (see `feedback.cases`).

`calendar()` is the working-day calendar with the city's own days off (`day_off` rows);
the clock functions are pure given a calendar, so they are tested across weekends,
national holidays and cuti bersama without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from feedback.cases.tables import DayOff
from feedback.cases.workdays import WorkCalendar, end_of_day

VERIFY_DAYS = 3  # verification within 3 working days of opening
FOLLOW_UP_DAYS = 5  # follow-up within 5 working days after the verification deadline
AUTO_CLOSE_DAYS = 10  # closed 10 working days after a reply the citizen did not answer


@dataclass(frozen=True)
class OpeningClocks:
    verify_due: date
    follow_up_due: date


async def calendar() -> WorkCalendar:
    """The working-day calendar with the city's days off as stored now."""
    days = await DayOff.select(DayOff.day)
    return WorkCalendar(row["day"] for row in days)


def opening_clocks(cal: WorkCalendar, opened_at: datetime) -> OpeningClocks:
    verify_due = cal.due_day(opened_at, VERIFY_DAYS)
    return OpeningClocks(verify_due, cal.add_working_days(verify_due, FOLLOW_UP_DAYS))


def follow_up_after_answer(cal: WorkCalendar, answered_at: datetime) -> date:
    """The renewed follow-up deadline when the citizen answers a reply."""
    return cal.due_day(answered_at, FOLLOW_UP_DAYS)


def auto_close_due(cal: WorkCalendar, replied_at: datetime) -> date:
    return cal.due_day(replied_at, AUTO_CLOSE_DAYS)


def overdue(due: date | None, now: datetime) -> bool:
    """True once the end of the WITA day `due` has passed."""
    return due is not None and now > end_of_day(due)
