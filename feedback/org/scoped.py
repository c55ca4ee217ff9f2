"""A unit as a staff member may see it: the one check the staff unit pages share (comments,
targets). Another scope's unit and an unknown one look the same (NotFound)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from feedback.accounts.scope import Scope
from feedback.tables import Unit


class NotFound(LookupError):
    """The unit does not exist or is outside the viewer's scope (indistinguishable)."""


class NotAllowed(PermissionError):
    """The viewer's role may not use this page at all."""


async def visible_unit(scope: Scope, unit_code: str, roles: Collection[str]) -> dict[str, Any]:
    """The unit row (id, code, name, agency) if `scope`'s role is one of `roles` and the scope
    covers the unit. Raises NotAllowed (wrong role) or NotFound."""
    if scope.role not in roles:
        raise NotAllowed(scope.role)
    row = await Unit.select(Unit.id, Unit.code, Unit.name, Unit.agency).where(
        Unit.code == unit_code).first()
    if row is None or not scope.can_see_unit(row["id"], row["agency"]):
        raise NotFound(unit_code)
    return row
