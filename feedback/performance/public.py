"""What the public sees: figures of published snapshots only (never live data, comments or
anything about a single response).

Every figure comes from a stored snapshot's score result (`feedback.performance.snapshots`),
so a published version reads the same forever. Privacy: the number of counted responses `n`
is always shown, but the IKM, grade, element NRRs, index and rank of a unit with fewer than
`min_group` responses (SUARA_MIN_GROUP) are withheld ("suppressed", reason `small_group`).
So are a unit's figures in a snapshot whose count differs by 1 to `min_group` − 1 from the
unit's shown count in a snapshot published before it for a nested period (the same period,
a period inside it or around it: 2026-Q1 and 2026-S1, or two versions of 2026-S1), because
subtracting the two would reveal the few responses in between (reason `difference`; the
same rule as the live API's whole-month rule). The check looks only at earlier snapshots,
so what a published version shows never changes afterwards. An agency's figures are built
from its shown units only (so no withheld unit can be recovered by subtraction), and its
index and rank are withheld when one of its units that has an index is withheld.

The agency IKM shown to the public is the n-weighted mean of its shown units' IKMs (the
snapshot stores per-unit figures, not the pooled answers): it equals the pooled official IKM
when every respondent answered every element.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from feedback.performance import periods
from feedback.performance import snapshots as store
from feedback.performance.snapshots import Snapshot, SnapshotInfo
from feedback.tables import Agency, Counter
from scoring.ikm import ELEMENTS, grade
from scoring.result import AgencyScore, ScoreResult, UnitScore

TREND_PERIODS = 6  # published periods of the same kind in a trend, this one included


def kind(period_key: str) -> str:
    """year, semester, quarter or month."""
    if len(period_key) == 4:
        return "year"
    part = period_key[5:]
    return "semester" if part.startswith("S") else "quarter" if part.startswith("Q") else "month"


def valid_key(period_key: str) -> bool:
    """A year, semester, quarter or month key (the only periods that can be published)."""
    if len(period_key) > 7 or ".." in period_key:
        return False
    try:
        return periods.parse(period_key).key == period_key
    except ValueError:
        return False


@dataclass(frozen=True)
class TrendPoint:
    period: str
    n: int | None  # None: the unit was not in that period's snapshot
    ikm: float | None  # None when suppressed or absent
    grade: str | None
    withheld: str | None = None  # small_group | difference


@dataclass(frozen=True)
class PublicUnit:
    code: str
    name: str
    agency: str
    agency_name: str
    peer_group: str | None
    n: int
    status: str
    suppressed: bool
    ikm: float | None
    grade: str | None
    nrr: dict[str, float | None]  # per element code, in the regulation's order
    index: float | None
    rank: int | None
    rank_low: int | None
    rank_high: int | None
    trend: tuple[TrendPoint, ...] = ()
    withheld: str | None = None  # why suppressed: small_group | difference


@dataclass(frozen=True)
class PublicAgency:
    code: str
    name: str
    n: int  # all its units' responses
    units: tuple[PublicUnit, ...]
    shown_units: int  # units whose figures are shown
    shown_n: int  # responses of those units
    ikm: float | None  # n-weighted mean IKM of the shown units
    grade: str | None
    suppressed: bool  # no unit of it is shown
    index: float | None
    rank: int | None
    rank_low: int | None
    rank_high: int | None
    index_suppressed: bool
    trend: tuple[TrendPoint, ...] = ()


@dataclass(frozen=True)
class PublicPeriod:
    info: SnapshotInfo
    min_group: int
    agencies: tuple[PublicAgency, ...]
    n_ranked: int  # ranked units in the city (the N of "between 3rd and 6th of N")

    @property
    def units(self) -> list[PublicUnit]:
        return [u for a in self.agencies for u in a.units]

    def unit(self, code: str) -> PublicUnit | None:
        return next((u for u in self.units if u.code == code), None)

    def agency(self, code: str) -> PublicAgency | None:
        return next((a for a in self.agencies if a.code == code), None)


def unit_figures(u: UnitScore, min_group: int, blocked: bool = False) -> PublicUnit:
    """A unit's public figures from the snapshot; withheld below `min_group`, or when
    `blocked` (its difference from an earlier publication is a small group)."""
    withheld = "small_group" if u.n < min_group else "difference" if blocked else None
    hidden = withheld is not None
    return PublicUnit(
        code=u.unit, name=u.name or u.unit, agency=u.agency or "",
        agency_name=u.agency_name or u.agency or "", peer_group=u.peer_group, n=u.n,
        status=u.status, suppressed=hidden,
        ikm=None if hidden else u.ikm, grade=None if hidden else u.grade,
        nrr={code: None if hidden or code not in u.elements else u.elements[code].nrr
             for code in ELEMENTS},
        index=None if hidden else u.index, rank=None if hidden else u.rank,
        rank_low=None if hidden else u.rank_interval.low,
        rank_high=None if hidden else u.rank_interval.high, withheld=withheld,
    )


def _pooled(units: list[PublicUnit]) -> tuple[float | None, int]:
    shown = [u for u in units if not u.suppressed and u.ikm is not None and u.n > 0]
    total = sum(u.n for u in shown)
    if not total:
        return None, 0
    return sum(u.n * u.ikm for u in shown if u.ikm is not None) / total, total


def _agency(code: str, name: str, units: list[PublicUnit], score: AgencyScore | None,
            raw: list[UnitScore]) -> PublicAgency:
    ikm, shown_n = _pooled(units)
    # The agency index is a mean over its units' indexes: withheld when a unit with an index
    # is withheld, else that unit's index could be recovered.
    hidden = {u.code for u in units if u.suppressed}
    index_hidden = any(r.unit in hidden and r.index is not None for r in raw)
    index = None if score is None or index_hidden else score.index
    return PublicAgency(
        code=code, name=name, n=sum(u.n for u in units), units=tuple(units),
        shown_units=sum(not u.suppressed for u in units), shown_n=shown_n, ikm=ikm,
        grade=None if ikm is None else grade(ikm), suppressed=ikm is None,
        index=index, rank=None if index is None or score is None else score.rank,
        rank_low=None if index is None or score is None else score.rank_interval.low,
        rank_high=None if index is None or score is None else score.rank_interval.high,
        index_suppressed=index_hidden,
    )


Blocked = frozenset[str] | set[str]  # units withheld for their difference (`blocked_units`)


def from_result(info: SnapshotInfo, result: ScoreResult, min_group: int,
                earlier: list[tuple[str, ScoreResult, Blocked]] | None = None,
                blocked: Blocked = frozenset()) -> PublicPeriod:
    """The public view of one snapshot (`blocked`: its units withheld for their difference
    from an earlier publication); `earlier` (oldest first) are the results of the earlier
    published periods of the same kind with their blocked units, for the trends."""
    min_group = max(1, min_group)
    history = [*(earlier or []), (info.period, result, blocked)]
    unit_trend: dict[str, list[TrendPoint]] = {}
    agency_trend: dict[str, list[TrendPoint]] = {}
    for key, res, res_blocked in history:
        by_unit = {u.unit: unit_figures(u, min_group, u.unit in res_blocked)
                   for u in res.units}
        for u in result.units:
            p = by_unit.get(u.unit)
            unit_trend.setdefault(u.unit, []).append(
                TrendPoint(key, None, None, None) if p is None
                else TrendPoint(key, p.n, p.ikm, p.grade, p.withheld))
        grouped: dict[str, list[PublicUnit]] = {}
        for p in by_unit.values():
            grouped.setdefault(p.agency, []).append(p)
        for code, members in grouped.items():
            ikm, _n = _pooled(members)
            agency_trend.setdefault(code, []).append(TrendPoint(
                key, sum(m.n for m in members), ikm, None if ikm is None else grade(ikm),
                None if ikm is not None else "small_group" if all(
                    m.withheld != "difference" for m in members) else "difference"))
    scores = {a.agency: a for a in result.agencies}
    grouped_units: dict[str, list[UnitScore]] = {}
    for u in result.units:
        grouped_units.setdefault(u.agency or "", []).append(u)
    agencies = []
    for code, raw in grouped_units.items():
        units = [unit_figures(u, min_group, u.unit in blocked) for u in raw]
        units = [replace(p, trend=tuple(unit_trend[p.code])) for p in units]
        units.sort(key=lambda p: p.name)
        score = scores.get(code)
        name = (score.name if score and score.name else None) or units[0].agency_name
        agency = _agency(code, name, units, score, raw)
        agencies.append(replace(agency, trend=_fill(agency_trend.get(code, []),
                                                    [k for k, _r, _b in history])))
    agencies.sort(key=lambda a: a.name)
    return PublicPeriod(info=info, min_group=min_group, agencies=tuple(agencies),
                        n_ranked=result.city.n_ranked)


def _fill(points: list[TrendPoint], keys: list[str]) -> tuple[TrendPoint, ...]:
    """One point per period key (an agency absent from a period has an empty point)."""
    by_key = {p.period: p for p in points}
    return tuple(by_key.get(k, TrendPoint(k, None, None, None)) for k in keys)


async def published() -> list[SnapshotInfo]:
    """The latest version of every published period, periods ending last first."""
    return await store.published_periods()


async def snapshot(period_key: str | None, version: int | None = None) -> Snapshot | None:
    """A published snapshot: the given version, or the latest version of the period, or
    (without a period) the latest version of the period published that ends last."""
    if period_key is None:
        infos = await store.published_periods()
        if not infos:
            return None
        period_key = infos[0].period
    if not valid_key(period_key):
        return None
    if version is None:
        return await store.latest(period_key)
    return await store.get(period_key, version)


async def load(period_key: str | None, min_group: int) -> PublicPeriod | None:
    """The public view of a period's latest published version (None if not published),
    with trends over the earlier published periods of the same kind."""
    snap = await snapshot(period_key)
    if snap is None:
        return None
    this = snap.info
    earlier_infos = sorted(
        (i for i in await store.published_periods()
         if kind(i.period) == kind(this.period) and i.period_to < this.period_from),
        key=lambda i: i.period_from)[-(TREND_PERIODS - 1):]
    # every snapshot shown (trend included) with the units its own page withholds
    blocked = await blocked_units(max([this, *earlier_infos], key=lambda i: i.id), min_group)
    earlier = []
    for info in earlier_infos:
        other = await store.get(info.period, info.version)
        if other is not None:
            earlier.append((info.period, other.result, blocked.get(info.id, set())))
    return from_result(this, snap.result, min_group, earlier, blocked.get(this.id, set()))


# Unit counts of each snapshot, by (id, result digest): a snapshot never changes.
_COUNTS: dict[tuple[int, str], dict[str, int]] = {}


async def _counts(info: SnapshotInfo) -> dict[str, int]:
    key = (info.id, info.result_digest)
    if key not in _COUNTS:
        snap = await store.get(info.period, info.version)
        _COUNTS[key] = {} if snap is None else {u.unit: u.n for u in snap.result.units}
    return _COUNTS[key]


def _nested(a: SnapshotInfo, b: SnapshotInfo) -> bool:
    """One period lies within the other (calendar periods are nested or disjoint)."""
    return (a.period_from <= b.period_from and b.period_to <= a.period_to) or (
        b.period_from <= a.period_from and a.period_to <= b.period_to)


async def blocked_units(upto: SnapshotInfo, min_group: int) -> dict[int, set[str]]:
    """For every snapshot published up to `upto` (by id), the units whose figures are
    withheld because their count differs by 1 to `min_group` − 1 from the count the public
    saw for them in an earlier snapshot of a nested period (see the module's docstring).
    Depends only on snapshots published before each one, so the answer for a snapshot never
    changes."""
    min_group = max(1, min_group)
    infos = sorted((i for i in await store.versions() if i.id <= upto.id), key=lambda i: i.id)
    shown_before: list[tuple[SnapshotInfo, dict[str, int]]] = []
    out: dict[int, set[str]] = {}
    for info in infos:
        counts = await _counts(info)
        nested = [shown for other, shown in shown_before if _nested(info, other)]
        blocked = {unit for unit, n in counts.items() if n >= min_group and any(
            unit in shown and 0 < abs(n - shown[unit]) < min_group for shown in nested)}
        out[info.id] = blocked
        shown_before.append((info, {unit: n for unit, n in counts.items()
                                    if n >= min_group and unit not in blocked}))
    return out


async def invitation_counter(unit_code: str) -> str | None:
    """The counter whose survey a waiting-room screen invites to: the unit's first active
    counter that is not a kiosk (a kiosk's own screen is at the counter), else its first."""
    rows = await Counter.select(Counter.code, Counter.is_kiosk).where(
        (Counter.unit.code == unit_code) & (Counter.active == True)  # noqa: E712
        & (Counter.unit.active == True)).order_by(Counter.code)  # noqa: E712
    rows.sort(key=lambda r: r["is_kiosk"])
    return rows[0]["code"] if rows else None


async def agency_exists(code: str) -> bool:
    return len(code) <= 40 and await Agency.exists().where(Agency.code == code)
