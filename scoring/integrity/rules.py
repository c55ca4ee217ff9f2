"""The transparent screening rules: each looks at one counter-hour and either says nothing
or gives its reason code with the evidence (a small dict of numbers).

- `above_served`: more ratings in the hour than transactions the counter reported served.
- `burst`: P(X >= ratings) < `burst_p` for X ~ Poisson(baseline); the baseline is the mean
  count of the same hour of the week over the previous `baseline_weeks` weeks, at least
  `baseline_floor`.
- `outside_hours`: ratings outside the counter's opening hours (plus `grace_after_close`).
- `fast_repeat`: two ratings from one device less than `fast_gap_seconds` apart.
- `near_duplicate_comments`: `near_duplicate_min_group` or more comments of different
  responses that are near duplicates (character-shingle Jaccard >= `near_duplicate_jaccard`).
- `unverified_surge`: at a counter where tokens are normally used, token-less ratings well
  above their own baseline (Poisson tail < `surge_p`) while the hour's verified share fell
  below half the usual.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from scoring.integrity.comments import near_duplicate_groups

REASONS = ("above_served", "burst", "outside_hours", "fast_repeat",
           "near_duplicate_comments", "unverified_surge")

Hours = Mapping[int, Sequence[tuple[int, int]]]  # weekday (0 = Monday) -> (start, end) minutes


@dataclass(frozen=True)
class Params:
    """Thresholds of the rules and the ordering model (stored with each scan)."""

    utc_offset: int = 8 * 3600  # WITA
    fast_gap_seconds: int = 20
    burst_p: float = 0.001
    baseline_weeks: int = 8
    min_baseline_weeks: int = 2  # fewer weeks of history: no baseline, no burst or surge
    baseline_floor: float = 1.0  # ratings per hour
    near_duplicate_jaccard: float = 0.8
    shingle_chars: int = 3
    near_duplicate_min_chars: int = 12
    near_duplicate_min_group: int = 3
    token_share_min: float = 0.10  # a counter "normally uses tokens" from this share...
    token_history_min: int = 30  # ...over at least this many ratings before the scan
    surge_p: float = 0.001
    grace_after_close_minutes: int = 30  # a citizen may rate just after leaving
    seed: int = 2026  # the IsolationForest's random_state
    trees: int = 200
    max_training_hours: int = 50_000  # larger training sets are subsampled (seeded)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_PARAMS = Params()


def poisson_sf(n: int, lam: float) -> float:
    """P(X >= n) for X ~ Poisson(lam)."""
    if n <= 0:
        return 1.0
    if lam <= 0:
        return 0.0

    def log_pmf(k: int) -> float:
        return -lam + k * math.log(lam) - math.lgamma(k + 1)

    if n > lam:  # the upper tail directly: terms fall off after the mode
        total, k = 0.0, n
        while True:
            term = math.exp(log_pmf(k))
            total += term
            if term <= total * 1e-17 or k > n + 10_000:
                return min(1.0, total)
            k += 1
    return max(0.0, 1.0 - sum(math.exp(log_pmf(k)) for k in range(n)))


def above_served(responses: int, served: int | None) -> dict[str, Any] | None:
    if served is None or responses <= served:
        return None
    return {"responses": responses, "served": served}


def burst(responses: int, baseline: float | None, params: Params) -> dict[str, Any] | None:
    if baseline is None:
        return None
    p = poisson_sf(responses, baseline)
    if p >= params.burst_p:
        return None
    return {"responses": responses, "baseline": round(baseline, 3), "p": p}


def outside_hours(times: np.ndarray, hours: Hours | None,
                  params: Params) -> dict[str, Any] | None:
    """Ratings whose local time is not within an opening range (closing + grace)."""
    if hours is None:
        return None
    local = np.asarray(times, dtype=np.int64) + params.utc_offset
    weekday = ((local // 86400) + 3) % 7  # 1970-01-01 was a Thursday
    minute = (local % 86400) // 60
    grace = params.grace_after_close_minutes
    outside = 0
    for day, m in zip(weekday.tolist(), minute.tolist(), strict=True):
        if not any(start <= m < end + grace for start, end in hours.get(day, ())):
            outside += 1
    if not outside:
        return None
    return {"outside": outside}


def fast_repeat(times: np.ndarray, devices: Sequence[str | None],
                params: Params) -> dict[str, Any] | None:
    """Pairs of consecutive ratings from one device less than the gap apart (time order)."""
    last: dict[str, int] = {}
    pairs = 0
    seen: set[str] = set()
    for t, device in zip(np.asarray(times).tolist(), devices, strict=True):
        if device is None:
            continue
        if device in last and t - last[device] < params.fast_gap_seconds:
            pairs += 1
            seen.add(device)
        last[device] = t
    if not pairs:
        return None
    return {"pairs": pairs, "devices": len(seen)}


def near_duplicates(comments: Sequence[str | None], params: Params) -> dict[str, Any] | None:
    groups = near_duplicate_groups(comments, threshold=params.near_duplicate_jaccard,
                                   k=params.shingle_chars,
                                   min_chars=params.near_duplicate_min_chars)
    big = [g for g in groups if len(g) >= params.near_duplicate_min_group]
    if not big:
        return None
    return {"largest_group": len(big[0]), "groups": len(big)}


def unverified_surge(unverified: int, responses: int, baseline_unverified: float | None,
                     usual_verified_share: float | None,
                     params: Params) -> dict[str, Any] | None:
    if baseline_unverified is None or usual_verified_share is None:
        return None
    if usual_verified_share < params.token_share_min or not responses:
        return None
    share = (responses - unverified) / responses
    if share >= usual_verified_share / 2:
        return None
    p = poisson_sf(unverified, baseline_unverified)
    if p >= params.surge_p:
        return None
    return {"unverified": unverified, "baseline": round(baseline_unverified, 3), "p": p,
            "verified_share": round(share, 3), "usual_verified_share":
            round(usual_verified_share, 3)}
