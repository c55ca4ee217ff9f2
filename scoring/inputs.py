"""Engine inputs: per-unit response aggregates, KPIs and the method's parameters.

A unit is described by aggregates only (no individual responses are needed):

* ``element_counts`` (E, 4): for each element, how many counted responses answered 1..4;
* ``score_hist``: rows ``(answered, total, count)``, the histogram of respondent scores
  ``s_r = total / answered`` over counted responses.

Both are built from raw responses by :func:`unit_data_from_responses`, which applies the
counting rule of the regulation (a response counts when at least 7 of the 9 elements are
answered).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any

import numpy as np

from scoring.ikm import REGIMES, element_weight, elements_for, is_counted, min_answered

DIRECTIONS: tuple[str, ...] = ("higher", "lower")


def _regime_of(n_elements: int) -> str:
    for regime in REGIMES:
        if len(elements_for(regime)) == n_elements:
            return regime
    raise ValueError(f"element_counts must have 9 (SKM 2017) or 14 (2004) rows, got {n_elements}")


@dataclass(frozen=True, eq=False)
class UnitData:
    """Aggregated counted responses of one service unit.

    ``volume`` is the number of transactions served in the period (the Krejcie & Morgan
    population and the agency weight).  ``name`` and ``agency_name`` (keyword-only, optional)
    are display names carried into the result.  The constructor validates that
    ``element_counts`` and ``score_hist`` describe the same set of counted responses.
    """

    unit: str
    agency: str | None
    peer_group: str | None
    volume: int | None
    element_counts: np.ndarray
    score_hist: tuple[tuple[int, int, int], ...]
    _: KW_ONLY
    name: str | None = None
    agency_name: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.unit, str) or not self.unit:
            raise ValueError("unit must be a non-empty string")
        for label, value in (("name", self.name), ("agency_name", self.agency_name)):
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{self.unit}: {label} must be a string or None")
        if self.volume is not None and (
            isinstance(self.volume, bool) or int(self.volume) != self.volume or self.volume < 0
        ):
            raise ValueError(f"{self.unit}: volume must be a non-negative integer or None")
        counts = np.array(self.element_counts, dtype=float)
        if counts.ndim != 2 or counts.shape[1] != 4:
            raise ValueError(f"{self.unit}: element_counts must have shape (E, 4)")
        regime = _regime_of(counts.shape[0])
        if np.any(counts < 0) or np.any(counts != np.round(counts)):
            raise ValueError(f"{self.unit}: element_counts must be non-negative integers")
        counts_int = counts.astype(np.int64)
        counts_int.flags.writeable = False
        object.__setattr__(self, "element_counts", counts_int)

        n_elements = counts.shape[0]
        rows: list[tuple[int, int, int]] = []
        for row in self.score_hist:
            answered, total, count = (int(x) for x in row)
            if tuple(row) != (answered, total, count):
                raise ValueError(f"{self.unit}: score_hist rows must be integers")
            if not min_answered(regime) <= answered <= n_elements:
                raise ValueError(
                    f"{self.unit}: a counted response answers {min_answered(regime)}.."
                    f"{n_elements} elements, got {answered}"
                )
            if not answered <= total <= 4 * answered or count < 0:
                raise ValueError(f"{self.unit}: invalid score_hist row {row!r}")
            rows.append((answered, total, count))
        object.__setattr__(self, "score_hist", tuple(rows))

        n = self.n
        answers_hist = sum(a * c for a, _, c in rows)
        total_hist = sum(t * c for _, t, c in rows)
        if int(counts_int.sum()) != answers_hist:
            raise ValueError(f"{self.unit}: element_counts and score_hist disagree on answers")
        if int((counts_int @ np.arange(1, 5)).sum()) != total_hist:
            raise ValueError(f"{self.unit}: element_counts and score_hist disagree on totals")
        if np.any(counts_int.sum(axis=1) > n):
            raise ValueError(f"{self.unit}: an element has more answers than responses")

    @property
    def n(self) -> int:
        """Number of counted responses."""
        return sum(c for _, _, c in self.score_hist)

    @property
    def regime(self) -> str:
        """Regime implied by the number of elements (``skm2017`` or ``2004``)."""
        return _regime_of(self.element_counts.shape[0])


@dataclass(frozen=True)
class Kpi:
    """One performance indicator of a unit (target, realisation, direction, weight)."""

    unit: str
    indicator: str
    target: float
    actual: float | None
    direction: str
    weight: float
    previous_actual: float | None = None

    def __post_init__(self) -> None:
        where = f"{self.unit}/{self.indicator}"
        if not self.indicator:
            raise ValueError(f"{self.unit}: indicator must be a non-empty string")
        if not _finite(self.target) or self.target <= 0:
            raise ValueError(f"{where}: target must be a positive number")
        if self.actual is not None and not _finite(self.actual):
            raise ValueError(f"{where}: actual must be a finite number or None")
        if self.previous_actual is not None and not _finite(self.previous_actual):
            raise ValueError(f"{where}: previous_actual must be a finite number or None")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"{where}: direction must be 'higher' or 'lower'")
        if not _finite(self.weight) or self.weight <= 0:
            raise ValueError(f"{where}: weight must be a positive number")


@dataclass(frozen=True)
class Parameters:
    """Every setting of the method (all are echoed in the output's ``parameters``)."""

    w_satisfaction: float = 0.5
    seed: int = 0
    draws: int = 2000
    ikm_weight: str | float = "exact"
    ikm_round: int | None = None
    regime: str = "skm2017"
    min_scored: int = 10
    min_ranked: int = 30
    reliability_target: float = 0.70
    peer_min_units: int = 5

    def __post_init__(self) -> None:
        if not _finite(self.w_satisfaction) or not 0 <= self.w_satisfaction <= 1:
            raise ValueError("w_satisfaction must be in [0, 1]")
        if not _is_int(self.seed) or self.seed < 0:
            raise ValueError("seed must be a non-negative integer")
        if not _is_int(self.draws) or self.draws < 0:
            raise ValueError("draws must be a non-negative integer")
        if self.regime not in REGIMES:
            raise ValueError(f"regime must be one of {REGIMES}")
        element_weight(self.ikm_weight, self.regime)  # raises on an unknown weight
        if self.ikm_round is not None and (not _is_int(self.ikm_round) or self.ikm_round < 0):
            raise ValueError("ikm_round must be a non-negative integer or None")
        if not _is_int(self.min_scored) or self.min_scored < 2:
            raise ValueError("min_scored must be an integer >= 2")
        if not _is_int(self.min_ranked) or self.min_ranked < self.min_scored:
            raise ValueError("min_ranked must be an integer >= min_scored")
        if not _finite(self.reliability_target) or not 0 < self.reliability_target < 1:
            raise ValueError("reliability_target must be in (0, 1)")
        if not _is_int(self.peer_min_units) or self.peer_min_units < 2:
            raise ValueError("peer_min_units must be an integer >= 2")


def _finite(value: Any) -> bool:
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def unit_data_from_responses(
    unit: str,
    agency: str | None,
    peer_group: str | None,
    volume: int | None,
    responses: Iterable[Mapping[str, int | None]],
    *,
    regime: str = "skm2017",
    name: str | None = None,
    agency_name: str | None = None,
) -> UnitData:
    """Aggregate raw responses (keyed by element code, ``None`` = unanswered) of one unit.

    Responses answering fewer than ``min_answered(regime)`` elements are not counted.  Keys
    that are not element codes are ignored; an answer outside 1..4 raises ``ValueError``.
    """
    codes = elements_for(regime)
    counts = np.zeros((len(codes), 4), dtype=np.int64)
    hist: Counter[tuple[int, int]] = Counter()
    for response in responses:
        if not is_counted(response, regime):
            continue
        answered = 0
        total = 0
        for e, code in enumerate(codes):
            value = response.get(code)
            if value is None:
                continue
            counts[e, int(value) - 1] += 1
            answered += 1
            total += int(value)
        hist[(answered, total)] += 1
    score_hist = tuple((a, t, c) for (a, t), c in sorted(hist.items()))
    return UnitData(
        unit, agency, peer_group, volume, counts, score_hist, name=name, agency_name=agency_name
    )
