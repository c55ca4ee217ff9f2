"""The city's own days off (`day_off`), on top of national holidays and cuti bersama.

`add` and `remove` are audited (`dayoff.add` / `dayoff.remove`, object `day_off`, the ISO
day) in the same transaction as the change. A day off is a WITA calendar day from today on
(a past day would change nothing: clocks are stored when a case opens), at most
`MAX_AHEAD_DAYS` ahead, a weekday that is not already a national holiday or cuti bersama,
with a name of 1 to `MAX_NAME_CHARS` characters.

A changed calendar affects the deadlines of cases opened after the change only: the clocks
of open cases were stored when they opened and do not move.

`non_working_days` lists the weekdays off in a range with their reason: the holiday's name
(national holiday or cuti bersama, in Indonesian or English, from the `holidays` package) or
the local day's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

import holidays

from feedback.accounts.audit import Actor, record
from feedback.cases.tables import DayOff
from feedback.cases.workdays import WorkCalendar
from feedback.clock import wita_day
from feedback.engine import transaction
from feedback.survey.text import clean_text

MAX_NAME_CHARS = 120
MAX_AHEAD_DAYS = 2 * 366
AUDIT_OBJECT = "day_off"


class DayOffRefused(Exception):
    """`past`, `too_far`, `weekend`, `national` (already a national day off), `exists`,
    `not_found`, `name_missing`, `name_too_long`, `invalid_day`."""

    def __init__(self, code: str, reason: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.reason = reason  # `national`: the holiday's name


@dataclass(frozen=True)
class LocalDay:
    day: date
    name: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class NonWorkingDay:
    day: date
    kind: str  # national | cuti_bersama | local
    name: str


def parse_day(text: Any) -> date:
    """A day written YYYY-MM-DD, else DayOffRefused(`invalid_day`)."""
    if not isinstance(text, str) or len(text.strip()) != 10:
        raise DayOffRefused("invalid_day")
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise DayOffRefused("invalid_day") from exc


@cache
def _national(lang: str) -> holidays.HolidayBase:
    language = "id" if lang == "id" else "en_US"
    return holidays.country_holidays("ID", categories=(holidays.PUBLIC, holidays.GOVERNMENT),
                                     language=language)


@cache
def _cuti_bersama() -> holidays.HolidayBase:
    return holidays.country_holidays("ID", categories=(holidays.GOVERNMENT,))


def national_name(day: date, lang: str = "id") -> str | None:
    """The national holiday or cuti bersama on `day`, named in `lang`, or None."""
    return _national(lang).get(day)


async def local_days(first: date | None = None, last: date | None = None) -> list[LocalDay]:
    query = DayOff.select().order_by(DayOff.day)
    if first is not None:
        query = query.where(DayOff.day >= first)
    if last is not None:
        query = query.where(DayOff.day <= last)
    return [LocalDay(day=_as_date(r["day"]), name=r["name"], created_by=r["created_by"],
                     created_at=r["created_at"]) for r in await query]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def non_working_days(cal: WorkCalendar, local: list[LocalDay], first: date, last: date,
                     lang: str = "id") -> list[NonWorkingDay]:
    """The weekdays from `first` to `last` that are not working days, with their reason."""
    names = {d.day: d.name for d in local}
    out: list[NonWorkingDay] = []
    day = first
    while day <= last:
        reason = cal.day_off_reason(day)
        if reason is not None and reason != "weekend":
            if reason == "local":
                out.append(NonWorkingDay(day, "local", names.get(day, "")))
            else:
                kind = "cuti_bersama" if day in _cuti_bersama() else "national"
                out.append(NonWorkingDay(day, kind, national_name(day, lang) or reason))
        day += timedelta(days=1)
    return out


def check_new(day: date, name: Any, now: datetime) -> str:
    """The cleaned name of a day off that may be added on `day`, or DayOffRefused."""
    cleaned = " ".join(clean_text(name).split()) if isinstance(name, str) else ""
    if not cleaned:
        raise DayOffRefused("name_missing")
    if len(cleaned) > MAX_NAME_CHARS:
        raise DayOffRefused("name_too_long")
    today = wita_day(now)
    if day < today:
        raise DayOffRefused("past")
    if day > today + timedelta(days=MAX_AHEAD_DAYS):
        raise DayOffRefused("too_far")
    if day.weekday() >= 5:
        raise DayOffRefused("weekend")
    national = national_name(day)
    if national:
        raise DayOffRefused("national", national)
    return cleaned


async def add(actor: Actor, day: date, name: Any, now: datetime) -> LocalDay:
    cleaned = check_new(day, name, now)
    async with transaction():
        if await DayOff.exists().where(DayOff.day == day):
            raise DayOffRefused("exists")
        await DayOff.insert(DayOff(day=day, name=cleaned, created_at=now,
                                   created_by=actor.email[:254]))
        await record(actor, "dayoff.add", AUDIT_OBJECT, day.isoformat(), old=None,
                     new={"day": day.isoformat(), "name": cleaned}, at=now)
    return LocalDay(day, cleaned, actor.email[:254], now)


async def remove(actor: Actor, day: date, now: datetime) -> LocalDay:
    async with transaction():
        row = await DayOff.select().where(DayOff.day == day).first()
        if row is None:
            raise DayOffRefused("not_found")
        await DayOff.delete().where(DayOff.id == row["id"])
        await record(actor, "dayoff.remove", AUDIT_OBJECT, day.isoformat(),
                     old={"day": day.isoformat(), "name": row["name"]}, new=None, at=now)
    return LocalDay(day, row["name"], row["created_by"], row["created_at"])
