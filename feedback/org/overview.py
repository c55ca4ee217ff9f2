"""The agencies a staff scope sees, with how many units and counters each has (the city's
list of agencies, until the city view replaces it)."""

from __future__ import annotations

from dataclasses import dataclass

from feedback.accounts.scope import Scope
from feedback.tables import Agency, Counter, Unit


@dataclass(frozen=True)
class AgencyRow:
    code: str
    name: str
    units: int  # active units
    counters: int  # active counters of active units


async def agencies_overview(scope: Scope) -> list[AgencyRow]:
    agencies = await Agency.select(Agency.id, Agency.code, Agency.name).order_by(Agency.name)
    units = await Unit.select(Unit.id, Unit.agency).where(Unit.active.eq(True))
    counters = await Counter.select(Counter.unit).where(Counter.active.eq(True))
    agency_of = {u["id"]: u["agency"] for u in units}
    unit_count: dict[int, int] = {}
    for u in units:
        unit_count[u["agency"]] = unit_count.get(u["agency"], 0) + 1
    counter_count: dict[int, int] = {}
    for c in counters:
        agency = agency_of.get(c["unit"])
        if agency is not None:
            counter_count[agency] = counter_count.get(agency, 0) + 1
    return [
        AgencyRow(code=a["code"], name=a["name"], units=unit_count.get(a["id"], 0),
                  counters=counter_count.get(a["id"], 0))
        for a in agencies if scope.can_see_agency(a["id"])
    ]
