"""Official IKM (Indeks Kepuasan Masyarakat) as defined by PermenPANRB 14/2017.

Also supports the former regime, KepMenPAN 25/2004 (14 elements, weight 0.071), for imported
historical data.  Nothing in this module is adjusted by the performance-index method: it is
the number the regulation prescribes.

Decisions documented here:

* Counting rule: a response counts when at least 7 of the 9 SKM-2017 elements are answered.
  For the 2004 regime the same proportion is used, rounded up: ``ceil(14 * 7 / 9) = 11`` of 14.
* Missing elements: if an element has no answers among the counted responses, its NRR is
  ``None`` and the IKM is computed from the available elements with the weighted sum scaled by
  ``E / available`` (E = number of elements of the regime), i.e. the missing elements are
  assumed to score like the mean of the others.  With exact weights this equals 25 times the
  plain mean of the available NRRs.
* Rounding: both the optional per-element rounding (``round_decimals``) and the grade's
  2-decimal rounding use decimal half-up semantics (as in spreadsheet ``ROUND``) after first
  removing binary floating-point noise (the value is taken to 10 decimals), so that a value
  that is 88.305 on paper grades as 88.31 even if the float is 88.30499999999999.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

ELEMENTS: tuple[str, ...] = (
    "persyaratan",
    "prosedur",
    "waktu",
    "biaya",
    "produk",
    "kompetensi",
    "perilaku",
    "pengaduan",
    "sarana",
)
"""SKM-2017 element codes in the order the regulation lists them."""

ELEMENTS_2004: tuple[str, ...] = (
    "prosedur",
    "persyaratan",
    "kejelasan_petugas",
    "kedisiplinan_petugas",
    "tanggung_jawab_petugas",
    "kemampuan_petugas",
    "kecepatan",
    "keadilan",
    "kesopanan_keramahan",
    "kewajaran_biaya",
    "kepastian_biaya",
    "kepastian_jadwal",
    "kenyamanan_lingkungan",
    "keamanan",
)
"""KepMenPAN 25/2004 element codes (14 unsur) in the order that decree lists them."""

GRADE_LABELS: dict[str, str] = {
    "A": "Sangat Baik",
    "B": "Baik",
    "C": "Kurang Baik",
    "D": "Tidak Baik",
}

REGIMES: tuple[str, ...] = ("skm2017", "2004")

_GRADE_BOUNDS: dict[str, tuple[tuple[str, Decimal], ...]] = {
    "skm2017": (("A", Decimal("88.31")), ("B", Decimal("76.61")), ("C", Decimal("65.00"))),
    "2004": (("A", Decimal("81.26")), ("B", Decimal("62.51")), ("C", Decimal("43.76"))),
}

# Named weights per regime; "exact" is 1/E.
_NAMED_WEIGHTS: dict[str, dict[str, float]] = {
    "skm2017": {"0.111": 0.111, "0.11": 0.11},
    "2004": {"0.071": 0.071},
}


@dataclass(frozen=True)
class ElementIkm:
    """One element's result: its NRR (mean answer, 1..4) and ``25 * NRR`` (IKM scale)."""

    nrr: float | None
    ikm: float | None


@dataclass(frozen=True)
class IkmResult:
    """Official IKM of a set of counted responses."""

    n: int
    ikm: float | None
    grade: str | None
    elements: dict[str, ElementIkm]


def _check_regime(regime: str) -> None:
    if regime not in REGIMES:
        raise ValueError(f"unknown regime {regime!r}; expected one of {REGIMES}")


def elements_for(regime: str = "skm2017") -> tuple[str, ...]:
    """Element codes of a regime, in its official order."""
    _check_regime(regime)
    return ELEMENTS if regime == "skm2017" else ELEMENTS_2004


def min_answered(regime: str = "skm2017") -> int:
    """Minimum number of answered elements for a response to count (7 of 9; 11 of 14)."""
    n_elements = len(elements_for(regime))
    return math.ceil(n_elements * 7 / 9)


def is_counted(answers: Mapping[str, int | None], regime: str = "skm2017") -> bool:
    """Whether a response counts: at least ``min_answered(regime)`` elements answered.

    ``answers`` is keyed by element code; keys that are not elements of the regime are ignored
    and ``None`` means unanswered.  An answer outside 1..4 raises ``ValueError``.
    """
    answered = 0
    for code in elements_for(regime):
        value = answers.get(code)
        if value is None:
            continue
        if isinstance(value, bool) or value not in (1, 2, 3, 4):
            raise ValueError(f"answer to {code!r} must be 1..4 or None, got {value!r}")
        answered += 1
    return answered >= min_answered(regime)


