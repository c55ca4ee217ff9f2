"""Which published snapshot a report of a period corresponds to, and whether the live
figures still equal it (feedback.performance.snapshots: the latest version of the period is
what the public sees)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from feedback.clock import WITA
from feedback.performance import snapshots
from feedback.performance.periods import Period

# Two IKMs are the same figure when they agree to this (they come from the same counts;
# only the order of floating-point additions can differ).
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Publication:
    version: int
    published_at: datetime  # WITA
    published_ikm: float | None  # the unit's IKM in the snapshot (unit reports)
    # Units (codes) whose live IKM or n differs from the snapshot: data changed after
    # publishing. For a unit report, the unit itself.
    changed: tuple[str, ...]

    @property
    def matches(self) -> bool:
        return not self.changed


async def publication_of(period: Period, scope_kind: str, code: str | None, live_ikm: float,
                         unit_codes: Sequence[str] | None,
                         live_units: dict[str, tuple[int, float | None]] | None = None
                         ) -> Publication | None:
    """The latest published snapshot of `period` (None when it was never published, or
    for a range of days). For a unit, compares `live_ikm` with the snapshot's IKM of the
    unit; for an agency or the city, `live_units` (code → (n, IKM)) with the snapshot's
    units."""
    if ".." in period.key:
        return None
    snapshot = await snapshots.latest(period.key)
    if snapshot is None:
        return None
    by_code = {u.unit: u for u in snapshot.result.units}
    at = snapshot.info.published_at.astimezone(WITA)
    if scope_kind == "unit":
        published = by_code.get(code or "")
        ikm = None if published is None else published.ikm
        same = ikm is not None and abs(ikm - live_ikm) <= TOLERANCE
        return Publication(snapshot.info.version, at, ikm, () if same else (code or "",))
    changed = []
    for unit, (n, ikm) in sorted((live_units or {}).items()):
        if unit_codes is not None and unit not in unit_codes:
            continue
        published = by_code.get(unit)
        if published is None:
            if n:
                changed.append(unit)
            continue
        if published.n != n or (published.ikm is None) != (ikm is None) or (
                ikm is not None and published.ikm is not None
                and abs(published.ikm - ikm) > TOLERANCE):
            changed.append(unit)
    return Publication(snapshot.info.version, at, None, tuple(changed))
