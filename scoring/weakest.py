"""Which SKM elements a follow-up plan (rencana tindak lanjut) should target first.

PermenPANRB 14/2017 asks a unit to act on its weakest elements. Given each element's NRR
(mean answer 1–4) and n (how many counted responses answered it), `weakest_elements`
proposes:

* every element whose NRR is below the grade-B bound converted to the NRR scale: B starts
  at IKM 76.61 and IKM = 25 × NRR, so the bound is 76.61 / 25 = 3.0644 (the regulation's
  own conversion table puts interval-3 NRRs at 3.0644–3.532). The bound is applied to the
  unrounded NRR;
* the `lowest` elements with the lowest NRR (3 by default). Elements tied with the last of
  them are all proposed: an arbitrary choice between equal NRRs would be no evidence.

Only elements with at least `min_n` answers are eligible. An element answered by fewer
people is not proposed: its NRR is too uncertain to direct a unit's work (one or two
answers move it by a whole point), and a handful of answers must not be used to single out
who gave them (the product's minimum group rule). Unanswered elements are not proposed
either. Proposals are ordered by NRR (lowest first), then in the regulation's element order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

GRADE_B_IKM = Decimal("76.61")
NRR_BOUND_B = float(GRADE_B_IKM / 25)  # 3.0644
LOWEST = 3


@dataclass(frozen=True)
class ElementFigure:
    """One element of a unit in a period: NRR (None when nobody answered) and n."""

    code: str
    nrr: float | None
    n: int


@dataclass(frozen=True)
class Proposed:
    code: str
    nrr: float
    n: int
    below_bound: bool  # NRR < NRR_BOUND_B (below grade B)
    lowest: bool  # among the `lowest` lowest NRRs (ties included)


@dataclass(frozen=True)
class Skipped:
    code: str
    n: int
    reason: str  # "few_answers" (0 < n < min_n) | "no_answers"


@dataclass(frozen=True)
class Selection:
    proposed: tuple[Proposed, ...]
    skipped: tuple[Skipped, ...]  # in the input order
    bound: float
    min_n: int


def weakest_elements(figures: Iterable[ElementFigure], *, min_n: int, lowest: int = LOWEST,
                     bound: float = NRR_BOUND_B) -> Selection:
    """The proposal for one unit and period; `figures` in the regulation's element order."""
    if min_n < 1:
        raise ValueError("min_n must be at least 1")
    if lowest < 0:
        raise ValueError("lowest must not be negative")
    eligible: list[tuple[int, ElementFigure]] = []
    skipped: list[Skipped] = []
    for position, fig in enumerate(figures):
        if fig.n < 0:
            raise ValueError(f"n of {fig.code!r} must not be negative")
        if fig.nrr is None or fig.n == 0:
            skipped.append(Skipped(fig.code, fig.n, "no_answers"))
        elif fig.n < min_n:
            skipped.append(Skipped(fig.code, fig.n, "few_answers"))
        else:
            if not 1.0 <= fig.nrr <= 4.0:
                raise ValueError(f"NRR of {fig.code!r} must be within 1..4, got {fig.nrr!r}")
            eligible.append((position, fig))
    eligible.sort(key=lambda item: (item[1].nrr, item[0]))
    cut = eligible[lowest - 1][1].nrr if 0 < lowest <= len(eligible) else None
    if lowest > len(eligible) and eligible:
        cut = eligible[-1][1].nrr
    proposed = []
    for _position, fig in eligible:
        assert fig.nrr is not None
        below = fig.nrr < bound
        low = cut is not None and fig.nrr <= cut
        if below or low:
            proposed.append(Proposed(fig.code, fig.nrr, fig.n, below, low))
    return Selection(tuple(proposed), tuple(skipped), bound, min_n)
