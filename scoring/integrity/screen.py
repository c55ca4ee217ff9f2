"""`screen`: the rules over every counter-hour of a window, then the IsolationForest's order
of the flagged ones."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.integrity import rules
from scoring.integrity.features import (
    FEATURES,
    HOUR,
    WEEK,
    Ratings,
    group_by_counter_hour,
    hour_features,
    hour_start,
)
from scoring.integrity.ordering import anomaly_scores, model_version
from scoring.integrity.rules import DEFAULT_PARAMS, Hours, Params


@dataclass(frozen=True)
class CounterFacts:
    """What the rules need to know about a counter besides its ratings."""

    hours: Hours | None = None  # opening hours (feedback.org.hours.parse); None: not given


@dataclass(frozen=True)
class Flag:
    """A flagged counter-hour."""

    counter: int  # counter id
    hour: int  # UTC epoch second of the start of the local hour
    reasons: tuple[str, ...]  # in the order of rules.REASONS
    anomaly_score: float
    responses: int
    features: dict[str, float]
    evidence: dict[str, dict[str, Any]]  # per reason code
    response_ids: tuple[int, ...]


@dataclass(frozen=True)
class Screening:
    counter_hours: int  # counter-hours with ratings in the window (scanned)
    flagged: list[Flag]  # most anomalous first
    model_version: str
    features: tuple[str, ...] = FEATURES
    params: dict[str, Any] = field(default_factory=dict)
    training_hours: int = 0  # counter-hours the forest was fitted on


def screen(ratings: Ratings, start: int, end: int, counters: Mapping[int, CounterFacts],
           served: Mapping[tuple[int, int], int], params: Params = DEFAULT_PARAMS,
           history_start: int | None = None) -> Screening:
    """Screen the counter-hours whose local hour starts in [hour of `start`, `end`) (UTC
    epoch seconds). `ratings` holds the window's ratings and those of the baseline weeks
    before it, loaded from `history_start` (default: `baseline_weeks` before `start`);
    `served` maps (counter, hour) to the transactions served."""
    off = params.utc_offset
    first_hour = int(hour_start(np.array([start]), off)[0])
    if history_start is None:
        history_start = first_hour - params.baseline_weeks * WEEK
    history_hour = int(hour_start(np.array([history_start]), off)[0])
    if history_start > history_hour:  # a partial first hour is not a whole baseline hour
        history_hour += HOUR

    groups = group_by_counter_hour(ratings, off)
    counts: dict[tuple[int, int], int] = {}
    unverified: dict[tuple[int, int], int] = {}
    for key, rows in zip(groups.keys, groups.rows, strict=True):
        counts[key] = len(rows)
        unverified[key] = int((~ratings.verified[rows]).sum())

    # A counter's baseline weeks start when its ratings do (within the loaded history).
    first_seen: dict[int, int] = {}
    for counter, hour in groups.keys:
        first_seen.setdefault(counter, max(hour, history_hour))

    def baseline(table: dict[tuple[int, int], int], counter: int, hour: int) -> float | None:
        since = first_seen.get(counter, hour)
        weeks = [hour - k * WEEK for k in range(1, params.baseline_weeks + 1)
                 if hour - k * WEEK >= since]
        if len(weeks) < params.min_baseline_weeks:
            return None
        mean = sum(table.get((counter, h), 0) for h in weeks) / len(weeks)
        return max(params.baseline_floor, mean)

    before = ratings.time < first_hour
    usual_share: dict[int, float] = {}
    known, which = np.unique(ratings.counter[before], return_inverse=True)
    totals = np.bincount(which, minlength=len(known))
    verified = np.bincount(which, weights=ratings.verified[before].astype(float),
                           minlength=len(known))
    for counter, total, tokens in zip(known.tolist(), totals.tolist(), verified.tolist(),
                                      strict=True):
        if total >= params.token_history_min:
            usual_share[counter] = tokens / total

    matrix = np.zeros((len(groups.keys), len(FEATURES)))
    in_window: list[int] = []
    feats: list[dict[str, float]] = []
    for g, ((counter, hour), rows) in enumerate(zip(groups.keys, groups.rows, strict=True)):
        base = baseline(counts, counter, hour)
        f = hour_features(ratings, rows, base if base is not None else params.baseline_floor)
        feats.append(f)
        matrix[g] = [f[name] for name in FEATURES]
        if first_hour <= hour < end:
            in_window.append(g)

    flagged: list[tuple[int, dict[str, dict[str, Any]]]] = []
    for g in in_window:
        counter, hour = groups.keys[g]
        rows = groups.rows[g]
        n = len(rows)
        facts = counters.get(counter, CounterFacts())
        evidence = {
            "above_served": rules.above_served(n, served.get((counter, hour))),
            "burst": rules.burst(n, baseline(counts, counter, hour), params),
            "outside_hours": rules.outside_hours(ratings.time[rows], facts.hours, params),
            "fast_repeat": rules.fast_repeat(ratings.time[rows], list(ratings.device[rows]),
                                             params),
            "near_duplicate_comments": rules.near_duplicates(list(ratings.comment[rows]),
                                                             params),
            "unverified_surge": rules.unverified_surge(
                unverified[(counter, hour)], n, baseline(unverified, counter, hour),
                usual_share.get(counter), params),
        }
        found = {code: e for code, e in evidence.items() if e is not None}
        if found:
            flagged.append((g, found))

    scores = anomaly_scores(matrix, matrix[[g for g, _ in flagged]], params)
    out = [
        Flag(counter=groups.keys[g][0], hour=groups.keys[g][1],
             reasons=tuple(code for code in rules.REASONS if code in found),
             anomaly_score=round(float(score), 4), responses=len(groups.rows[g]),
             features={k: round(v, 4) for k, v in feats[g].items()}, evidence=found,
             response_ids=tuple(sorted(int(i) for i in ratings.id[groups.rows[g]])))
        for (g, found), score in zip(flagged, scores, strict=True)
    ]
    out.sort(key=lambda f: (-f.anomaly_score, f.hour, f.counter))
    return Screening(counter_hours=len(in_window), flagged=out,
                     model_version=model_version(params), params=params.as_dict(),
                     training_hours=len(matrix))


def reason_counts(screening: Screening) -> dict[str, int]:
    """How many flagged counter-hours each reason code fired in."""
    tally = Tally(code for f in screening.flagged for code in f.reasons)
    return {code: tally.get(code, 0) for code in rules.REASONS}
