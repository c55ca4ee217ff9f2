"""A unit's performance index taken apart, from the period's ScoreResult (scoring.index):

* `contribution`: the points each element (`(w_S/9)·S_ue`) and indicator
  (`w_K·ŵ_k·score_k`) adds to the index; they sum to the index;
* `points`: the points above (+) or below (−) the city average, per element
  (`(w_S/9)·(S_ue − S̄_e)`) and indicator (`w_K·ŵ_k·(score_k − K̄)`), the bars being means over
  the units that have an index; they sum to `index − city mean index`.

Nothing is recomputed here: the figures are the engine's (`UnitScore.contributions` and
`.explain`, `City.mean_index`), only arranged for a page.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.ikm import ELEMENTS
from scoring.result import ScoreResult, UnitScore


@dataclass(frozen=True)
class Part:
    key: str  # element code or indicator code
    kind: str  # element | indicator
    contribution: float  # points of the index
    points: float  # points above (+) or below (−) the city average


@dataclass(frozen=True)
class Decomposition:
    unit: UnitScore
    index: float | None
    mean_index: float | None  # city mean index of the units with an index
    difference: float | None  # index − mean_index (= the sum of `points`)
    satisfaction: float | None
    kpi: float | None
    w_satisfaction: float  # weights actually used (w_K = 0 when no unit has targets)
    w_kpi: float
    parts: tuple[Part, ...]  # elements in the regulation's order, then indicators

    @property
    def elements(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.kind == "element")

    @property
    def indicators(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.kind == "indicator")

    @property
    def weakest(self) -> Part | None:
        """The part that costs the most points against the city average (if any does)."""
        below = [p for p in self.parts if p.points < 0]
        return min(below, key=lambda p: p.points) if below else None

    @property
    def strongest(self) -> Part | None:
        above = [p for p in self.parts if p.points > 0]
        return max(above, key=lambda p: p.points) if above else None


def decompose(result: ScoreResult, unit_code: str) -> Decomposition | None:
    """The unit's decomposition; None when the result has no such unit."""
    unit = next((u for u in result.units if u.unit == unit_code), None)
    if unit is None:
        return None
    w_k = result.parameters.w_kpi
    parts: list[Part] = []
    if unit.contributions is not None and unit.explain is not None:
        keys = [e for e in ELEMENTS if e in unit.contributions]
        keys += [k for k in unit.contributions if k not in ELEMENTS]
        for key in keys:
            parts.append(Part(key=key, kind="element" if key in ELEMENTS else "indicator",
                              contribution=unit.contributions[key],
                              points=unit.explain.get(key, 0.0)))
    mean_index = result.city.mean_index
    difference = (unit.index - mean_index
                  if unit.index is not None and mean_index is not None else None)
    return Decomposition(
        unit=unit, index=unit.index, mean_index=mean_index, difference=difference,
        satisfaction=unit.satisfaction, kpi=unit.kpi, w_satisfaction=1.0 - w_k, w_kpi=w_k,
        parts=tuple(parts),
    )
