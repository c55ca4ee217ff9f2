"""The integrity review queue (/staf/integritas): roles and scope, the newest flag per
counter-hour, pending first, the evidence page (timeline, features, reasons, masked
comments), decisions through the page (exclusion leaves the aggregates, the hash chain
verifies), bad input (422, nothing written), stale or repeated decisions (409)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from feedback.integrity.decisions import verify
from feedback.integrity.scan import run_scan
from feedback.integrity.served import store_served
from feedback.integrity.tables import IntegrityDecision, IntegrityFlag
from feedback.tables import Agency, Response, Unit, UnitDayStats
from feedback.tables import Counter as CounterRow
from tests.staff_support import ROLE_ACCOUNTS, make_all_roles, make_user, sign_in
from tests.support import FULL, SECRET_HEX, make_client, store_answers
from tests.test_integrity_scan import wita

# The decision log is append-only (never wiped between tests) and decisions name a
# counter-hour: every test flags hours of its own day.
DAYS = iter(range(1, 29))
QUEUE = "/staf/integritas"
# test_roles_and_scope exercises these with a flag's id (the paths with a concrete id)
COVERED_ROUTES = {("GET", "/staf/integritas"), ("GET", "/staf/integritas/1"),
                  ("POST", "/staf/integritas/1/keputusan")}


async def flag_at(counter: str, counter_id: int, hour, n: int = 5, served: int = 2,
                  comment: str | None = None) -> int:
    """n ratings at 20 past `hour` at the counter, `served` transactions: one flag."""
    await store_answers(counter, [FULL] * n, hour + timedelta(minutes=20), channel="qr")
    if comment:
        newest = await Response.select(Response.id).order_by(Response.id,
                                                              ascending=False).first()
        await Response.update({Response.comment: comment}).where(Response.id == newest["id"])
    await store_served(counter_id, hour, served, source="test", now=hour + timedelta(hours=1))
    return await scan_day(hour)


async def scan_day(hour) -> int:
    report = await run_scan(hour - timedelta(hours=9), hour + timedelta(hours=15))
    rows = await IntegrityFlag.select(IntegrityFlag.id).where(
        IntegrityFlag.scan == report.scan_id).order_by(IntegrityFlag.id, ascending=False)
    return rows[0]["id"]


@pytest.fixture
async def data(org):
    hour = wita(2026, 10, next(DAYS), 9)
    flag = await flag_at(org.counter, org.counter_id, hour,
                         comment="hubungi saya 0812-3456-7890")
    agency = Agency(code="dukcapil", name="Dinas Dukcapil")
    await agency.save()
    capil = Unit(code="capil-pusat", name="Disdukcapil", agency=agency.id,
                 peer_group="capil", kecamatan="Oebobo", monthly_volume=100)
    await capil.save()
    other = CounterRow(code="CAPIL001", unit=capil.id, name="Loket Capil", is_kiosk=False,
                       secret=SECRET_HEX)
    await other.save()
    foreign = await flag_at("CAPIL001", other.id, hour + timedelta(hours=2), n=6)
    await make_all_roles()
    # the second scan's window holds the first hour too: the newest flag of each counter
    flag = await newest_flag(org.counter_id)
    assert foreign == await newest_flag(other.id)
    return {"flag": flag, "foreign": foreign, "org": org, "hour": hour,
            "mark": await decision_mark()}


async def decision_mark() -> int:
    row = await IntegrityDecision.select(IntegrityDecision.id).order_by(
        IntegrityDecision.id, ascending=False).first()
    return row["id"] if row else 0


async def new_decisions(data) -> int:
    return await IntegrityDecision.count().where(IntegrityDecision.id > data["mark"])


async def newest_flag(counter_id: int) -> int:
    row = await IntegrityFlag.select(IntegrityFlag.id).where(
        IntegrityFlag.counter == counter_id).order_by(IntegrityFlag.id, ascending=False).first()
    return row["id"]


async def signed(client, role: str) -> str:
    done = await sign_in(client, ROLE_ACCOUNTS[role][0])
    assert done.status_code == 303
    return client.cookies.get("sl_csrf")


def flag_ids(page: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-flag="(\d+)"', page)]


async def test_roles_and_scope(data):
    flag, foreign = data["flag"], data["foreign"]
    for role, expected in [("anonymous", None), ("officer", 403), ("unit", 403),
                           ("agency", 200), ("city", 200), ("admin", 403)]:
        async with make_client() as client:
            token = await signed(client, role) if role != "anonymous" else ""
            for path in (QUEUE, f"{QUEUE}/{flag}"):
                r = await client.get(path)
                if role == "anonymous":
                    assert r.status_code in (302, 303, 401), (role, path, r.status_code)
                else:
                    assert r.status_code == expected, (role, path, r.status_code)
            r = await client.post(f"{QUEUE}/{flag}/keputusan",
                                  data={"_csrf_token": token, "action": "keep",
                                        "reason": "", "seen": "0", "which": "all"})
            if role == "anonymous":
                assert r.status_code in (302, 303, 401, 403), r.status_code
            else:  # reviewers get as far as the missing reason
                assert r.status_code == (422 if expected == 200 else 403), (role, r.status_code)
    assert await new_decisions(data) == 0
    async with make_client() as client:  # the agency sees its own counters only
        token = await signed(client, "agency")
        page = (await client.get(QUEUE)).text
        assert flag_ids(page) == [flag]
        assert (await client.get(f"{QUEUE}/{foreign}")).status_code == 404
        r = await client.post(f"{QUEUE}/{foreign}/keputusan", data={
            "_csrf_token": token, "action": "exclude", "reason": "x", "seen": "0"})
        assert r.status_code == 404
        assert 'href="/staf/integritas"' in page  # the nav entry
    async with make_client() as client:
        await signed(client, "city")
        assert sorted(flag_ids((await client.get(QUEUE)).text)) == sorted([flag, foreign])
    assert await new_decisions(data) == 0


async def test_newest_flag_per_hour_pending_first_and_the_evidence(data):
    flag = data["flag"]
    await scan_day(data["hour"])  # another scan flags the same hour again
    again = await newest_flag(data["org"].counter_id)
    assert again > flag
    async with make_client() as client:
        token = await signed(client, "city")
        ids = flag_ids((await client.get(QUEUE)).text)
        assert again in ids and flag not in ids and len(ids) == 2
        page = (await client.get(f"{QUEUE}/{again}?lang=en")).text
        assert "More ratings than transactions served in the hour" in page
        assert "5 ratings, 2 transactions served" in page  # the evidence in words
        assert '<svg role="img"' in page and "Ratings per 5 minutes" in page
        assert 'data-feature="share_all_four"' in page
        assert "0812-3456-7890" not in page and "[phone number hidden]" in page
        assert page.count('data-response="') == 5
        old = (await client.get(f"{QUEUE}/{flag}?lang=en")).text
        assert f'href="/staf/integritas/{again}?lang=en"' in old  # points to the newest
        # deciding on the old flag is stale
        r = await client.post(f"{QUEUE}/{flag}/keputusan", data={
            "_csrf_token": token, "action": "exclude", "reason": "stuffing", "seen": "0"})
        assert r.status_code == 409
        # keep the other one: decided, listed after the pending
        capil = await CounterRow.select(CounterRow.id).where(
            CounterRow.code == "CAPIL001").first()
        foreign = await newest_flag(capil["id"])
        r = await client.post(f"{QUEUE}/{foreign}/keputusan", data={
            "_csrf_token": token, "action": "keep", "reason": "event day", "seen": "0"})
        assert r.status_code == 303
        page = (await client.get(QUEUE)).text
        assert flag_ids(page) == [again, foreign]
        assert flag_ids((await client.get(QUEUE + "?status=pending")).text) == [again]
        assert flag_ids((await client.get(QUEUE + "?status=decided")).text) == [foreign]
        assert (await client.get(QUEUE + "?status=nope")).status_code == 400


async def unit_n(unit_id: int) -> int:
    rows = await UnitDayStats.select(UnitDayStats.n).where(UnitDayStats.unit == unit_id)
    return sum(r["n"] for r in rows)


async def test_exclude_selected_then_the_rest_through_the_page(data):
    flag, org = data["flag"], data["org"]
    before = await unit_n(org.unit_id)
    async with make_client() as client:
        token = await signed(client, "agency")
        page = (await client.get(f"{QUEUE}/{flag}")).text
        ids = [int(x) for x in re.findall(r'name="response" value="(\d+)"', page)]
        assert len(ids) == 5
        r = await client.post(f"{QUEUE}/{flag}/keputusan", data={
            "_csrf_token": token, "action": "exclude", "reason": "stuffing",
            "which": "selected", "response": [str(i) for i in ids[:2]], "seen": "0"})
        assert r.status_code == 303 and r.headers["location"].endswith("done=exclude")
        assert await unit_n(org.unit_id) == before - 2
        excluded = await Response.select(Response.id).where(Response.excluded == True)  # noqa: E712
        assert sorted(x["id"] for x in excluded) == sorted(ids[:2])
        # the same responses again: 409, nothing written
        r = await client.post(f"{QUEUE}/{flag}/keputusan", data={
            "_csrf_token": token, "action": "exclude", "reason": "again",
            "which": "selected", "response": [str(ids[0])], "seen": "1"})
        assert r.status_code == 409
        # a stale page (it showed no decision): 409
        r = await client.post(f"{QUEUE}/{flag}/keputusan", data={
            "_csrf_token": token, "action": "keep", "reason": "ok", "seen": "0"})
        assert r.status_code == 409
        assert await new_decisions(data) == 1
        r = await client.post(f"{QUEUE}/{flag}/keputusan", data={
            "_csrf_token": token, "action": "keep", "reason": "real visitors", "seen": "1"})
        assert r.status_code == 303
        assert await unit_n(org.unit_id) == before - 2
        page = (await client.get(f"{QUEUE}/{flag}")).text
        assert page.count('data-decided="exclude"') == 2
        assert page.count('data-decided="keep"') == 3
        assert 'name="response"' not in page  # nothing left to decide
        r = await client.post(f"{QUEUE}/{flag}/keputusan", data={
            "_csrf_token": token, "action": "keep", "reason": "again", "seen": "2"})
        assert r.status_code == 409
    check = await verify()
    assert check.ok and check.records == data["mark"] + 2


async def test_bad_input_writes_nothing(data):
    flag, foreign = data["flag"], data["foreign"]
    async with make_client() as client:
        token = await signed(client, "city")
        base = {"_csrf_token": token, "action": "exclude", "reason": "x", "seen": "0"}
        for change in ({"action": "delete"}, {"action": ""}, {"reason": "  "},
                       {"reason": "x" * 501}, {"seen": "abc"}, {"which": "some"},
                       {"which": "selected"},
                       {"which": "selected", "response": ["abc"]},
                       {"which": "selected", "response": ["999999"]}):
            form = {**base, **change}
            form = {k: v for k, v in form.items() if v is not None}
            r = await client.post(f"{QUEUE}/{flag}/keputusan", data=form)
            assert r.status_code == 422, (change, r.status_code)
        # a response of another flag
        other = await IntegrityFlag.select(IntegrityFlag.response_ids).where(
            IntegrityFlag.id == foreign).output(load_json=True)
        r = await client.post(f"{QUEUE}/{flag}/keputusan", data={
            **base, "which": "selected", "response": [str(other[0]["response_ids"][0])]})
        assert r.status_code == 422
        r = await client.post(f"{QUEUE}/{flag}/keputusan", data={
            "action": "exclude", "reason": "x", "seen": "0"})  # no CSRF token
        assert r.status_code == 403
        assert (await client.get(f"{QUEUE}/999999")).status_code == 404
    assert await new_decisions(data) == 0
    assert await Response.count().where(Response.excluded == True) == 0  # noqa: E712
    assert (await verify()).ok


async def test_an_agency_user_of_another_agency_sees_nothing(data):
    await make_user("agency", email="capil@test.id", scope="dukcapil")
    async with make_client() as client:
        done = await sign_in(client, "capil@test.id")
        assert done.status_code == 303
        assert flag_ids((await client.get(QUEUE)).text) == [data["foreign"]]
        assert (await client.get(f"{QUEUE}/{data['flag']}")).status_code == 404


def figure(page: str, name: str) -> float:
    found = re.search(rf'id="{name}" value="([^"]*)"', page)
    assert found, name
    return float(found.group(1))


async def test_ikm_with_and_without_flagged_responses(data):
    from feedback.performance import periods
    from feedback.performance.scores import score_period
    from scoring.ikm import official_ikm
    from scoring.inputs import Parameters

    org, hour = data["org"], data["hour"]
    low = dict.fromkeys(FULL, 2)
    await store_answers(org.kiosk, [low] * 12, hour + timedelta(hours=4))  # not flagged
    period = periods.parse("2026-10")
    unit_page = "/staf/unit/pkm-oesapa?period=2026-10"

    def pooled(groups: list[tuple[dict, int]]) -> float:
        import numpy as np
        counts = np.zeros((len(FULL), 4))
        for answers, n in groups:
            for i, element in enumerate(FULL):
                counts[i, answers[element] - 1] += n
        return official_ikm(counts, sum(n for _, n in groups)).ikm

    async def engine_ikm() -> float:
        result = await score_period(period, Parameters())
        return next(u for u in result.units if u.unit == "pkm-oesapa").ikm

    async with make_client() as client:
        token = await signed(client, "city")
        page = (await client.get(unit_page + "&lang=en")).text
        assert figure(page, "n-pending") == 5 and figure(page, "n-excluded") == 0
        assert figure(page, "ikm-counted") == pytest.approx(await engine_ikm(), abs=1e-9)
        assert figure(page, "ikm-counted") == pytest.approx(pooled([(FULL, 5), (low, 12)]))
        assert figure(page, "ikm-without-pending") == pytest.approx(pooled([(low, 12)]))
        city = (await client.get("/staf/kota?period=2026-10")).text
        assert figure(city, "n-pending") == 11
        assert figure(city, "ikm-counted") == pytest.approx(pooled([(FULL, 11), (low, 12)]))
        assert figure(city, "ikm-without-pending") == pytest.approx(pooled([(low, 12)]))
        r = await client.post(f"{QUEUE}/{data['flag']}/keputusan", data={
            "_csrf_token": token, "action": "exclude", "reason": "stuffing", "seen": "0"})
        assert r.status_code == 303
        page = (await client.get(unit_page)).text
        assert figure(page, "n-pending") == 0 and figure(page, "n-excluded") == 5
        assert figure(page, "ikm-counted") == pytest.approx(await engine_ikm(), abs=1e-9)
        assert figure(page, "ikm-counted") == pytest.approx(pooled([(low, 12)]))
        assert figure(page, "ikm-without-pending") == figure(page, "ikm-counted")
        city = (await client.get("/staf/kota?period=2026-10")).text
        assert figure(city, "n-pending") == 6 and figure(city, "n-excluded") == 5
