"""Who may see and act on a case, and the receipt as typed in a path (see
`feedback.cases.work` for the steps).

Who may act (`allowed_steps`): a user whose scope covers the case's handling unit (the unit
role of that unit, the agency role of its agency, city and admin). Escalation lifts a case
to a higher level's attention without taking the work from the unit, so:

* verify and reply: everyone who covers the case, at any level (the unit does the work);
* forward, escalate and close: only at or above the case's level (`unit` < `agency` <
  `city` = `admin`): once a case was escalated to the agency, the unit can no longer close
  it, send it elsewhere or escalate it again; the agency (or the city) decides;
* forward: the unit and agency roles within their own agency, city and admin anywhere;
* close: `invalid` or `duplicate` only while the case is still `open` (closed at
  verification, no follow-up owed: follow_up_due is cleared); `resolved`,
  `not_resolved`, `invalid` or `duplicate` once verified; `no_reply` is the sweep's.
"""

from __future__ import annotations

from typing import Any

from feedback.accounts.scope import Scope
from feedback.cases.tables import LEVELS, CaseFile
from feedback.survey.receipts import RECEIPT_ALPHABET, RECEIPT_LENGTH

STAFF_ROLES = ("unit", "agency", "city", "admin")  # officers have no access to cases
ROLE_LEVEL = {"unit": 0, "agency": 1, "city": 2, "admin": 2}
LEVEL_RANK = {level: i for i, level in enumerate(LEVELS)}
STAFF_OUTCOMES = ("resolved", "not_resolved", "invalid", "duplicate")
OPEN_OUTCOMES = ("invalid", "duplicate")  # closing a case that was never verified


def normalise_receipt(raw: Any) -> str | None:
    """`ABCD-EF23` or `abcdef23` → `ABCDEF23`; None when it is not a receipt code."""
    code = raw.strip().upper() if isinstance(raw, str) else ""
    if len(code) == RECEIPT_LENGTH + 1 and code[RECEIPT_LENGTH // 2] == "-":
        code = code.replace("-", "", 1)
    if len(code) != RECEIPT_LENGTH or any(ch not in RECEIPT_ALPHABET for ch in code):
        return None
    return code


def covers(scope: Scope, unit_id: int, agency_id: int) -> bool:
    """The user's scope covers a case (or a plan) of this unit (of this agency): the
    dashboards' rule, with the administrator seeing everything as the city does."""
    return scope.role == "admin" or scope.can_see_unit(unit_id, agency_id)


def scope_where(scope: Scope) -> Any:
    """A where-clause on case_file limiting to the user's cases; None for city/admin."""
    if scope.role in ("city", "admin"):
        return None
    if scope.role == "agency" and scope.agency_id is not None:
        return CaseFile.agency_id == scope.agency_id
    if scope.role == "unit" and scope.unit_id is not None:
        return CaseFile.unit_id == scope.unit_id
    return CaseFile.id == -1


def outcomes_for(status: str) -> tuple[str, ...]:
    """The outcomes staff may close a case with in this status."""
    if status == "open":
        return OPEN_OUTCOMES
    if status in ("verified", "answered"):
        return STAFF_OUTCOMES
    return ()


def _at_level(scope: Scope, level: str) -> bool:
    return ROLE_LEVEL.get(scope.role, -1) >= LEVEL_RANK[level]


def allowed_steps(scope: Scope, case: dict[str, Any]) -> tuple[str, ...]:
    """The steps this user may take on the case now (the detail page shows their forms)."""
    if not covers(scope, case["unit_id"], case["agency_id"]) or case["status"] == "closed":
        return ()
    steps = []
    if case["status"] == "open":
        steps.append("verify")
    if case["status"] in ("open", "verified"):
        steps.append("reply")
    if _at_level(scope, case["level"]):
        steps.append("forward")
        if case["level"] != LEVELS[-1]:
            steps.append("escalate")
        steps.append("close")
    return tuple(steps)


def may_see_contact(scope: Scope, case: dict[str, Any]) -> bool:
    """Only the unit handling the case sees the citizen's contact (UU PDP: purpose)."""
    return (scope.role == "unit" and scope.unit_id is not None
            and case["unit_id"] == scope.unit_id)
