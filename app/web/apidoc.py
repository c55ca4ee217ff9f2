"""What the OpenAPI document says about each public operation beyond what Litestar derives
from the handler: every error status it can answer, each with the real body (`ErrorOut`, also
for Litestar's own validation 400s, which app.web.main reshapes into it), `Retry-After` on
429 and 503, and parameter constraints Litestar leaves out of the document. Checked against
the running app by tests/test_schemathesis.py."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation


class FieldProblem(msgspec.Struct):
    field: str
    code: str
    message: str


class ErrorOut(msgspec.Struct):
    """Every error of the JSON API: a stable `error` code, a `message` for people (Indonesian,
    or English with `Accept-Language: en`), and the fields at fault, if any."""

    error: str
    message: str
    fields: list[FieldProblem] = msgspec.field(default_factory=list)


class HealthOut(msgspec.Struct):
    """The body of GET /health (app.web.main.health), 200 and 503 alike."""

    status: Literal["ok", "unavailable"]
    database: Literal["up", "down"]
    writer: Literal["idle", "running", "dead"]


# Statuses every operation can answer whatever its parameters.
BAD_REQUEST = "Malformed request: a parameter or the body does not match this document " \
              "(`invalid_body`; `fields` names each one)"
UNAVAILABLE = "The database cannot be reached right now (`unavailable`); try again after " \
              "`Retry-After` seconds"

_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before sending again",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}


def error_responses(errors: dict[int, str]) -> dict[int, ResponseSpec]:
    """The `responses` of a route handler: each status with an ErrorOut body."""
    return {status: ResponseSpec(ErrorOut, description=text, generate_examples=False)
            for status, text in errors.items()}


def documented(parameters: dict[str, dict[str, Any]] | None = None,
               binary: bool = False) -> type[Operation]:
    """An `operation_class` for a route handler: `Retry-After` documented on its 429 and 503
    answers, and `parameters` (name → JSON Schema keywords) merged into the parameters'
    schemas (Litestar leaves out e.g. `minimum: 0` of an optional integer). `binary`: the
    success body is bytes of its media type (an image), not text."""

    class DocumentedOperation(Operation):
        def to_schema(self) -> dict[str, Any]:
            schema = super().to_schema()
            for status, response in schema.get("responses", {}).items():
                if binary and status.startswith("2"):
                    for media_type, content in response.get("content", {}).items():
                        content["schema"] = {"type": "string", "contentMediaType": media_type}
                if status in ("429", "503"):
                    response["headers"] = dict(_RETRY_AFTER)
                elif "headers" in response and not response["headers"]:
                    del response["headers"]
            for parameter in schema.get("parameters", []):
                extra = (parameters or {}).get(parameter["name"])
                if extra:
                    parameter["schema"].update(extra)
            return schema

    return DocumentedOperation


def validation_fields(exc: Exception, handler: Any = None) -> list[FieldProblem]:
    """The `fields` of Litestar's validation 400 (its `extra`: one entry per parameter or
    body field at fault, with msgspec's message), for the ErrorOut body. A parameter is named
    as in the request and the document (`round`), not by its Python name (`round_to`)."""
    extra = getattr(exc, "extra", None)
    if not isinstance(extra, list):
        return []
    return [FieldProblem(field=_public_name(handler, str(item.get("key") or "")) or
                         str(item.get("source") or "body"),
                         code="invalid", message=str(item.get("message", "")))
            for item in extra if isinstance(item, dict)]


def _public_name(handler: Any, key: str) -> str:
    try:
        parameter = handler.parsed_fn_signature.parameters.get(key)
    except AttributeError:
        return key
    definition = getattr(parameter, "kwarg_definition", None)
    for alias in ("query", "header", "cookie", "name"):
        if isinstance(value := getattr(definition, alias, None), str) and value:
            return value
    return key
