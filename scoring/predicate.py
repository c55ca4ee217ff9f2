"""Advisory link to ASN performance (PermenPANRB No. 6 Tahun 2022, SE MenPANRB 03/2023).

From a unit's or agency's performance index (0–100) to the organisational performance
predicate it suggests, and the limits that such an organisational predicate sets on how the
employees' predicates may be distributed (shared/REGULATIONS.md, "ASN performance").

This is evidence for a decision people take, never the decision, and never a score of a
person: the organisational predicate is set by the organisation's own performance evaluation;
the index is one piece of evidence for it.

Thresholds: four strictly descending lower bounds on the 0–100 scale, for Istimewa, Baik,
Butuh Perbaikan and Kurang; below the last one is Sangat Kurang. A predicate applies when
the index, rounded half-up to 2 decimals (as the IKM is graded), is ABOVE its bound (the
bounds are exclusive, as the SAKIP evaluation grades of PermenPANRB 88/2021 are). The
defaults follow those SAKIP grades, which are on the same 0–100 scale (AA > 90, A > 80,
BB > 70, B > 60, CC > 50, C > 30, D ≥ 0), by merging neighbouring grades into the five
predicates: AA → Istimewa (> 90); A and BB → Baik (> 70); B and CC → Butuh Perbaikan
(> 50); C → Kurang (> 30); D → Sangat Kurang. No regulation fixes this mapping: it is the
product's choice, configurable by the city.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from scoring.ikm import round_half_up

# Organisational predicates, best first.
ORG_PREDICATES: tuple[str, ...] = (
    "istimewa", "baik", "butuh_perbaikan", "kurang", "sangat_kurang")
ORG_NAMES: dict[str, str] = {
    "istimewa": "Istimewa",
    "baik": "Baik",
    "butuh_perbaikan": "Butuh Perbaikan",
    "kurang": "Kurang",
    "sangat_kurang": "Sangat Kurang",
}
# Employee (ASN) predicates, best first.
EMPLOYEE_PREDICATES: tuple[str, ...] = (
    "sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang")
EMPLOYEE_NAMES: dict[str, str] = {
    "sangat_baik": "Sangat Baik",
    "baik": "Baik",
    "butuh_perbaikan": "Butuh Perbaikan",
    "kurang": "Kurang/Misconduct",
    "sangat_kurang": "Sangat Kurang",
}
# The predicates that have a lower bound (Sangat Kurang is everything at or below the last).
BOUNDED: tuple[str, ...] = ORG_PREDICATES[:-1]
LOW, HIGH = 0.0, 100.0  # the index's scale
DECIMALS = 2  # bounds have at most 2 decimals; the index is rounded to 2 before comparing

ThresholdProblem = Literal["not_a_number", "out_of_range", "too_many_decimals",
                           "not_descending", "wrong_count"]


@dataclass(frozen=True)
class Thresholds:
    """Lower bounds (exclusive) of Istimewa, Baik, Butuh Perbaikan and Kurang."""

    istimewa: float
    baik: float
    butuh_perbaikan: float
    kurang: float

    def __post_init__(self) -> None:
        problems = check_thresholds(self.values())
        if problems:
            raise ValueError("invalid predicate thresholds: " + ", ".join(
                f"{name} {code}" if name else code for name, code in problems))

    def values(self) -> tuple[float, float, float, float]:
        return (self.istimewa, self.baik, self.butuh_perbaikan, self.kurang)

    def as_dict(self) -> dict[str, float]:
        return dict(zip(BOUNDED, self.values(), strict=True))

    @classmethod
    def of(cls, values: Sequence[float]) -> Thresholds:
        if len(values) != len(BOUNDED):
            raise ValueError("invalid predicate thresholds: wrong_count")
        return cls(*(float(v) for v in values))


def check_thresholds(values: Sequence[float]) -> list[tuple[str | None, ThresholdProblem]]:
    """Every problem of four bounds, as (predicate or None, code): `not_a_number` (NaN or
    infinite), `out_of_range` (outside 0–100), `too_many_decimals` (more than 2),
    `not_descending` (named by the bound that is not below the one before it),
    `wrong_count` (not four values). Empty when the bounds are valid."""
    if len(values) != len(BOUNDED):
        return [(None, "wrong_count")]
    problems: list[tuple[str | None, ThresholdProblem]] = []
    ok: list[bool] = []
    for name, value in zip(BOUNDED, values, strict=True):
        if not isinstance(value, int | float) or not math.isfinite(value):
            problems.append((name, "not_a_number"))
        elif not LOW <= value <= HIGH:
            problems.append((name, "out_of_range"))
        elif round(value, DECIMALS) != value:
            problems.append((name, "too_many_decimals"))
        else:
            ok.append(True)
            continue
        ok.append(False)
    for i in range(1, len(values)):
        if ok[i - 1] and ok[i] and not values[i] < values[i - 1]:
            problems.append((BOUNDED[i], "not_descending"))
    return problems


DEFAULT_THRESHOLDS = Thresholds(istimewa=90.0, baik=70.0, butuh_perbaikan=50.0, kurang=30.0)


def organisational_predicate(index: float, thresholds: Thresholds = DEFAULT_THRESHOLDS
                             ) -> str:
    """The organisational predicate (a code of ORG_PREDICATES) the index suggests: the best
    one whose bound the index, rounded half-up to 2 decimals, is above."""
    if not math.isfinite(index):
        raise ValueError("the index must be a finite number")
    value = round_half_up(index, DECIMALS)
    for name, bound in zip(BOUNDED, thresholds.values(), strict=True):
        if value > bound:
            return name
    return "sangat_kurang"


def band(predicate: str, thresholds: Thresholds = DEFAULT_THRESHOLDS
         ) -> tuple[float | None, float | None]:
    """The index range of a predicate: (exclusive lower bound, inclusive upper bound); None
    where open (Sangat Kurang has no lower bound, Istimewa no upper one)."""
    i = ORG_PREDICATES.index(predicate)
    values = thresholds.values()
    low = values[i] if i < len(values) else None
    high = values[i - 1] if i > 0 else None
    return low, high


# Employee-predicate distribution limits ------------------------------------------------
LimitKind = Literal["most", "at_most", "at_least", "some", "none"]


@dataclass(frozen=True)
class Limit:
    """One limit on the employees' predicates of an organisation: the combined share of
    `predicates` (employee predicate codes) is `at_most` / `at_least` `share` (0–1); or
    they are given to `most` employees; or `some` must exist (a share above 0); or `none`
    may be given (a share of 0)."""

    kind: LimitKind
    predicates: tuple[str, ...]
    share: float | None = None


# PermenPANRB 6/2022 with SE MenPANRB 03/2023, as shared/REGULATIONS.md lists them.
DISTRIBUTION_LIMITS: dict[str, tuple[Limit, ...]] = {
    # Sangat Baik for most, at most 70%
    "istimewa": (Limit("most", ("sangat_baik",)),
                 Limit("at_most", ("sangat_baik",), 0.70)),
    # Baik at most 70%, and some Butuh Perbaikan and/or Kurang must exist
    "baik": (Limit("at_most", ("baik",), 0.70),
             Limit("some", ("butuh_perbaikan", "kurang"))),
    # Butuh Perbaikan at least 60%, Sangat Baik at most 10%
    "butuh_perbaikan": (Limit("at_least", ("butuh_perbaikan",), 0.60),
                        Limit("at_most", ("sangat_baik",), 0.10)),
    # Kurang at least 60%, Butuh Perbaikan at least 10%, Sangat Baik at most 10%
    "kurang": (Limit("at_least", ("kurang",), 0.60),
               Limit("at_least", ("butuh_perbaikan",), 0.10),
               Limit("at_most", ("sangat_baik",), 0.10)),
    # Sangat Kurang at least 60%, Kurang and/or Butuh Perbaikan at least 10%, no Sangat Baik
    "sangat_kurang": (Limit("at_least", ("sangat_kurang",), 0.60),
                      Limit("at_least", ("kurang", "butuh_perbaikan"), 0.10),
                      Limit("none", ("sangat_baik",))),
}


def distribution_limits(predicate: str) -> tuple[Limit, ...]:
    """The employee-predicate distribution limits an organisational predicate implies."""
    if predicate not in DISTRIBUTION_LIMITS:
        raise ValueError(f"unknown organisational predicate {predicate!r}")
    return DISTRIBUTION_LIMITS[predicate]


@dataclass(frozen=True)
class Advice:
    """What an index suggests: the organisational predicate, its index range under the
    thresholds used, and the distribution limits it implies."""

    index: float
    rounded: float  # the index rounded half-up to 2 decimals, as compared
    predicate: str
    low: float | None  # exclusive
    high: float | None  # inclusive
    thresholds: Thresholds
    limits: tuple[Limit, ...]


def advise(index: float, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Advice:
    predicate = organisational_predicate(index, thresholds)
    low, high = band(predicate, thresholds)
    return Advice(index=index, rounded=round_half_up(index, DECIMALS), predicate=predicate,
                  low=low, high=high, thresholds=thresholds,
                  limits=distribution_limits(predicate))
