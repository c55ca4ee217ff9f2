"""A unit's targets and actuals for a period (indikator kinerja, LKjIP), and entering actuals
in the web, limited to what a Scope sees.

Who: the `unit` role (its own unit), `agency` (the units of its agency) and `city` see a
unit's targets; the `unit` role and `city` (Bagian Organisasi, who also loads the targets
with `suara kpis`) enter or correct actuals. The agency head sees but does not edit: the
unit that owns the data reports it, the city can correct it, and the agency head's own
index aggregates these units, so they review rather than report. Officers and admins see
no targets.

Targets, directions and weights come from `suara kpis`; here only actuals change. Every
changed actual writes one IndicatorAudit row (who, when, old → new) and one row in the
staff audit log, in the same transaction; an unchanged value writes nothing. A value
changed by someone else since the form was read (compare-and-set on the old value) makes
the whole save a Conflict: nothing is written. While the period is published and locked
(feedback.performance.target_lock), nobody edits: the page shows it locked and a save
raises PeriodLocked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feedback.accounts.audit import Actor, record
from feedback.accounts.scope import Scope
from feedback.clock import WITA
from feedback.engine import transaction
from feedback.org.scoped import NotAllowed, visible_unit
from feedback.performance.periods import Period
from feedback.performance.snapshots import SnapshotInfo
from feedback.performance.target_lock import ensure_unlocked, lock_of
from feedback.tables import IndicatorAudit, IndicatorValue
from scoring.inputs import Kpi
from scoring.targets import indicator_score, kpi_pillar

READERS = ("unit", "agency", "city")
EDITORS = ("unit", "city")
MAX_ACTUAL = 1e12
MAX_TIMES_TARGET = 100  # an actual above 100 × its target is taken for a typing error
MAX_TEXT = 30
AUDIT_ACTION = "kpi_actual"
AUDIT_OBJECT = "indicator_value"


class Conflict(RuntimeError):
    """An actual changed since the form was read: nothing was written."""


@dataclass(frozen=True)
class EntryError:
    indicator: str
    code: str  # not_a_number, negative, too_large, above_target_bound, thousands, unknown
    limit: float | None = None


class EntryRefused(ValueError):
    def __init__(self, errors: list[EntryError]) -> None:
        super().__init__(", ".join(f"{e.indicator}: {e.code}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class IndicatorRow:
    value_id: int
    code: str
    name: str
    direction: str  # higher | lower
    weight: float
    target: float
    actual: float | None
    previous_actual: float | None
    score: float | None  # scoring.targets.indicator_score, None without an actual
    share: float | None  # renormalised weight ŵ_k among the indicators with an actual
    flagged: bool  # the target is less ambitious than the previous period's actual


@dataclass(frozen=True)
class HistoryRow:
    changed_at: datetime  # WITA
    changed_by: str
    indicator: str
    field: str
    old: float | None
    new: float | None


@dataclass(frozen=True)
class UnitTargets:
    unit_id: int
    unit_code: str
    unit_name: str
    period_key: str
    rows: tuple[IndicatorRow, ...]
    kpi: float | None  # K_u (LKjIP achievement pillar), None below 50% coverage
    coverage: float | None
    history: tuple[HistoryRow, ...]
    can_edit: bool  # the role edits and the period is not locked
    locked: SnapshotInfo | None = None  # the published version locking the period


def can_edit(scope: Scope) -> bool:
    return scope.role in EDITORS


def _check_period(period: Period) -> None:
    if ".." in period.key:
        raise ValueError("targets are set per year, semester, quarter or month")


async def _values(unit_id: int, period: Period) -> list[dict[str, Any]]:
    rows = await IndicatorValue.select(
        IndicatorValue.id, IndicatorValue.target, IndicatorValue.actual,
        IndicatorValue.indicator.id, IndicatorValue.indicator.code,
        IndicatorValue.indicator.name, IndicatorValue.indicator.direction,
        IndicatorValue.indicator.weight,
    ).where(
        (IndicatorValue.indicator.unit == unit_id) & (IndicatorValue.period == period.key)
    ).order_by(IndicatorValue.indicator.code)
    previous: dict[int, float | None] = {}
    if period.previous is not None and rows:
        for p in await IndicatorValue.select(IndicatorValue.indicator, IndicatorValue.actual).where(
            IndicatorValue.indicator.is_in([r["indicator.id"] for r in rows])
            & (IndicatorValue.period == period.previous)
        ):
            previous[p["indicator"]] = p["actual"]
    for r in rows:
        r["previous_actual"] = previous.get(r["indicator.id"])
    return rows


def _as_wita(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(WITA)


async def unit_targets(scope: Scope, unit_code: str, period: Period,
                       history_limit: int = 50) -> UnitTargets:
    """The unit's indicators for `period` with target, actual, score and the KPI pillar, and
    the newest changes (at most `history_limit`)."""
    unit = await visible_unit(scope, unit_code, READERS)
    _check_period(period)
    values = await _values(unit["id"], period)
    kpis = [Kpi(unit=unit["code"], indicator=v["indicator.code"], target=v["target"],
                actual=v["actual"], direction=v["indicator.direction"],
                weight=v["indicator.weight"], previous_actual=v["previous_actual"])
            for v in values]
    pillar = kpi_pillar(kpis)
    rows = tuple(
        IndicatorRow(
            value_id=v["id"], code=v["indicator.code"], name=v["indicator.name"],
            direction=v["indicator.direction"], weight=v["indicator.weight"],
            target=v["target"], actual=v["actual"], previous_actual=v["previous_actual"],
            score=(None if v["actual"] is None
                   else indicator_score(v["actual"], v["target"], v["indicator.direction"])),
            share=pillar.weights.get(v["indicator.code"]),
            flagged=v["indicator.code"] in pillar.flags,
        )
        for v in values
    )
    history: list[HistoryRow] = []
    if values:
        names = {v["id"]: v["indicator.code"] for v in values}
        for h in await IndicatorAudit.select().where(
            IndicatorAudit.indicator_value.is_in(list(names))
        ).order_by(IndicatorAudit.changed_at, ascending=False).order_by(
            IndicatorAudit.id, ascending=False
        ).limit(history_limit):
            history.append(HistoryRow(
                changed_at=_as_wita(h["changed_at"]), changed_by=h["changed_by"],
                indicator=names[h["indicator_value"]], field=h["field"],
                old=h["old_value"], new=h["new_value"]))
    locked = await lock_of(period.key)
    return UnitTargets(
        unit_id=unit["id"], unit_code=unit["code"], unit_name=unit["name"],
        period_key=period.key, rows=rows, kpi=pillar.value, coverage=pillar.coverage,
        history=tuple(history), can_edit=can_edit(scope) and locked is None, locked=locked,
    )


_PLAIN = re.compile(r"^\d+(?:[.,]\d+)?$")


def parse_actual(text: str) -> float | None:
    """A typed actual: digits with a decimal comma (`12,5`, as Indonesians write) or point
    (`12.5`); blank is "not reported" (None). Raises ValueError with an EntryError code:
    `thousands` for a thousands separator (`1.234`, `1.234,5`: write 1234 or 1234,5; a
    point followed by exactly three digits is refused as ambiguous), `not_a_number`,
    `negative`, `too_large`."""
    value = text.strip().replace(" ", "").replace("\u00a0", "")
    if not value:
        return None
    if len(value) > MAX_TEXT:
        raise ValueError("too_large")
    if value.startswith("-") and _PLAIN.match(value[1:]):
        raise ValueError("negative")
    if re.match(r"^\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?$", value) and (
            value.count(".") + value.count(",") > 1 or re.match(r"^\d{1,3}\.\d{3}$", value)):
        raise ValueError("thousands")
    if not _PLAIN.match(value):
        raise ValueError("not_a_number")
    number = float(value.replace(",", "."))
    if not math.isfinite(number) or number > MAX_ACTUAL:
        raise ValueError("too_large")
    return number


async def enter_actuals(scope: Scope, unit_code: str, period: Period,
                        typed: Mapping[str, str], actor: Actor,
                        now: datetime | None = None) -> list[tuple[str, float | None,
                                                                   float | None]]:
    """Store the actuals typed for the unit's indicators in `period` (indicator code → text;
    indicators left out keep their value; blank clears an actual). All or nothing: any
    invalid value raises EntryRefused with every error, and nothing is written; a locked
    period raises PeriodLocked. Returns the changes (indicator, old, new); an unchanged
    value writes nothing."""
    if scope.role not in EDITORS:
        await visible_unit(scope, unit_code, READERS)  # 404 before 403 for another scope's unit
        raise NotAllowed(scope.role)
    unit = await visible_unit(scope, unit_code, READERS)
    _check_period(period)
    await ensure_unlocked(period.key)
    now = now or datetime.now(UTC)
    values = {v["indicator.code"]: v for v in await _values(unit["id"], period)}
    errors: list[EntryError] = []
    wanted: dict[str, float | None] = {}
    for code, text in typed.items():
        stored = values.get(code)
        if stored is None:
            errors.append(EntryError(code, "unknown"))
            continue
        try:
            number = parse_actual(text)
        except ValueError as exc:
            errors.append(EntryError(code, str(exc)))
            continue
        bound = MAX_TIMES_TARGET * stored["target"]
        if number is not None and number > bound:
            errors.append(EntryError(code, "above_target_bound", bound))
            continue
        wanted[code] = number
    if errors:
        raise EntryRefused(errors)
    changes = [(code, values[code]["actual"], new) for code, new in wanted.items()
               if values[code]["actual"] != new]
    if not changes:
        return []
    async with transaction():
        await ensure_unlocked(period.key)
        for code, old, new in changes:
            value_id = values[code]["id"]
            same = (IndicatorValue.actual.is_null() if old is None
                    else IndicatorValue.actual == old)
            done = await IndicatorValue.update(
                {IndicatorValue.actual: new, IndicatorValue.updated_at: now}
            ).where((IndicatorValue.id == value_id) & same).returning(IndicatorValue.id)
            if not done:
                raise Conflict(code)
            await IndicatorAudit.insert(IndicatorAudit(
                indicator_value=value_id, changed_at=now, changed_by=actor.email[:120],
                field="actual", old_value=old, new_value=new))
            await record(actor, AUDIT_ACTION, AUDIT_OBJECT,
                         f"{unit['code']}/{code}/{period.key}",
                         old={"actual": old}, new={"actual": new}, at=now)
    return changes
