"""Ranking helpers shared by the point ranking, the rank intervals and the sensitivity analysis.

Rank 1 is the highest value; ties keep input order (a stable sort), also within each draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QUANTILE_METHOD = "inverted_cdf"


def rank_desc(values: np.ndarray) -> np.ndarray:
    """Ranks (1 = highest) along the last axis; ties are broken by position (input order)."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(-values, axis=-1, kind="stable")
    ranks = np.empty(values.shape, dtype=np.int64)
    positions = np.broadcast_to(np.arange(1, values.shape[-1] + 1), values.shape)
    np.put_along_axis(ranks, order, positions, axis=-1)
    return ranks


@dataclass(frozen=True)
class RankInterval:
    """Summary of one entity's rank over the draws."""

    low: int | None
    median: int | None
    high: int | None
    expected: float | None
    p_top3: float | None

    def as_dict(self) -> dict[str, int | float | None]:
        return {
            "low": self.low,
            "median": self.median,
            "high": self.high,
            "expected": self.expected,
            "p_top3": self.p_top3,
        }


EMPTY_INTERVAL = RankInterval(None, None, None, None, None)


def summarise_ranks(ranks: np.ndarray) -> list[RankInterval]:
    """Per column of a (draws, entities) rank matrix: 2.5%, 50% and 97.5% quantiles
    (inverted CDF, so they are ranks that occurred), mean rank and P(rank ≤ 3)."""
    ranks = np.asarray(ranks)
    if ranks.ndim != 2 or ranks.shape[0] == 0:
        return [EMPTY_INTERVAL] * (ranks.shape[-1] if ranks.ndim == 2 else 0)
    q = np.quantile(ranks, [0.025, 0.5, 0.975], axis=0, method=QUANTILE_METHOD)
    expected = ranks.mean(axis=0)
    top3 = (ranks <= 3).mean(axis=0)
    return [
        RankInterval(
            low=int(q[0, j]),
            median=int(q[1, j]),
            high=int(q[2, j]),
            expected=float(expected[j]),
            p_top3=float(top3[j]),
        )
        for j in range(ranks.shape[1])
    ]
