"""Target (KPI) pillar (SCORING.md section 3).

* Achievement ``a = actual / target`` (higher is better) or ``a = 2 − actual / target``
  (lower is better, the LKjIP rule); indicator score ``100 · clip(a, 0, 1)``.
* ``K_u`` = mean of the available indicator scores weighted by the weights renormalised over
  the indicators that have an actual; missing when the available weight is below 50% of the
  unit's total weight (or the unit has no indicator).
* A target is flagged (never penalised) when it is less ambitious than the previous actual.
  SCORING.md words this as "a target set below the previous actual", which is the
  higher-is-better case; for lower-is-better indicators the unambitious case is a target set
  *above* the previous actual, and that is what is flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scoring.inputs import Kpi

MIN_COVERAGE = 0.5


def achievement(actual: float, target: float, direction: str) -> float:
    """Raw achievement ratio (1.0 = on target), before clipping."""
    if target <= 0:
        raise ValueError("target must be positive")
    if direction == "higher":
        return actual / target
    if direction == "lower":
        return (2.0 * target - actual) / target  # (2·target − realisasi) / target
    raise ValueError(f"direction must be 'higher' or 'lower', got {direction!r}")


def indicator_score(actual: float, target: float, direction: str) -> float:
    """``100 · clip(a, 0, 1)``: no credit above target, none below zero."""
    return 100.0 * min(1.0, max(0.0, achievement(actual, target, direction)))


def unambitious_target(kpi: Kpi) -> bool:
    """Whether the target is easier than the previous actual (flag only)."""
    if kpi.previous_actual is None:
        return False
    if kpi.direction == "higher":
        return kpi.target < kpi.previous_actual
    return kpi.target > kpi.previous_actual


@dataclass(frozen=True)
class KpiPillar:
    """A unit's target pillar.

    ``scores``: every indicator's score (None without an actual), in input order;
    ``weights``: renormalised weights ``ŵ_k`` of the indicators with an actual;
    ``coverage``: available weight / total weight (None when the unit has no indicator);
    ``value``: ``K_u`` (None when coverage is below 50%); ``flags``: unambitious targets.
    """

    value: float | None
    coverage: float | None
    scores: dict[str, float | None]
    weights: dict[str, float]
    flags: tuple[str, ...]


def kpi_pillar(kpis: Sequence[Kpi]) -> KpiPillar:
    """``K_u`` and its parts from one unit's indicators."""
    names = [k.indicator for k in kpis]
    if len(set(names)) != len(names):
        raise ValueError("duplicate indicator for a unit")
    scores: dict[str, float | None] = {}
    available: dict[str, float] = {}
    for k in kpis:
        if k.actual is None:
            scores[k.indicator] = None
        else:
            scores[k.indicator] = indicator_score(k.actual, k.target, k.direction)
            available[k.indicator] = k.weight
    flags = tuple(k.indicator for k in kpis if unambitious_target(k))
    if not kpis:
        return KpiPillar(None, None, scores, {}, flags)
    total_weight = sum(k.weight for k in kpis)
    available_weight = sum(available.values())
    coverage = available_weight / total_weight
    weights = {name: w / available_weight for name, w in available.items()}
    if coverage < MIN_COVERAGE or not weights:
        return KpiPillar(None, coverage, scores, weights, flags)
    value = sum(weights[name] * scores[name] for name in weights)  # type: ignore[operator]
    return KpiPillar(float(value), coverage, scores, weights, flags)
