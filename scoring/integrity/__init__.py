"""Integrity screening, pure: per counter-hour features, transparent rules with reason codes
and the IsolationForest that orders what the rules flagged (shared/SCORING.md section 6).

`screen(ratings, start, end, counters, served)` takes plain arrays (`Ratings`) and returns a
`Screening`: how many counter-hours were scanned and the flagged ones, each with its reason
codes, anomaly score, features and evidence. No database, no web."""

from scoring.integrity.comments import near_duplicate_groups, normalise_comment
from scoring.integrity.features import FEATURES, Ratings
from scoring.integrity.ordering import MODEL, model_version
from scoring.integrity.rules import DEFAULT_PARAMS, REASONS, Params, poisson_sf
from scoring.integrity.screen import CounterFacts, Flag, Screening, screen

__all__ = [
    "DEFAULT_PARAMS",
    "FEATURES",
    "MODEL",
    "REASONS",
    "CounterFacts",
    "Flag",
    "Params",
    "Ratings",
    "Screening",
    "model_version",
    "near_duplicate_groups",
    "normalise_comment",
    "poisson_sf",
    "screen",
]
