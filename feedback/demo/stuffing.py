"""A little simulated ballot stuffing for the demo, for the integrity screening to find:
`plan_stuffing(units, responses, seed, now_ts)` gives one episode (two from
`TWO_EPISODES_FROM` responses, none below `STUFFING_FROM`) between `FIRST_DAY_BACK` and
`RECENT_DAYS` days before today (WITA; not in the week the default scan covers, so a scan
of the last 7 days sees only what is added to the demo). An episode is 36-44 ratings of
all 4s within 15 minutes, inside one clock hour, at one staffed counter of a unit with a
queue-ticket machine, from three devices, without ticket tokens or comments, on a past
weekday in office hours: a member of staff rating their own counter.

The episodes are drawn from their own generator (`[seed, 5]`): pure, the same arguments
give the same episodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from feedback.clock import WITA
from feedback.demo.organisation import PlannedUnit

STUFFING_FROM = 1000  # demos with fewer responses have no stuffing
TWO_EPISODES_FROM = 20_000
RECENT_DAYS = 30
FIRST_DAY_BACK = 8
MINUTES = 15
DEVICES = 3
_SIZE = (36, 45)  # ratings per episode, drawn in [lo, hi)
_WITA_OFFSET = 8 * 3600


@dataclass(frozen=True)
class Episode:
    unit: int  # index into the units
    counter: str  # counter code
    service: str | None
    times: np.ndarray  # UTC epoch seconds, sorted
    devices: np.ndarray  # len(times) x 16 bytes (DEVICES distinct rows)

    def __len__(self) -> int:
        return len(self.times)


def episode_count(responses: int) -> int:
    if responses < STUFFING_FROM:
        return 0
    return 1 if responses < TWO_EPISODES_FROM else 2


def plan_stuffing(units: Sequence[PlannedUnit], responses: int, seed: int,
                  now_ts: int) -> list[Episode]:
    """The episodes of a demo of `responses` responses, before `now_ts` (UTC epoch
    seconds)."""
    rng = np.random.default_rng([seed, 5])
    sizes = rng.integers(*_SIZE, size=2)
    count = episode_count(responses)
    # Staffed counters of units with a queue-ticket machine (where tokens are normally used).
    candidates = [(i, c) for i, u in enumerate(units) if u.queue
                  for c in u.counters if not c.is_kiosk]
    if not count or not candidates:
        return []
    today = datetime.fromtimestamp(now_ts, UTC).astimezone(WITA).date()
    days = [today - timedelta(days=k) for k in range(FIRST_DAY_BACK, RECENT_DAYS + 1)]
    days = [d for d in days if d.weekday() < 5]
    picked_days = rng.choice(len(days), size=count, replace=False)
    picked_counters = rng.choice(len(candidates), size=count, replace=False)
    episodes = []
    for j in range(count):
        unit, counter = candidates[int(picked_counters[j])]
        day = days[int(picked_days[j])]
        hour = int(rng.integers(9, 15))  # 09:00..14:59 WITA
        minute = int(rng.integers(0, 60 - MINUTES))
        start = (int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
                 - _WITA_OFFSET + hour * 3600 + minute * 60)
        n = int(sizes[j])
        times = np.sort(start + rng.integers(0, MINUTES * 60, size=n)).astype(np.int64)
        phones = rng.integers(0, 256, size=(DEVICES, 16), dtype=np.uint8)
        devices = phones[np.arange(n) % DEVICES]
        service = counter.services[0] if counter.services else None
        episodes.append(Episode(unit=unit, counter=counter.code, service=service,
                                times=times, devices=devices))
    return episodes
