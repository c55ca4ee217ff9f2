"""Counters as the citizen side sees them: an active counter by its public code, with its
unit, agency and services, cached briefly per process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cachetools import LRUCache, TTLCache

from feedback.survey.skm import current_questionnaire_id
from feedback.tables import Counter, Service

COUNTER_CACHE_SECONDS = 60.0
KNOWN_CACHE_SIZE = 4096  # far more counters than a city has
UNKNOWN_CACHE_SIZE = 1024  # codes that name no active counter (typos, scans of random codes)


@dataclass(frozen=True)
class CounterInfo:
    id: int
    code: str
    name: str
    is_kiosk: bool
    secret: str
    unit_id: int
    unit_code: str
    unit_name: str
    agency_name: str
    questionnaire_id: int
    services: tuple[tuple[str, str, str], ...]  # (code, name id, name en)
    service_ids: Mapping[str, int]


# Bounded in size and age. Unknown codes have their own, smaller cache, so that anyone
# asking for many made-up codes can neither grow memory nor push real counters out.
_known: TTLCache[str, CounterInfo] = TTLCache(KNOWN_CACHE_SIZE, COUNTER_CACHE_SECONDS)
_unknown: TTLCache[str, bool] = TTLCache(UNKNOWN_CACHE_SIZE, COUNTER_CACHE_SECONDS)
# The last answer per counter, whatever its age: only to render a form (with the answers
# kept) while the database cannot be reached, never to store anything.
_last: LRUCache[str, CounterInfo] = LRUCache(KNOWN_CACHE_SIZE)


def clear_counter_cache() -> None:
    _known.clear()
    _unknown.clear()
    _last.clear()


def last_known_counter(code: str) -> CounterInfo | None:
    """The counter as this process last loaded it, without asking the database (None if it
    never did): to show its form again while the database is unavailable."""
    return _known.get(code) or _last.get(code)


async def load_counter(code: str) -> CounterInfo | None:
    """An active counter by its public code, cached briefly per process (counters and their
    services change rarely; a change shows within a minute)."""
    if not code.isalnum() or len(code) > 16:
        return None  # cannot be a counter code: no query, nothing cached
    info = _known.get(code)
    if info is not None or code in _unknown:
        return info
    info = await _fetch_counter(code)
    if info is None:
        _unknown[code] = True
    else:
        _known[code] = _last[code] = info
    return info


async def _fetch_counter(code: str) -> CounterInfo | None:
    row = await (
        Counter.select(
            Counter.id, Counter.code, Counter.name, Counter.is_kiosk, Counter.secret,
            Counter.unit.id, Counter.unit.code, Counter.unit.name, Counter.unit.agency.name,
        )
        # An inactive counter, or a counter of an inactive unit, has no citizen page.
        .where((Counter.code == code) & (Counter.active == True)  # noqa: E712
               & (Counter.unit.active == True))  # noqa: E712
        .first()
    )
    if row is None:
        return None
    services = await (
        Service.select(Service.id, Service.code, Service.name_id, Service.name_en)
        .where((Service.unit == row["unit.id"]) & (Service.active == True))  # noqa: E712
        .order_by(Service.name_id)
    )
    return CounterInfo(
        id=row["id"], code=row["code"], name=row["name"], is_kiosk=row["is_kiosk"],
        secret=row["secret"], unit_id=row["unit.id"], unit_code=row["unit.code"],
        unit_name=row["unit.name"], agency_name=row["unit.agency.name"],
        questionnaire_id=await current_questionnaire_id(),
        services=tuple((s["code"], s["name_id"], s["name_en"]) for s in services),
        service_ids={s["code"]: s["id"] for s in services},
    )
