"""The city's thresholds of the advisory organisational predicate: read the current ones (the
defaults of scoring.predicate while the city never set any) and change them, audited.

A change is typed as text (a city user's form): each bound digits with a decimal comma or
point and at most 2 decimals, within 0–100, the four strictly descending. Anything else is
refused with a code per field and nothing is written. A change names the version it was
made from (the id of the current row, 0 for the defaults); when another change was stored
meanwhile it is refused (`Stale`), never silently overwritten.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from feedback.accounts.audit import Actor, record
from feedback.engine import is_integrity_error, transaction
from feedback.performance.predicate_tables import PredicateThresholds
from scoring.predicate import BOUNDED, DEFAULT_THRESHOLDS, Thresholds, check_thresholds

AUDIT_ACTION = "predicate_thresholds_change"
AUDIT_OBJECT = "predicate_thresholds"
AUDIT_KEY = "city"
MAX_TEXT = 20
_NUMBER = re.compile(r"^(-?)(\d+)(?:[.,](\d+))?$")


@dataclass(frozen=True)
class Current:
    thresholds: Thresholds
    version: int  # id of the current row; 0 = the defaults (never set)
    set_by: str | None
    set_at: datetime | None

    @property
    def is_default(self) -> bool:
        return self.version == 0


class Refused(ValueError):
    """Bad input: `errors` maps a predicate code (or "version") to a problem code:
    `missing`, `not_a_number`, `too_many_decimals`, `out_of_range`, `not_descending`."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class Stale(RuntimeError):
    """Someone changed the thresholds after the form was opened: nothing was written."""


def parse_bound(text: str) -> float:
    """A typed bound: `90`, `72,5` or `72.5` (at most 2 decimals). Raises ValueError with a
    code: `missing`, `not_a_number`, `too_many_decimals`, `out_of_range` (negative or above
    100)."""
    value = text.strip().replace(" ", "").replace("\u00a0", "")
    if not value:
        raise ValueError("missing")
    found = _NUMBER.match(value) if len(value) <= MAX_TEXT else None
    if found is None:
        raise ValueError("not_a_number")
    sign, whole, fraction = found.groups()
    fraction = fraction or ""
    if len(fraction) > 2:  # also 1.000: a thousands separator or three decimals
        raise ValueError("too_many_decimals")
    number = float(f"{whole}.{fraction or '0'}")
    if sign and number > 0:
        raise ValueError("out_of_range")
    if number > 100:
        raise ValueError("out_of_range")
    return 0.0 if sign else number


def parse(typed: Mapping[str, str]) -> Thresholds:
    """Four typed bounds (keys: the predicate codes of scoring.predicate.BOUNDED). Raises
    Refused with every problem found."""
    errors: dict[str, str] = {}
    values: dict[str, float] = {}
    for name in BOUNDED:
        try:
            values[name] = parse_bound(typed.get(name) or "")
        except ValueError as exc:
            errors[name] = str(exc)
    if not errors:
        for name, code in check_thresholds([values[n] for n in BOUNDED]):
            errors.setdefault(name or BOUNDED[0], code)
    if errors:
        raise Refused(errors)
    return Thresholds(**values)


def _current(row: dict | None) -> Current:
    if row is None:
        return Current(DEFAULT_THRESHOLDS, 0, None, None)
    return Current(Thresholds(row["istimewa"], row["baik"], row["butuh_perbaikan"],
                              row["kurang"]),
                   row["id"], row["set_by"], row["set_at"])


async def current() -> Current:
    """The thresholds in force: the newest stored version, or the defaults."""
    row = await PredicateThresholds.select().order_by(
        PredicateThresholds.id, ascending=False).first()
    return _current(row)


async def change(actor: Actor, thresholds: Thresholds, version: int,
                 at: datetime | None = None) -> tuple[Current, bool]:
    """Store `thresholds` as the city's, made from `version` (the form's), with an audit row
    (old and new values) in the same transaction. Returns the thresholds in force and
    whether anything changed (unchanged values write nothing). Raises Stale when `version`
    is not the current one, or another change is stored at the same moment."""
    now = at or datetime.now(UTC)
    try:
        async with transaction():
            before = await current()
            if before.version != version:
                raise Stale("the thresholds were changed meanwhile")
            if before.thresholds == thresholds:
                return before, False
            row = PredicateThresholds(
                **thresholds.as_dict(), replaces=version, set_by=actor.email[:254],
                set_by_id=actor.id, set_at=now)
            await row.save()
            await record(actor, AUDIT_ACTION, AUDIT_OBJECT, AUDIT_KEY,
                         old={**before.thresholds.as_dict(), "version": before.version,
                              "default": before.is_default},
                         new={**thresholds.as_dict(), "version": row.id}, at=now)
    except Stale:
        raise
    except Exception as exc:  # the unique `replaces`: a concurrent change from the same version
        if is_integrity_error(exc):
            raise Stale("the thresholds were changed meanwhile") from exc
        raise
    return await current(), True
