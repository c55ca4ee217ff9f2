"""JSON API: directory, submissions (good and bad), live IKM, OpenAPI, QR images, health."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from feedback.clock import wita_day
from feedback.tables import Response, UnitDayStats
from tests.support import FULL, make_client


def body(**fields):
    data = {"counter": fields.pop("counter"), "answers": fields.pop("answers", FULL)}
    data.update(fields)
    return data


async def test_directory_lists_agencies_units_counters_and_urls(org):
    async with make_client(public_url="https://suara.kupangkota.go.id") as client:
        r = await client.get("/api/v1/units")
    assert r.status_code == 200
    agencies = r.json()["agencies"]
    assert [a["code"] for a in agencies] == ["dinkes"]
    units = {u["code"]: u for u in agencies[0]["units"]}
    assert set(units) == {"pkm-oesapa", "pkm-oebobo"}
    counters = {c["code"]: c for c in units["pkm-oesapa"]["counters"]}
    assert counters[org.counter]["url"] == f"https://suara.kupangkota.go.id/s/{org.counter}"
    assert counters[org.kiosk]["kiosk"] is True
    assert counters[org.kiosk]["kiosk_url"].endswith(f"/k/{org.kiosk}")


async def test_submit_returns_receipt_and_is_idempotent(org):
    async with make_client() as client:
        payload = body(counter=org.counter, idempotency_key="queue-000123", gender="L",
                       age_band="30-39", service="umum", comment="Cepat")
        first = await client.post("/api/v1/responses", json=payload)
        again = await client.post("/api/v1/responses", json=payload)
    assert first.status_code == 201, first.text
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert first.json()["receipt"] == again.json()["receipt"]
    assert first.json()["verified"] is False
    rows = await Response.select()
    assert len(rows) == 1
    assert rows[0]["gender"] == "L" and rows[0]["service"] is not None
    assert rows[0]["channel"] == "web"


BAD_ANSWERS = [
    (dict(FULL, waktu=0), "answers.waktu", "out_of_range"),
    (dict(FULL, waktu=5), "answers.waktu", "out_of_range"),
    (dict(FULL, waktu=-1), "answers.waktu", "out_of_range"),
    (dict(FULL, waktu="abc"), "answers.waktu", "not_a_number"),
    (dict(FULL, waktu=2.5), "answers.waktu", "not_a_number"),
    (dict(FULL, waktu=True), "answers.waktu", "not_a_number"),
    (dict(FULL, waktu=[3]), "answers.waktu", "not_a_number"),
    (dict(FULL, kebersihan=3), "answers.kebersihan", "unknown_element"),
    ({"waktu": 3, "biaya": 4}, "answers", "too_few_answers"),
    ({}, "answers", "too_few_answers"),
]


@pytest.mark.parametrize(("answers", "field", "code"), BAD_ANSWERS)
async def test_bad_answers_are_422_with_field_errors(org, answers, field, code):
    async with make_client() as client:
        r = await client.post("/api/v1/responses", json=body(counter=org.counter, answers=answers))
    assert r.status_code == 422
    problem = r.json()
    assert problem["error"] == "invalid_response"
    assert {"field": field, "code": code} in [
        {"field": f["field"], "code": f["code"]} for f in problem["fields"]
    ]
    assert all(f["message"] for f in problem["fields"])
    assert await Response.count() == 0
    assert await UnitDayStats.count() == 0


@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"comment": "x" * 1001}, "comment", "too_long"),
        ({"service": "gigi"}, "service", "unknown_service"),
        ({"gender": "X"}, "gender", "invalid_choice"),
        ({"education": "SMA"}, "education", "invalid_choice"),
    ],
)
async def test_bad_optional_fields_are_422(org, extra, field, code):
    async with make_client() as client:
        r = await client.post("/api/v1/responses", json=body(counter=org.counter, **extra))
    assert r.status_code == 422
    assert [(f["field"], f["code"]) for f in r.json()["fields"]] == [(field, code)]
    assert await Response.count() == 0


async def test_messages_follow_the_language(org):
    bad = body(counter=org.counter, answers=dict(FULL, waktu=7))
    async with make_client() as client:
        indonesian = await client.post("/api/v1/responses", json=bad)
        english = await client.post("/api/v1/responses", json=bad,
                                    headers={"accept-language": "en-GB,en;q=0.9"})
        by_body = await client.post("/api/v1/responses", json=dict(bad, lang="en"))
    assert indonesian.json()["fields"][0]["message"] == "Jawaban harus antara 1 dan 4."
    assert english.json()["fields"][0]["message"] == "The answer must be between 1 and 4."
    assert by_body.json()["fields"][0]["message"] == "The answer must be between 1 and 4."


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"",
        b"[]",
        b'{"answers": {}}',
        b'{"counter": 12, "answers": {}}',
        b'{"counter": "OESAPA01", "answers": {}, "unexpected": 1}',
        b'{"counter": "OESAPA01", "answers": [1, 2, 3]}',
        b'{"counter": "OESAPA01", "answers": {}, "channel": "import"}',
        b'{"counter": "OESAPA01", "answers": {}, "idempotency_key": "short"}',
        b'{"counter": "OESAPA01", "answers": {}, "idempotency_key": "spaces are bad!"}',
        "{\"counter\": \"OESAPA01\", \"answers\": {\"waktu\": 3}, \"comment\": \"\udcff\"}".encode(
            "utf-8", "surrogatepass"),
    ],
)
async def test_malformed_bodies_are_400(org, raw):
    async with make_client() as client:
        r = await client.post("/api/v1/responses", content=raw,
                              headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["error"] in ("invalid_body", "bad_request")
    assert r.json()["message"] == "Permintaan tidak dapat dipahami."
    assert await Response.count() == 0


async def test_unknown_counter_is_404(org):
    async with make_client() as client:
        r = await client.post("/api/v1/responses", json=body(counter="NOPE1234"))
    assert r.status_code == 404
    assert r.json()["error"] == "unknown_counter"


async def test_oversized_body_is_413(org):
    async with make_client() as client:
        r = await client.post("/api/v1/responses",
                              json=body(counter=org.counter, comment="x" * 50_000))
    assert r.status_code == 413
    assert r.json()["error"] == "too_large"


async def test_api_device_interval_and_kiosk_exemption(org):
    async with make_client() as client:
        first = await client.post("/api/v1/responses", json=body(counter=org.counter))
        second = await client.post("/api/v1/responses", json=body(counter=org.counter))
        other_device = await client.post("/api/v1/responses",
                                         json=body(counter=org.counter, device_id="tablet-2"))
        kiosk = [await client.post("/api/v1/responses", json=body(counter=org.kiosk))
                 for _ in range(3)]
    assert first.status_code == 201
    assert second.status_code == 429 and second.json()["error"] == "too_soon"
    assert other_device.status_code == 201
    assert [k.status_code for k in kiosk] == [201, 201, 201]


async def test_live_ikm_matches_the_regulation_formula(org):
    answers = [
        FULL,
        {"persyaratan": 3, "prosedur": 3, "waktu": 3, "biaya": 4, "produk": 3,
         "kompetensi": 4, "perilaku": 4, "pengaduan": 2, "sarana": 3},
        # 7 of 9 answered: counts
        {"persyaratan": 2, "prosedur": 2, "waktu": 1, "biaya": 4, "produk": 2,
         "kompetensi": 3, "perilaku": 3},
    ]
    # min_group=1: the figures of 3 responses are shown (the default of 10 hides them)
    async with make_client(device_interval=__import__("datetime").timedelta(0),
                           min_group=1) as client:
        for i, a in enumerate(answers):
            r = await client.post("/api/v1/responses",
                                  json=body(counter=org.counter, answers=a, device_id=f"d{i}"))
            assert r.status_code == 201, r.text
        today = wita_day(datetime.now(UTC)).isoformat()
        month = today[:8] + "01"
        r = await client.get(f"/api/v1/units/{org.unit_code}/ikm?from={month}&to={today}")
        default = await client.get(f"/api/v1/units/{org.unit_code}/ikm")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["n"] == 3 and out["from"] == month and out["to"] == today
    nrr = {e: sum(a[e] for a in answers if e in a) / sum(1 for a in answers if e in a)
           for e in FULL}
    for e, value in nrr.items():
        assert out["elements"][e]["nrr"] == pytest.approx(value)
        assert out["elements"][e]["ikm"] == pytest.approx(25 * value)
    expected = 25 * sum(nrr.values()) / 9
    assert out["ikm"] == pytest.approx(expected)
    # NRRs 3, 8/3, 2, 4, 8/3, 10/3, 11/3, 2.5, 2.5 → 25 × 79/27 = 73.15: grade C.
    assert round(expected, 2) == 73.15
    assert out["grade"] == "C"
    assert default.json()["n"] == 3


async def test_ikm_bad_parameters(org):
    async with make_client() as client:
        bad_date = await client.get(f"/api/v1/units/{org.unit_code}/ikm?from=2026-13-01")
        reversed_period = await client.get(
            f"/api/v1/units/{org.unit_code}/ikm?from=2026-06-01&to=2026-01-01")
        unknown = await client.get("/api/v1/units/nope/ikm")
        empty = await client.get(f"/api/v1/units/{org.unit_code}/ikm?from=2020-01-01&to=2020-12-31")
    assert bad_date.status_code == 400 and bad_date.json()["error"] == "invalid_date"
    assert reversed_period.status_code == 400
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_unit"
    assert empty.status_code == 200
    assert empty.json()["n"] == 0 and empty.json()["ikm"] is None and empty.json()["grade"] is None


async def test_openapi_documents_the_public_contract(org):
    async with make_client() as client:
        r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    paths = json.loads(r.text)["paths"]
    for path in ("/api/v1/units", "/api/v1/responses", "/api/v1/units/{unit}/ikm",
                 "/api/v1/scores"):
        assert path in paths
    schemas = json.loads(r.text)["components"]["schemas"]
    for name in ("ResponseIn", "ReceiptOut", "IkmOut", "ScoreResult", "UnitScore", "Directory"):
        assert name in schemas
    assert "/s/{counter}" not in paths


async def test_qr_images_and_health(org):
    async with make_client() as client:
        svg = await client.get(f"/api/v1/counters/{org.counter}/qr.svg")
        png = await client.get(f"/api/v1/counters/{org.counter}/qr.png")
        missing = await client.get("/api/v1/counters/NOPE/qr.svg")
        health = await client.get("/health")
        live = await client.get("/health/live")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in svg.text
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert missing.status_code == 404
    assert health.json()["status"] == "ok" and health.json()["database"] == "up"
    assert live.text == "ok"


async def test_live_ikm_with_published_report_conventions(org):
    async with make_client(min_group=1) as client:
        r = await client.post("/api/v1/responses", json=body(counter=org.kiosk))
        assert r.status_code == 201
        exact = (await client.get(f"/api/v1/units/{org.unit_code}/ikm")).json()
        printed = (await client.get(
            f"/api/v1/units/{org.unit_code}/ikm?weight=0.111&round=2")).json()
        bad = await client.get(f"/api/v1/units/{org.unit_code}/ikm?weight=0.2")
        bad_round = await client.get(f"/api/v1/units/{org.unit_code}/ikm?round=9")
    nrr = [FULL[e] for e in FULL]
    assert exact["ikm"] == pytest.approx(25 * sum(nrr) / 9)
    assert printed["weight"] == "0.111" and printed["rounding"] == 2
    assert printed["ikm"] == pytest.approx(25 * sum(round(0.111 * v + 1e-12, 2) for v in nrr))
    assert bad.status_code == 400 and bad_round.status_code == 400


@pytest.mark.parametrize("engine_error", ["sqlite", "postgres"])
async def test_integrity_errors_are_409_not_500(org, engine_error):
    import sqlite3

    import asyncpg
    from litestar import get

    @get("/api/v1/boom", sync_to_thread=False)
    def boom() -> None:
        if engine_error == "sqlite":
            raise sqlite3.IntegrityError("UNIQUE constraint failed")
        raise asyncpg.UniqueViolationError("duplicate key")

    client = make_client()
    client.app.register(boom)
    async with client as c:
        r = await c.get("/api/v1/boom")
    assert r.status_code == 409
    assert r.json()["error"] == "conflict"
    assert "kirim sekali lagi" in r.json()["message"]


async def test_api_kiosk_channel_does_not_skip_the_device_interval(org):
    """Only a counter configured as a kiosk skips the device interval, whatever `channel`
    the client names: three in a row from one device on a normal counter are 201, 429, 429."""
    async with make_client() as client:
        normal = [await client.post("/api/v1/responses",
                                    json=body(counter=org.counter, channel="kiosk"))
                  for _ in range(3)]
        kiosk = [await client.post("/api/v1/responses",
                                   json=body(counter=org.kiosk, channel="kiosk"))
                 for _ in range(3)]
    assert [r.status_code for r in normal] == [201, 429, 429]
    assert normal[1].json()["error"] == "too_soon"
    assert int(normal[1].headers["retry-after"]) == 15 * 60
    assert [r.status_code for r in kiosk] == [201, 201, 201]


async def test_api_receipt_clash_is_retried_and_an_unresolvable_one_is_409(org, monkeypatch):
    from feedback.survey import receipts

    async with make_client() as client:
        first = await client.post("/api/v1/responses", json=body(counter=org.kiosk))
        taken = first.json()["receipt"]
        real, calls = receipts.new_receipts, []

        def clashing(n, rng=None):
            calls.append(n)
            return [taken] + real(n - 1) if len(calls) == 1 else real(n)

        monkeypatch.setattr(receipts, "new_receipts", clashing)
        retried = await client.post("/api/v1/responses", json=body(counter=org.kiosk))
        monkeypatch.setattr(receipts, "new_receipts", lambda n, rng=None: [taken] * n)
        refused = await client.post("/api/v1/responses",
                                    json=body(counter=org.kiosk, idempotency_key="again-001"))
    assert retried.status_code == 201 and retried.json()["receipt"] != taken
    assert calls == [1, 1]
    assert refused.status_code == 409 and refused.json()["error"] == "conflict"
    assert await Response.count() == 2


async def test_openapi_documents_every_submission_status(org):
    async with make_client() as client:
        r = await client.get("/schema/openapi.json")
    documented = r.json()["paths"]["/api/v1/responses"]["post"]["responses"]
    assert set(documented) == {"200", "201", "400", "404", "409", "413", "415", "422", "429",
                               "503"}
    assert documented["429"]["headers"]["Retry-After"]["required"] is True
    assert documented["503"]["headers"]["Retry-After"]["required"] is True
