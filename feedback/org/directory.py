"""The public directory: agencies, their units and counters, with citizen URLs."""

from __future__ import annotations

from typing import Any

import msgspec

from feedback.tables import Agency, Counter, Unit


class CounterEntry(msgspec.Struct):
    code: str
    name: str
    kiosk: bool
    url: str
    kiosk_url: str


class UnitEntry(msgspec.Struct):
    code: str
    name: str
    peer_group: str
    kecamatan: str | None
    counters: list[CounterEntry]


class AgencyEntry(msgspec.Struct):
    code: str
    name: str
    units: list[UnitEntry]


class Directory(msgspec.Struct):
    agencies: list[AgencyEntry]


async def load(public_url: str) -> Directory:
    """Three queries, whatever the size of the organisation."""
    agencies = await Agency.select(Agency.id, Agency.code, Agency.name).order_by(Agency.name)
    units = await Unit.select(
        Unit.id, Unit.code, Unit.name, Unit.agency, Unit.peer_group, Unit.kecamatan
    ).where(Unit.active == True).order_by(Unit.name)  # noqa: E712
    counters = await (
        Counter.select(Counter.code, Counter.name, Counter.unit, Counter.is_kiosk)
        .where(Counter.active == True)  # noqa: E712
        .order_by(Counter.name)
    )
    by_unit: dict[int, list[CounterEntry]] = {}
    for c in counters:
        by_unit.setdefault(c["unit"], []).append(CounterEntry(
            code=c["code"], name=c["name"], kiosk=c["is_kiosk"],
            url=f"{public_url}/s/{c['code']}", kiosk_url=f"{public_url}/k/{c['code']}",
        ))
    by_agency: dict[int, list[UnitEntry]] = {}
    for u in units:
        by_agency.setdefault(u["agency"], []).append(UnitEntry(
            code=u["code"], name=u["name"], peer_group=u["peer_group"],
            kecamatan=u["kecamatan"], counters=by_unit.get(u["id"], []),
        ))
    return Directory(agencies=[
        AgencyEntry(code=a["code"], name=a["name"], units=by_agency.get(a["id"], []))
        for a in agencies
    ])


async def unit_by_code(code: str) -> dict[str, Any] | None:
    if len(code) > 40:
        return None
    return await Unit.select(Unit.id, Unit.code, Unit.name).where(Unit.code == code).first()


async def counters_for_posters(unit_code: str | None = None) -> list[dict[str, Any]]:
    query = Counter.select(
        Counter.code, Counter.name, Counter.unit.code, Counter.unit.name,
        Counter.unit.agency.name,
    ).where((Counter.active == True) & (Counter.unit.active == True))  # noqa: E712
    if unit_code:
        query = query.where(Counter.unit.code == unit_code)
    return await query.order_by(Counter.unit.agency.name).order_by(Counter.unit.name).order_by(
        Counter.name)
