"""What a staff member may see. Enforced in the queries: feedback functions that read
dashboards take a Scope and return nothing outside it (the web then answers 404).

| role    | scope   | sees                                                  |
|---------|---------|-------------------------------------------------------|
| officer | counter | the aggregate of their own counter only               |
| unit    | unit    | their unit and its counters                           |
| agency  | agency  | every unit (and counter) of their agency              |
| city    | —       | everything                                            |
| admin   | —       | no dashboards: manages users and the organisation     |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLES = ("officer", "unit", "agency", "city", "admin")
# The kind of organisation item a role's scope names (None: no scope).
SCOPE_KIND = {"officer": "counter", "unit": "unit", "agency": "agency", "city": None,
              "admin": None}


@dataclass(frozen=True)
class Scope:
    role: str
    counter_id: int | None = None
    unit_id: int | None = None
    agency_id: int | None = None

    @property
    def everything(self) -> bool:
        """Sees every agency, unit and counter (the city role)."""
        return self.role == "city"

    def can_see_agency(self, agency_id: int | None) -> bool:
        if self.everything:
            return True
        return self.role == "agency" and agency_id is not None and agency_id == self.agency_id

    def can_see_unit(self, unit_id: int | None, agency_id: int | None) -> bool:
        if self.everything:
            return True
        if self.role == "agency":
            return agency_id is not None and agency_id == self.agency_id
        if self.role == "unit":
            return unit_id is not None and unit_id == self.unit_id
        return False

    def can_see_counter(self, counter_id: int | None, unit_id: int | None,
                        agency_id: int | None) -> bool:
        if self.role == "officer":
            return counter_id is not None and counter_id == self.counter_id
        return self.can_see_unit(unit_id, agency_id)

    # Query helpers -------------------------------------------------------------------
    def unit_where(self, unit_id_column: Any, agency_id_column: Any) -> Any:
        """A Piccolo where-clause limiting rows to the units this scope sees, given the
        columns holding a unit id and its agency id (e.g. `Unit.id, Unit.agency`, or
        `Response.unit, Response.unit.agency`); None when nothing is excluded (city).
        Officers and admins see no unit: the clause matches nothing."""
        if self.everything:
            return None
        if self.role == "agency" and self.agency_id is not None:
            return agency_id_column == self.agency_id
        if self.role == "unit" and self.unit_id is not None:
            return unit_id_column == self.unit_id
        return unit_id_column == -1

    def counter_where(self, counter_id_column: Any, unit_id_column: Any,
                      agency_id_column: Any) -> Any:
        """Like `unit_where` for counters: an officer sees their own counter."""
        if self.role == "officer" and self.counter_id is not None:
            return counter_id_column == self.counter_id
        return self.unit_where(unit_id_column, agency_id_column)

    def unit_ids_sql(self, unit_column: str = "unit", agency_column: str | None = None
                     ) -> tuple[str, list[int]]:
        """The same limit as SQL text with `?` placeholders (feedback.sql style) and its
        arguments, e.g. `("unit" = ?, [7])`; `("1 = 1", [])` for the city. An agency scope
        needs the agency column (e.g. a joined `unit.agency`)."""
        if self.everything:
            return "1 = 1", []
        if self.role == "agency" and self.agency_id is not None:
            if agency_column is None:
                raise ValueError("an agency scope needs the agency column")
            return f"{agency_column} = ?", [self.agency_id]
        if self.role == "unit" and self.unit_id is not None:
            return f"{unit_column} = ?", [self.unit_id]
        return "1 = 0", []
