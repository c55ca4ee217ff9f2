"""Working days in Kota Kupang for the SP4N-LAPOR! clocks (verification within 3 working
days, follow-up within 5, closing 10 working days after an unanswered follow-up).

A working day is a WITA calendar day from Monday to Friday that is neither an Indonesian
national holiday nor a day of cuti bersama (the `holidays` package, categories `public` and
`government`), nor a local day off the city declared. Counting starts on the working day
after the day (WITA) something happened: a case opened on Friday evening WITA has its
first working day on Monday. A deadline is the end of its WITA day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import holidays

from feedback.clock import WITA

_CATEGORIES = (holidays.PUBLIC, holidays.GOVERNMENT)  # national holidays, cuti bersama
MAX_DAYS = 366  # a clock longer than a year of working days is a mistake


class WorkCalendar:
    """Working days with the national calendar plus the city's own days off."""

    def __init__(self, local_days_off: Iterable[date] = ()) -> None:
        self._national = holidays.country_holidays("ID", categories=_CATEGORIES)
        self._local = frozenset(local_days_off)

    def day_off_reason(self, day: date) -> str | None:
        """Why `day` is not a working day (the holiday's name, "weekend", "local"), or None
        on a working day."""
        if day.weekday() >= 5:
            return "weekend"
        if day in self._local:
            return "local"
        return self._national.get(day)

    def is_working_day(self, day: date) -> bool:
        return self.day_off_reason(day) is None

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (`start` itself never counts)."""
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"days must be 1..{MAX_DAYS}")
        day, left = start, days
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def due_day(self, at: datetime, days: int) -> date:
        """The WITA day by which something that happened at `at` (aware) is due."""
        if at.tzinfo is None:
            raise ValueError("`at` must be timezone-aware")
        return self.add_working_days(at.astimezone(WITA).date(), days)

    def working_days_between(self, first: date, last: date) -> int:
        """Working days after `first` up to and including `last` (0 when last <= first)."""
        count, day = 0, first
        while day < last:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def end_of_day(day: date) -> datetime:
    """The last moment of a WITA day, as an aware datetime (a deadline)."""
    return datetime.combine(day, time.max, tzinfo=WITA)
