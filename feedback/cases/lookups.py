"""Guessing receipt codes is made pointless: lookups of a code that has no case are counted
per network (a salted hash, never an IP address) in fixed windows of an hour, in the shared
`rate_window` table (`feedback.survey.limits`). Once a network has `MISSES_PER_HOUR` misses
in the current hour, every lookup from it (the tracking page, its answer form and the JSON
API) is refused until the hour ends, hits included, so a guesser learns nothing more.

A receipt has 8 characters of a 32-letter alphabet (40 bits, 1.1·10¹² codes). With 10,000
open cases a guess hits one with probability 9·10⁻⁹; at 20 guesses an hour a network needs
on average about 600 years for one hit. A citizen who mistypes their code a few times is not
affected; hits are never counted.
"""

from __future__ import annotations

from datetime import datetime

from feedback.engine import transaction
from feedback.survey import limits
from feedback.tables import RateWindow

MISSES_PER_HOUR = 20
WINDOW_SECONDS = 3600
PREFIX = "lacak:"


def _key(network: str) -> str:
    return (PREFIX + network)[:80]


async def wait_seconds(network: str, now: datetime,
                       allowed: int = MISSES_PER_HOUR) -> int:
    """0 when `network` may look a receipt up now, else the seconds until it may."""
    row = await RateWindow.select(RateWindow.window, RateWindow.hits).where(
        RateWindow.key == _key(network)).first()
    window = int(now.timestamp()) // WINDOW_SECONDS
    if row is None or row["window"] != window or row["hits"] < allowed:
        return 0
    return WINDOW_SECONDS - int(now.timestamp()) % WINDOW_SECONDS


async def count_miss(network: str, now: datetime) -> int:
    """Count a lookup of a code without a case; the network's misses this hour."""
    async with transaction():
        hits = await limits.rate_hits({_key(network): 1}, now, WINDOW_SECONDS)
    return hits[_key(network)]
