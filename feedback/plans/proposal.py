"""The elements the system proposes for a unit's follow-up plan, from the unit's figures in
the period.

The figures are the ones the unit dashboard and the engine show: the per-unit, per-day
aggregates summed over the period and `scoring.ikm.official_ikm` on them (as
`feedback.performance.dashboard.pooled_figures`); each element's NRR equals
`score_period(...)`'s `units[*].elements[code].nrr`. n is how many counted responses
answered the element (the row sum of its answer counts). The selection rules are
`scoring.weakest`.
"""

from __future__ import annotations

from feedback.performance import dashboard_reads as reads
from feedback.performance.periods import Period
from scoring.ikm import ELEMENTS, official_ikm
from scoring.weakest import ElementFigure, Selection, weakest_elements


async def element_figures(unit_id: int, period: Period) -> tuple[int, dict[str, ElementFigure]]:
    """The unit's counted responses in the period and, per element (regulation order), its
    NRR and n."""
    days = await reads.daily([unit_id], period.first, period.last)
    tally = reads.total(days, period.first, period.last)
    result = official_ikm(tally.counts, tally.n)
    return tally.n, {
        code: ElementFigure(code, result.elements[code].nrr, sum(row))
        for code, row in zip(ELEMENTS, tally.counts, strict=True)
    }


async def propose(unit_id: int, period: Period, *, min_group: int) -> tuple[int, Selection,
                                                                            dict[str,
                                                                                 ElementFigure]]:
    """(counted responses, the proposal, every element's figures) for a unit and period."""
    n, figures = await element_figures(unit_id, period)
    return n, weakest_elements(figures.values(), min_n=min_group), figures
