"""Storing indicator targets and actuals per unit and period, with an audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from feedback.engine import transaction
from feedback.performance.target_lock import ensure_unlocked
from feedback.tables import Indicator, IndicatorAudit, IndicatorValue, Unit
from scoring.inputs import Kpi


@dataclass(frozen=True)
class KpiReport:
    created: int  # new indicator values
    changed: int  # values whose target or actual changed (each change audited)
    unchanged: int


class UnknownUnits(ValueError):
    def __init__(self, codes: list[str]) -> None:
        super().__init__("unknown unit(s): " + ", ".join(codes))
        self.codes = codes


async def store_kpis(period: str, kpis: Sequence[Kpi], changed_by: str,
                     now: datetime) -> KpiReport:
    """Create or update each unit's indicators and their target/actual for `period`, in one
    transaction. Direction and weight belong to the indicator; target and actual to the
    period. Every change of a stored target or actual writes an audit row. A published
    (locked) period is refused with target_lock.PeriodLocked, and so is a change of the
    direction or weight of an indicator that has values in a locked period."""
    unit_ids = {u["code"]: u["id"] for u in await Unit.select(Unit.id, Unit.code)}
    unknown = sorted({k.unit for k in kpis} - set(unit_ids))
    if unknown:
        raise UnknownUnits(unknown)
    created = changed = unchanged = 0
    async with transaction():
        await ensure_unlocked(period)
        for kpi in kpis:
            unit_id = unit_ids[kpi.unit]
            indicator = await Indicator.objects().get(
                (Indicator.unit == unit_id) & (Indicator.code == kpi.indicator))
            if indicator is None:
                indicator = Indicator(unit=unit_id, code=kpi.indicator, name=kpi.indicator,
                                      direction=kpi.direction, weight=kpi.weight)
                await indicator.save()
            elif (indicator.direction, indicator.weight) != (kpi.direction, kpi.weight):
                for other in await IndicatorValue.select(IndicatorValue.period).where(
                        IndicatorValue.indicator == indicator.id):
                    await ensure_unlocked(other["period"])
                indicator.direction, indicator.weight = kpi.direction, kpi.weight
                await indicator.save()
            value = await IndicatorValue.objects().get(
                (IndicatorValue.indicator == indicator.id) & (IndicatorValue.period == period))
            if value is None:
                await IndicatorValue(indicator=indicator.id, period=period, target=kpi.target,
                                     actual=kpi.actual, updated_at=now).save()
                created += 1
                continue
            audits = [
                IndicatorAudit(indicator_value=value.id, changed_at=now, changed_by=changed_by,
                               field=name, old_value=old, new_value=new)
                for name, old, new in (("target", value.target, kpi.target),
                                       ("actual", value.actual, kpi.actual))
                if old != new
            ]
            if not audits:
                unchanged += 1
                continue
            await IndicatorAudit.insert(*audits)
            value.target, value.actual, value.updated_at = kpi.target, kpi.actual, now
            await value.save()
            changed += 1
    return KpiReport(created, changed, unchanged)