def element_weight(weight: str | float = "exact", regime: str = "skm2017") -> float:
    """Resolve a weight setting to the per-element weight ``w_e``.

    ``"exact"`` is ``1/E``; ``"0.111"`` and ``"0.11"`` (SKM-2017) or ``"0.071"`` (2004) are the
    printed weights.  A positive finite float is used as given.
    """
    n_elements = len(elements_for(regime))
    if isinstance(weight, str):
        if weight == "exact":
            return 1.0 / n_elements
        named = _NAMED_WEIGHTS[regime]
        if weight not in named:
            allowed = ("exact", *named)
            raise ValueError(f"unknown weight {weight!r} for {regime}; expected one of {allowed}")
        return named[weight]
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise TypeError(f"weight must be a string or a number, got {type(weight).__name__}")
    value = float(weight)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"weight must be positive and finite, got {weight!r}")
    return value


def round_half_up(value: float, decimals: int) -> float:
    """Round like a spreadsheet ``ROUND``: decimal half-up, ignoring binary float noise."""
    cleaned = Decimal(repr(float(value))).quantize(Decimal("1e-10"), rounding=ROUND_HALF_EVEN)
    quantum = Decimal(1).scaleb(-decimals)
    return float(cleaned.quantize(quantum, rounding=ROUND_HALF_UP))


def official_ikm(
    element_counts: Any,
    n: int,
    *,
    weight: str | float = "exact",
    round_decimals: int | None = None,
    regime: str = "skm2017",
) -> IkmResult:
    """Official IKM from per-element answer counts.

    ``element_counts`` has shape (E, 4): for each element (in the regime's order) the number of
    counted responses that answered 1, 2, 3 and 4.  ``n`` is the number of counted responses.
    ``NRR_e = sum(a * count) / sum(count)``; ``IKM = 25 * sum_e w_e * NRR_e``, each ``w_e *
    NRR_e`` rounded half-up to ``round_decimals`` first when given.  Elements without answers
    have NRR ``None``; the sum over the available elements is scaled by ``E / available``.
    """
    codes = elements_for(regime)
    counts = np.asarray(element_counts, dtype=float)
    if counts.shape != (len(codes), 4):
        raise ValueError(f"element_counts must have shape ({len(codes)}, 4), got {counts.shape}")
    if np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise ValueError("element_counts must be finite and non-negative")
    if n < 0:
        raise ValueError("n must be non-negative")
    if round_decimals is not None and round_decimals < 0:
        raise ValueError("round_decimals must be non-negative")
    w = element_weight(weight, regime)

    answered = counts.sum(axis=1)
    totals = counts @ np.arange(1.0, 5.0)
    elements: dict[str, ElementIkm] = {}
    nrrs: list[float] = []
    for code, total, count in zip(codes, totals, answered, strict=True):
        if n == 0 or count == 0:
            elements[code] = ElementIkm(nrr=None, ikm=None)
            continue
        nrr = float(total / count)
        elements[code] = ElementIkm(nrr=nrr, ikm=25.0 * nrr)
        nrrs.append(nrr)

    if not nrrs:
        return IkmResult(n=n, ikm=None, grade=None, elements=elements)
    if round_decimals is not None:
        weighted = math.fsum(round_half_up(w * nrr, round_decimals) for nrr in nrrs)
    elif weight == "exact":
        weighted = math.fsum(nrrs) / len(codes)  # same as Σ nrr/E, without rounding error
    else:
        weighted = w * math.fsum(nrrs)
    ikm = 25.0 * weighted
    if len(nrrs) < len(codes):
        ikm = ikm * len(codes) / len(nrrs)
    return IkmResult(n=n, ikm=ikm, grade=grade(ikm, regime), elements=elements)


def grade(ikm: float, regime: str = "skm2017") -> str:
    """Mutu pelayanan (A–D) of an IKM, judged on the IKM rounded half-up to 2 decimals.

    SKM-2017: A >= 88.31, B >= 76.61, C >= 65.00, else D.  2004: A >= 81.26, B >= 62.51,
    C >= 43.76, else D.  Lower bounds are inclusive.
    """
    _check_regime(regime)
    if not math.isfinite(ikm):
        raise ValueError(f"ikm must be finite, got {ikm!r}")
    value = Decimal(repr(round_half_up(ikm, 2)))
    for letter, bound in _GRADE_BOUNDS[regime]:
        if value >= bound:
            return letter
    return "D"


def required_sample(population: int) -> int:
    """Krejcie & Morgan sample size for a population N, rounded half up.

    ``S = 3.841*N*0.25 / (0.0025*(N-1) + 3.841*0.25)``; e.g. 100 -> 80, 1000 -> 278.
    """
    if population < 0:
        raise ValueError("population must be non-negative")
    if population == 0:
        return 0
    num = Decimal("3.841") * population * Decimal("0.25")
    den = Decimal("0.0025") * (population - 1) + Decimal("3.841") * Decimal("0.25")
    return int((num / den).quantize(Decimal(1), rounding=ROUND_HALF_UP))
