"""The OpenAPI document matches the API: schemathesis generates requests from the app's own
document (loaded in-process through its ASGI support) for every public operation, against a
small seeded organisation with real counter and unit codes, and runs all its checks on every
answer (no server error; every status, body, header and media type documented; data the
document calls invalid refused, data it calls valid not refused). Bounded and deterministic."""

from __future__ import annotations

import asyncio
import inspect
import traceback
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
import schemathesis.engine
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events as engine_events
from schemathesis.python import asgi as schemathesis_asgi

from app.settings import Settings
from app.web.main import create_app
from feedback.clock import wita_day
from tests.support import FULL, make_client

SEED = 20261130
MAX_EXAMPLES = 150  # per operation and phase: a few hundred requests per operation in all


class _SessionLoopPortal:
    """Runs schemathesis' in-process ASGI calls on the test session's event loop, the loop
    that owns the database engine's connection pool and the app's writer tasks (schemathesis
    would otherwise run the app on an event loop of its own in another thread)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def call(self, func, *args):
        async def run():
            result = func(*args)
            return await result if inspect.isawaitable(result) else result

        return self.loop.run_until_complete(run())

    def start_task_soon(self, func, *args):
        return self.loop.create_task(func(*args))


@pytest.fixture
async def seeded(org):
    """The small organisation with a few stored responses this month, and the test loop."""
    async with make_client(rate_limit=10**6) as client:
        for i in range(12):
            r = await client.post("/api/v1/responses",
                                  json={"counter": org.kiosk, "answers": FULL,
                                        "idempotency_key": f"seed-{i:04d}"})
            assert r.status_code == 201, r.text
    return org, asyncio.get_running_loop()


def _accepting(path: str, *refusals: int) -> dict:
    statuses = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx", *map(str, refusals)]
    return {"include-path": path,
            "checks": {"positive_data_acceptance": {"expected-statuses": statuses}}}


@pytest.fixture
def api_schema(seeded, monkeypatch):
    org, loop = seeded
    # `_get_portal` is schemathesis' own (private: hence schemathesis<5 in the test extras);
    # every in-process call and the app's lifespan go through the portal it returns.
    monkeypatch.setattr(schemathesis_asgi, "_get_portal", lambda: _SessionLoopPortal(loop))
    # Limits high enough that generated submissions reach the submission logic instead of
    # all being 429 (429 stays documented); the device interval is off for the same reason.
    app = create_app(Settings(secret="test-secret", rate_limit=10**6,
                              device_interval=timedelta(0)), engine=None, manage_engine=False)
    config = SchemathesisConfig.from_dict({
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True,
                       "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        # Data the document calls valid may still be refused where a rule spans several
        # fields or needs the database, which no JSON Schema can say: a ticket token, the
        # number of answers or a unit's service codes (422), a period's calendar rules (400),
        # a period that has not started (422). Every other status stays a failure.
        "operations": [
            _accepting("/api/v1/responses", 422),
            _accepting("/api/v1/units/{unit}/ikm", 400),
            _accepting("/api/v1/scores", 400, 422),
        ],
    })
    loaded = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=config)
    real_counters = [org.counter, org.kiosk, org.other_counter]
    real_units = [org.unit_code, "pkm-oebobo"]

    today = wita_day(datetime.now(UTC))
    calendar = [str(today.year), f"{today.year}-{today.month:02d}",
                f"{today.year}-Q{(today.month - 1) // 3 + 1}", f"{today.year + 1}"]
    whole_months = {"from": f"{today.year}-01-01", "to": today.isoformat()}

    @loaded.hook
    def flatmap_case(ctx, case):
        """Most valid cases are pointed at real data (a real counter with a full set of
        answers, a real unit, a period with responses) so that they reach the real logic;
        invalid cases stay as generated."""
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return st.just(case)
        return st.integers(0, 5).map(lambda choice: _aim(case, choice))

    def _aim(case, choice):
        if choice == 5:
            return case  # as generated: mostly unknown codes
        if case.path_parameters and "unit" in case.path_parameters:
            case.path_parameters["unit"] = real_units[choice % len(real_units)]
        if case.path_parameters and "code" in case.path_parameters:
            case.path_parameters["code"] = real_counters[choice % len(real_counters)]
        if case.path in ("/api/v1/units/{unit}/ikm", "/api/v1/scores"):
            query = {k: v for k, v in (case.query or {}).items()
                     if k not in ("period", "from", "to")}
            case.query = ({**query, **whole_months} if choice == 4
                          else {**query, "period": calendar[choice]})
        if isinstance(case.body, dict) and "counter" in case.body:
            body = {k: v for k, v in case.body.items() if k != "token"}
            case.body = {**body, "counter": real_counters[choice % len(real_counters)],
                         "answers": FULL if choice < 3 else case.body["answers"]}
        return case

    yield loaded
    schemathesis_asgi.shutdown_lifespans()  # the app's lifespan task, on the session loop
    loop.run_until_complete(app.state.writer.close())


def _summary(events) -> tuple[list[str], dict[tuple[str, int], int], set[str]]:
    """Every failed check and engine error of a run, written out; how many answers each
    operation got per status; the names of the checks that ran."""
    found: list[str] = []
    statuses: dict[tuple[str, int], int] = {}
    checks_run: set[str] = set()
    for event in events:
        if isinstance(event, engine_events.ScenarioFinished):
            recorder = event.recorder
            for interaction in recorder.interactions.values():
                if interaction.response is not None:
                    key = (recorder.label, interaction.response.status_code)
                    statuses[key] = statuses.get(key, 0) + 1
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    checks_run.add(check.name)
                    if check.failure_info is None:
                        continue
                    failure = check.failure_info.failure
                    interaction = recorder.interactions.get(case_id)
                    status = (interaction.response.status_code
                              if interaction and interaction.response else None)
                    found.append(f"{event.label} [{event.phase.value}] {check.name} -> {status}: "
                                 f"{failure.title}: {failure.message}\n"
                                 f"  {check.failure_info.code_sample}")
        elif isinstance(event, engine_events.NonFatalError | engine_events.FatalError):
            error = getattr(event, "value", None) or getattr(event, "exception", None)
            trace = "".join(traceback.format_exception(error)) if error else ""
            found.append(f"engine error {getattr(event, 'label', '')}: {error!r}\n{trace}")
    return found, statuses, checks_run


OPERATIONS = {"GET /api/v1/units", "POST /api/v1/responses", "GET /api/v1/units/{unit}/ikm",
              "GET /api/v1/scores", "GET /api/v1/counters/{code}/qr.svg",
              "GET /api/v1/counters/{code}/qr.png", "GET /health"}
CHECKS = {"not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance",
          "negative_data_rejection", "positive_data_acceptance", "unsupported_method"}


def test_the_api_matches_its_openapi_document(api_schema):
    found, statuses, checks_run = _summary(schemathesis.engine.from_schema(api_schema).execute())
    print(f"schemathesis: {sum(statuses.values())} requests; answers by operation and status:")
    for (label, status), count in sorted(statuses.items()):
        print(f"  {label} {status}: {count}")
    assert not found, f"{len(found)} failures:\n" + "\n".join(dict.fromkeys(found))
    # The run reached every operation's real logic, not only refusals, with every check.
    assert {label for label, status in statuses if status in (200, 201)} >= OPERATIONS
    assert statuses[("POST /api/v1/responses", 201)] >= 20
    assert statuses[("GET /api/v1/scores", 200)] >= 5
    assert sum(statuses.values()) >= 800
    assert checks_run >= CHECKS


# The mismatches schemathesis found, one by one.

async def _document():
    async with make_client() as client:
        return (await client.get("/schema/openapi.json")).json()


async def test_errors_are_documented_with_the_body_they_have(org):
    doc = await _document()
    error = {"$ref": "#/components/schemas/ErrorOut"}
    expected = {
        ("/api/v1/units", "get"): {"503"},
        ("/api/v1/responses", "post"): {"400", "404", "409", "413", "415", "422", "429", "503"},
        ("/api/v1/units/{unit}/ikm", "get"): {"400", "404", "503"},
        ("/api/v1/scores", "get"): {"400", "404", "422", "429", "503"},
        ("/api/v1/counters/{code}/qr.svg", "get"): {"400", "404", "503"},
        ("/api/v1/counters/{code}/qr.png", "get"): {"400", "404", "503"},
    }
    for (path, method), errors in expected.items():
        responses = doc["paths"][path][method]["responses"]
        assert {s for s in responses if s >= "300"} == errors, path
        for status in errors:
            assert responses[status]["content"] == {"application/json": {"schema": error}}
            assert ("Retry-After" in responses[status].get("headers", {})) == (
                status in ("429", "503")), (path, status)
    ok = doc["paths"]["/api/v1/responses"]["post"]["responses"]["201"]["content"]
    assert ok["application/json"]["schema"] == {"$ref": "#/components/schemas/ReceiptOut"}


async def test_litestar_validation_400_has_the_error_out_body(org):
    async with make_client() as client:
        unknown = await client.post("/api/v1/responses",
                                    json={"counter": org.counter, "answers": FULL, "x": 1})
        bad_round = await client.get(f"/api/v1/units/{org.unit_code}/ikm?round=-1")
    for r in (unknown, bad_round):
        assert r.status_code == 400
        body = r.json()
        assert set(body) == {"error", "message", "fields"}
        assert body["error"] == "invalid_body" and body["fields"], body
        assert set(body["fields"][0]) == {"field", "code", "message"}
    assert bad_round.json()["fields"][0]["field"] == "round"


async def test_parameter_and_body_constraints_are_documented(org):
    doc = await _document()
    ikm = {p["name"]: p["schema"] for p in
           doc["paths"]["/api/v1/units/{unit}/ikm"]["get"]["parameters"]}
    assert ikm["round"]["minimum"] == 0 and ikm["round"]["maximum"] == 6
    assert ikm["period"]["pattern"] and ikm["from"]["pattern"] and ikm["to"]["pattern"]
    body = doc["components"]["schemas"]["ResponseIn"]
    assert body["additionalProperties"] is False
    assert body["properties"]["answers"]["additionalProperties"] is False
    assert set(body["properties"]["answers"]["properties"]) == set(FULL)
    assert "L" in body["properties"]["gender"]["enum"]
    for ext, media_type in (("svg", "image/svg+xml"), ("png", "image/png")):
        ok = doc["paths"][f"/api/v1/counters/{{code}}/qr.{ext}"]["get"]["responses"]["200"]
        assert list(ok["content"]) == [media_type]


@pytest.mark.parametrize("query", ["period=2026%0A", "period=%D9%A2%D9%A0%D9%A2%D9%A6",
                                   "period=%202026", "from=20260101",
                                   "from=2026-01-01&to=20260131"])
async def test_values_outside_the_documented_patterns_are_refused(org, query):
    async with make_client() as client:
        ikm = await client.get(f"/api/v1/units/{org.unit_code}/ikm?{query}")
        scores = await client.get(f"/api/v1/scores?{query}")
    assert ikm.status_code == 400, ikm.text
    assert scores.status_code == 400, scores.text


async def test_an_idempotency_key_with_a_final_newline_is_refused(org):
    async with make_client() as client:
        r = await client.post("/api/v1/responses", json={
            "counter": org.counter, "answers": FULL, "idempotency_key": "abcdefgh\n"})
    assert r.status_code == 400
    assert r.json()["fields"][0]["field"] == "idempotency_key"


async def test_a_405_names_the_allowed_methods_on_pages_too(org):
    async with make_client() as client:
        r = await client.request("TRACE", "/health")
    assert r.status_code == 405
    assert "GET" in r.headers["allow"]
