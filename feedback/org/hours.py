"""A counter's weekly opening hours as one line of text (WITA), e.g.
`mon-fri 08:00-15:30; sat 08:00-12:00` or `mon-thu 08:00-12:00,13:00-15:30; fri 08:00-11:00`.

Entries are separated by `;`. An entry is days, a space, then one or more time ranges
separated by `,`. Days: `mon tue wed thu fri sat sun` (also the English full names and the
Indonesian `sen/senin sel/selasa rab/rabu kam/kamis jum/jumat sab/sabtu min/minggu`), a
range `mon-fri` or a list `mon,wed,fri`. Times: `HH:MM` (or `HH.MM`) from 00:00 to 24:00,
start before end, ranges of one day not overlapping. Days not listed are closed.

`parse_hours` checks a text and returns its normal form (what is stored and exported): days
in week order, days with the same ranges grouped (`mon-thu,sat`), times as HH:MM.
"""

from __future__ import annotations

import re

__all__ = ["DAYS", "MAX_LENGTH", "format_hours", "parse_hours"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_LENGTH = 200
_NAMES = {
    **{d: i for i, d in enumerate(DAYS)},
    **{d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday",
                                   "saturday", "sunday"))},
    **{d: i for i, d in enumerate(("sen", "sel", "rab", "kam", "jum", "sab", "min"))},
    **{d: i for i, d in enumerate(("senin", "selasa", "rabu", "kamis", "jumat", "sabtu",
                                   "minggu"))},
    "jum'at": 4,
}
_ENTRY = re.compile(r"(?P<days>[^\d]+?)\s*(?P<times>\d.*)")
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})")

Hours = dict[int, list[tuple[int, int]]]  # day (0 = Monday) -> sorted (start, end) minutes


class HoursError(ValueError):
    pass


def _days(text: str) -> list[int]:
    out: list[int] = []
    for item in text.replace(" ", "").split(","):
        if not item:
            raise HoursError(f"empty day in {text.strip()!r}")
        first, sep, last = item.partition("-")
        if first not in _NAMES or (sep and last not in _NAMES):
            bad = first if first not in _NAMES else last
            raise HoursError(f"{bad!r} is not a day (use mon, tue, wed, thu, fri, sat, sun)")
        a = _NAMES[first]
        b = _NAMES[last] if sep else a
        if b < a:
            raise HoursError(f"day range {item!r} runs backwards (write it from Monday on)")
        out.extend(range(a, b + 1))
    return out


def _minute(text: str, is_end: bool) -> int:
    m = _TIME.fullmatch(text)
    if m is None:
        raise HoursError(f"{text!r} is not a time (use HH:MM, e.g. 08:00)")
    hour, minute = int(m.group(1)), int(m.group(2))
    if minute > 59 or hour > 24 or (hour == 24 and (minute or not is_end)):
        raise HoursError(f"{text!r} is not a time of day (00:00 to 24:00)")
    return hour * 60 + minute


def _ranges(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for item in text.replace(" ", "").split(","):
        start, sep, end = item.partition("-")
        if not sep:
            raise HoursError(f"{item!r} is not a time range (use 08:00-15:30)")
        a, b = _minute(start, False), _minute(end, True)
        if a >= b:
            raise HoursError(f"{item!r} ends before it starts")
        out.append((a, b))
    out.sort()
    for (_, end), (start, _) in zip(out, out[1:], strict=False):
        if start < end:
            raise HoursError(f"time ranges overlap in {text.strip()!r}")
    return out


def parse(text: str) -> Hours:
    """Hours from text; raises HoursError with a message for people."""
    hours: Hours = {}
    entries = [e.strip() for e in text.strip().lower().split(";")]
    if entries and not entries[-1]:
        entries.pop()  # a trailing ";"
    if not entries:
        raise HoursError("no opening hours given")
    for entry in entries:
        m = _ENTRY.fullmatch(entry)
        if not entry or m is None:
            raise HoursError(f"{entry!r} is not days and hours (e.g. mon-fri 08:00-15:30)")
        ranges = _ranges(m.group("times"))
        for day in _days(m.group("days")):
            if day in hours:
                raise HoursError(f"{DAYS[day]} is given twice")
            hours[day] = ranges
    return hours


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def format_hours(hours: Hours) -> str:
    """The normal form: groups of days with equal ranges, in the order of their first day."""
    groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for day in sorted(hours):
        groups.setdefault(tuple(hours[day]), []).append(day)
    entries = []
    for ranges, days in groups.items():
        runs: list[list[int]] = []
        for day in days:
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        day_text = ",".join(DAYS[r[0]] if len(r) == 1 else f"{DAYS[r[0]]}-{DAYS[r[-1]]}"
                            for r in runs)
        entries.append(day_text + " " + ",".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in ranges))
    return "; ".join(entries)


def parse_hours(text: str) -> str:
    """The normal form of an opening-hours text; raises HoursError."""
    normal = format_hours(parse(text))
    if len(normal) > MAX_LENGTH:
        raise HoursError(f"too long: {len(normal)} characters; at most {MAX_LENGTH}")
    return normal
