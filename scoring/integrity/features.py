"""Counted, not-excluded ratings as arrays (`Ratings`), grouped per counter-hour, and the
features of a counter-hour that the IsolationForest sees (`FEATURES`).

Hours are local clock hours: `utc_offset` seconds east of UTC (WITA: 8 hours, no daylight
saving time). A counter-hour is identified by (counter id, UTC epoch second of the start of
the local hour)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOUR = 3600
WEEK = 7 * 86400

# The features of a counter-hour, in the order of the model's columns.
FEATURES = (
    "responses",  # ratings in the hour
    "rate_ratio",  # ratings / the counter's baseline for that hour of the week
    "score_mean",  # mean respondent score (mean of a respondent's answers, 1-4)
    "score_sd",  # their standard deviation (0 for one rating)
    "share_all_four",  # share answering 4 to every element answered
    "share_comment",  # share with a comment
    "device_diversity",  # distinct devices / ratings with a device (1 without devices)
    "share_verified",  # share with a ticket token
    "gap_min",  # shortest gap between consecutive ratings, seconds (3600 for one rating)
    "gap_median",  # median gap, seconds (3600 for one rating)
)


@dataclass(frozen=True)
class Ratings:
    """One row per counted, not-excluded response (any order)."""

    id: np.ndarray  # int64 response ids
    counter: np.ndarray  # int64 counter ids
    time: np.ndarray  # int64 UTC epoch seconds of submission
    score: np.ndarray  # float64 respondent score: mean of the answers given (1-4)
    all_four: np.ndarray  # bool: every answer given is 4
    verified: np.ndarray  # bool: came with a ticket token
    device: np.ndarray  # object: device hash or None
    comment: np.ndarray  # object: comment text or None

    def __post_init__(self) -> None:
        n = len(self.id)
        for name in ("counter", "time", "score", "all_four", "verified", "device", "comment"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"Ratings.{name} has {len(getattr(self, name))} rows, "
                                 f"id has {n}")

    def __len__(self) -> int:
        return len(self.id)

    @classmethod
    def empty(cls) -> Ratings:
        return cls(id=np.zeros(0, np.int64), counter=np.zeros(0, np.int64),
                   time=np.zeros(0, np.int64), score=np.zeros(0), all_four=np.zeros(0, bool),
                   verified=np.zeros(0, bool), device=np.zeros(0, object),
                   comment=np.zeros(0, object))


def hour_start(times: np.ndarray, utc_offset: int) -> np.ndarray:
    """UTC epoch second of the start of the local hour of each time."""
    t = np.asarray(times, dtype=np.int64)
    return (t + utc_offset) // HOUR * HOUR - utc_offset


@dataclass(frozen=True)
class Groups:
    """The ratings split per counter-hour: `keys[g]` = (counter, hour), `rows[g]` = the row
    positions of group g, sorted by time."""

    keys: list[tuple[int, int]]
    rows: list[np.ndarray]


def group_by_counter_hour(ratings: Ratings, utc_offset: int) -> Groups:
    hours = hour_start(ratings.time, utc_offset)
    order = np.lexsort((ratings.time, hours, ratings.counter))
    if not len(order):
        return Groups([], [])
    c, h = ratings.counter[order], hours[order]
    cut = np.flatnonzero((c[1:] != c[:-1]) | (h[1:] != h[:-1])) + 1
    parts = np.split(order, cut)
    keys = [(int(ratings.counter[p[0]]), int(hours[p[0]])) for p in parts]
    return Groups(keys, parts)


def hour_features(ratings: Ratings, rows: np.ndarray, baseline: float) -> dict[str, float]:
    """The features of one counter-hour (rows sorted by time); `baseline` > 0."""
    n = len(rows)
    score = ratings.score[rows]
    devices = [d for d in ratings.device[rows] if d is not None]
    gaps = np.diff(ratings.time[rows]).astype(float)
    return {
        "responses": float(n),
        "rate_ratio": n / baseline,
        "score_mean": float(score.mean()),
        "score_sd": float(score.std()) if n > 1 else 0.0,
        "share_all_four": float(ratings.all_four[rows].mean()),
        "share_comment": float(np.mean([c is not None and bool(str(c).strip())
                                        for c in ratings.comment[rows]])),
        "device_diversity": len(set(devices)) / len(devices) if devices else 1.0,
        "share_verified": float(ratings.verified[rows].mean()),
        "gap_min": float(gaps.min()) if len(gaps) else float(HOUR),
        "gap_median": float(np.median(gaps)) if len(gaps) else float(HOUR),
    }
