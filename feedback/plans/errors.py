"""Why a follow-up plan change was refused; `code` names the reason (tests, and the web's
message in the user's language)."""

from __future__ import annotations

from typing import Any


class PlanError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class NotFound(PlanError):
    """No such unit, plan or action within the user's scope (indistinguishable): 404."""


class NotAllowed(PlanError):
    """The user's role may not do this: 403."""


class WrongState(PlanError):
    """The plan (or action) is not, or no longer, in a state that allows the change: 409."""


class Invalid(PlanError):
    """Bad input: nothing written. `fields` maps a form field to its error code."""

    def __init__(self, code: str, fields: dict[str, str] | None = None, **params: Any) -> None:
        super().__init__(code, **params)
        self.fields = fields or {}
