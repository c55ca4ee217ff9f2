"""The target lock of a published period, as the writers of targets and actuals see it.

While a period's latest snapshot version is published and not unlocked
(`snapshots.is_locked`), its targets and actuals are not changed by anyone: the unit's web
form, the city's corrections and `suara kpis` are refused with PeriodLocked. A city user
unlocks the period with a reason (`snapshots.unlock`, audited; the page
`/staf/kota/terbitan`); publishing the next version locks it again.
"""

from __future__ import annotations

from feedback.performance import snapshots
from feedback.performance.snapshots import SnapshotInfo

UNLOCK_PAGE = "/staf/kota/terbitan"


class PeriodLocked(RuntimeError):
    """The period is published: its targets and actuals are locked."""

    def __init__(self, info: SnapshotInfo) -> None:
        super().__init__(
            f"{info.period} is published (version {info.version}): its targets and actuals "
            f"are locked; a city government user can unlock it with a reason at "
            f"{UNLOCK_PAGE} (or: suara publish --unlock --period {info.period} --reason ...)")
        self.info = info

    @property
    def period(self) -> str:
        return self.info.period

    @property
    def version(self) -> int:
        return self.info.version


async def lock_of(period_key: str) -> SnapshotInfo | None:
    """The published version that locks the period, or None when it is not locked."""
    if not await snapshots.is_locked(period_key):
        return None
    return (await snapshots.versions(period_key))[0]


async def ensure_unlocked(period_key: str) -> None:
    """Raise PeriodLocked while the period is locked."""
    info = await lock_of(period_key)
    if info is not None:
        raise PeriodLocked(info)
