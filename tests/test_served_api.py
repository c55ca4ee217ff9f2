"""POST /api/v1/counters/{code}/served (app.web.served_api): a queue system reports a
counter's served count per WITA hour with the counter's API key; bad keys, bodies and hours
are refused with a clear message and write nothing; the count feeds `above_served`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.clock import WITA
from feedback.integrity.scan import run_scan
from feedback.integrity.served import api_key
from feedback.integrity.tables import ServedCount
from tests.support import FULL, make_client
from tests.test_cli import suara
from tests.test_integrity_scan import add, wita

URL = "/api/v1/counters/{}/served"


def auth(org, code=None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key(org.secret, code or org.counter)}"}


async def rows() -> list[tuple]:
    return [(r["counter.code"], r["hour"], r["served"], r["source"]) for r in
            await ServedCount.select(ServedCount.counter.code, ServedCount.hour,
                                     ServedCount.served, ServedCount.source)]


async def test_a_count_is_stored_then_replaced(org):
    async with make_client() as client:
        r = await client.post(URL.format(org.counter), headers=auth(org),
                              json={"hour": "2026-11-24T09:00:00+08:00", "served": 14})
        assert r.status_code == 200, r.text
        assert r.json() == {"counter": org.counter, "hour": "2026-11-24T09:00:00+08:00",
                            "served": 14, "replaced": False}
        assert await rows() == [(org.counter, wita(2026, 11, 24, 9), 14, "api")]
        # The same hour in UTC and without seconds: the same counter-hour, replaced.
        r = await client.post(URL.format(org.counter), headers=auth(org),
                              json={"hour": "2026-11-24T01:00Z", "served": 15})
        assert r.status_code == 200, r.text
        assert r.json()["replaced"] is True
        assert await rows() == [(org.counter, wita(2026, 11, 24, 9), 15, "api")]
        # Without an offset: WITA.
        r = await client.post(URL.format(org.counter), headers=auth(org),
                              json={"hour": "2026-11-24T10:00", "served": 0})
        assert r.json()["hour"] == "2026-11-24T10:00:00+08:00"
    assert await ServedCount.count() == 2


async def test_the_count_feeds_above_served(org):
    hour = wita(2026, 11, 24, 9)
    await add(org.counter, [hour + timedelta(minutes=9 * k) for k in range(4)], tag="api",
              answers=FULL)
    async with make_client() as client:
        r = await client.post(URL.format(org.counter), headers=auth(org),
                              json={"hour": "2026-11-24T09:00:00+08:00", "served": 2})
        assert r.status_code == 200
    report = await run_scan(wita(2026, 11, 24, 0), wita(2026, 11, 25, 0))
    assert [(f.counter, f.reasons) for f in report.flagged] == [(org.counter,
                                                                  ("above_served",))]


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer " + "0" * 40},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer"},
])
async def test_without_the_counters_key_401_and_nothing_stored(org, headers):
    async with make_client() as client:
        r = await client.post(URL.format(org.counter), headers=headers,
                              json={"hour": "2026-11-24T09:00", "served": 3})
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"
    assert r.json()["message"] == ("Kirim kunci API loket di header Authorization: "
                                   "Bearer KUNCI.")
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert await ServedCount.count() == 0


async def test_another_counters_key_is_refused(org):
    async with make_client() as client:
        r = await client.post(URL.format(org.counter), headers=auth(org, org.other_counter),
                              json={"hour": "2026-11-24T09:00", "served": 3})
    assert r.status_code == 401
    assert await ServedCount.count() == 0


async def test_unknown_counter_404(org):
    async with make_client() as client:
        r = await client.post(URL.format("NOPE0000"), headers=auth(org),
                              json={"hour": "2026-11-24T09:00", "served": 3})
    assert r.status_code == 404
    assert r.json()["error"] == "unknown_counter"


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"hour": "2026-11-24T09:30", "served": 3}, 400, "invalid_body"),  # pattern: :00 only
    ({"hour": "2026-11-24T09:00:00.5", "served": 3}, 400, "invalid_body"),
    ({"hour": "2026-13-24T09:00", "served": 3}, 422, "invalid_hour"),
    ({"hour": "2099-11-24T09:00", "served": 3}, 422, "invalid_hour"),
    ({"hour": "2026-11-24T09:00+05:30", "served": 3}, 422, "invalid_hour"),  # 11:30 WITA
    ({"hour": "2026-11-24T09:00", "served": -1}, 400, "invalid_body"),
    ({"hour": "2026-11-24T09:00", "served": 100_001}, 400, "invalid_body"),
    ({"hour": "2026-11-24T09:00", "served": 2.5}, 400, "invalid_body"),
    ({"hour": "2026-11-24T09:00", "served": True}, 400, "invalid_body"),
    ({"hour": "2026-11-24T09:00"}, 400, "invalid_body"),
    ({"hour": "2026-11-24T09:00", "served": 3, "extra": 1}, 400, "invalid_body"),
])
async def test_bad_bodies_are_refused_and_write_nothing(org, body, status, code):
    async with make_client() as client:
        r = await client.post(URL.format(org.counter), headers=auth(org), json=body)
    assert r.status_code == status, r.text
    assert r.json()["error"] == code
    assert await ServedCount.count() == 0


async def test_english_message_and_json_only(org):
    async with make_client() as client:
        r = await client.post(URL.format(org.counter),
                              headers={**auth(org), "Accept-Language": "en"},
                              json={"hour": "2099-11-24T09:00", "served": 3})
        assert r.status_code == 422
        assert r.json()["message"].startswith("The hour must be the start of an hour")
        r = await client.post(URL.format(org.counter), headers=auth(org),
                              content="hour=2026-11-24T09:00&served=3")
        assert r.status_code == 415
    assert await ServedCount.count() == 0


async def test_the_key_command_prints_the_key(org):
    done = suara("served", "key", org.counter)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == api_key(org.secret, org.counter)
    assert len(done.stdout.strip()) == 40
    assert suara("served", "key", "NOPE0000").returncode == 1


async def test_the_operation_is_documented(org):
    async with make_client() as client:
        doc = (await client.get("/schema/openapi.json")).json()
    operation = doc["paths"]["/api/v1/counters/{code}/served"]["post"]
    assert set(operation["responses"]) == {"200", "400", "401", "404", "409", "415", "422",
                                           "503"}
    assert "Authorization: Bearer KEY" in operation["description"]
    body = doc["components"]["schemas"]["ServedIn"]
    assert body["properties"]["served"]["minimum"] == 0
    assert "pattern" in body["properties"]["hour"]
    assert datetime.now(UTC).astimezone(WITA).utcoffset() == timedelta(hours=8)
