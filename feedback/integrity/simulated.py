"""The screening's inputs from the demo simulation (feedback.demo.simulation), without a
database: how the false-alarm rate and the detection of injected stuffing are measured
(tests/scoring/test_integrity.py, README)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from feedback.demo.simulation import Simulation
from feedback.org.hours import parse
from scoring.integrity import CounterFacts, Ratings
from scoring.integrity.features import hour_start

# The hours the simulation's visits fall in (feedback.demo.simulation: 08:00-15:30 on
# weekdays, Saturday mornings 08:00-12:00 for the units open then).
WEEKDAYS = "mon-fri 08:00-15:30"
WITH_SATURDAY = "mon-fri 08:00-15:30; sat 08:00-12:00"


def counter_ids(sim: Simulation) -> dict[str, int]:
    return {code: i + 1 for i, code in enumerate(sorted(set(sim.counter.tolist())))}


def ratings(sim: Simulation, ids: dict[str, int]) -> Ratings:
    """The simulation's counted responses (at least 7 of 9 answered) as Ratings, without the
    demo's own stuffing episodes (`sim.stuffed`); ids are positions in the simulation."""
    given = sim.answers > 0
    counted = np.flatnonzero((given.sum(axis=1) >= 7) & ~sim.stuffed)
    answers = sim.answers[counted].astype(float)
    answered = given[counted].sum(axis=1)
    return Ratings(
        id=counted.astype(np.int64),
        counter=np.array([ids[c] for c in sim.counter[counted]], dtype=np.int64),
        time=sim.submitted[counted].astype(np.int64),
        score=answers.sum(axis=1) / answered,
        all_four=((sim.answers[counted] == 4) | ~given[counted]).all(axis=1),
        verified=np.array([t is not None for t in sim.token[counted]], dtype=bool),
        device=np.array([d.tobytes().hex() for d in sim.device[counted]], dtype=object),
        comment=np.array(list(sim.comment[counted]), dtype=object),
    )


def opening_hours(sim: Simulation, ids: dict[str, int]) -> dict[int, CounterFacts]:
    saturday = {c.code for u in sim.units if u.saturday for c in u.counters}
    return {cid: CounterFacts(hours=parse(WITH_SATURDAY if code in saturday else WEEKDAYS))
            for code, cid in ids.items()}


def concat(parts: Sequence[Ratings]) -> Ratings:
    return Ratings(**{name: np.concatenate([getattr(p, name) for p in parts])
                      for name in ("id", "counter", "time", "score", "all_four", "verified",
                                   "device", "comment")})


def stuffing(counter: int, start: int, *, n: int = 40, minutes: int = 15, devices: int = 3,
             first_id: int = 10_000_000, seed: int = 1) -> Ratings:
    """`n` ratings of all 4s at `counter` within `minutes` from `start` (UTC epoch seconds),
    from a few devices, no tokens, no comments: ballot stuffing by a member of staff."""
    rng = np.random.default_rng(seed)
    times = np.sort(start + rng.integers(0, minutes * 60, size=n))
    phones = [f"stuff{seed}-{k}" for k in range(devices)]
    return Ratings(
        id=np.arange(first_id, first_id + n, dtype=np.int64),
        counter=np.full(n, counter, dtype=np.int64), time=times.astype(np.int64),
        score=np.full(n, 4.0), all_four=np.ones(n, dtype=bool),
        verified=np.zeros(n, dtype=bool),
        device=np.array([phones[k % devices] for k in range(n)], dtype=object),
        comment=np.full(n, None, dtype=object))


def counter_hour_of(t: int, utc_offset: int = 8 * 3600) -> int:
    return int(hour_start(np.array([t]), utc_offset)[0])
