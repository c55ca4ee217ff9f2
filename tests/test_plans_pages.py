"""The staff pages of the follow-up plans (app.web.staff.plans): the role × route matrix
(with scope: another unit's head and another agency's head), the whole workflow through
the forms, bad input (422 in the user's language, nothing written), conflicts (409), and
every NRR and n shown compared with the engine's."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from feedback.accounts.audit import Actor
from feedback.accounts.scope import Scope
from feedback.performance.periods import parse
from feedback.performance.scores import score_period
from feedback.plans import reads, work
from feedback.plans.tables import FollowUpPlan, PlanAction
from feedback.tables import Agency, Unit
from scoring.ikm import ELEMENTS
from scoring.inputs import Parameters
from tests.staff_support import audit_mark, make_all_roles, make_user, sign_in
from tests.support import make_client, store_answers

PERIOD = "2026-S1"
UNIT_PAGE = "/staf/unit/pkm-oesapa/rtl"
ACTION = {"element": "waktu", "what": "Tambah petugas loket pada jam sibuk",
          "who": "Kepala Tata Usaha", "due": "2026-09-30",
          "expected_effect": "Waktu tunggu turun di bawah 30 menit"}
NOW = datetime(2026, 7, 3, 2, 0, tzinfo=UTC)
UNIT_ACTOR = Actor("unit@test.id")

ROUTES: dict[str, tuple[str, str, str | None]] = {
    # name: (method, path with {plan} and {action}, the plan's state before (POST))
    "unit-page": ("GET", f"{UNIT_PAGE}?period={PERIOD}", None),
    "unit-page-other": ("GET", f"/staf/unit/pkm-oebobo/rtl?period={PERIOD}", None),
    "agency-page": ("GET", "/staf/dinas/dinkes/rtl", None),
    "agency-page-other": ("GET", "/staf/dinas/dukcapil/rtl", None),
    "create": ("POST", UNIT_PAGE, None),
    "add": ("POST", UNIT_PAGE + "/{plan}/tindakan", "draft"),
    "edit": ("POST", UNIT_PAGE + "/{plan}/tindakan/{action}", "draft"),
    "remove": ("POST", UNIT_PAGE + "/{plan}/tindakan/{action}/hapus", "draft"),
    "submit": ("POST", UNIT_PAGE + "/{plan}/ajukan", "draft"),
    "decide": ("POST", UNIT_PAGE + "/{plan}/keputusan", "submitted"),
    "status": ("POST", UNIT_PAGE + "/{plan}/tindakan/{action}/status", "approved"),
}
COVERED_ROUTES = {(method, path.format(plan=1, action=2).split("?")[0])
                  for method, path, _state in ROUTES.values()}
FORMS: dict[str, dict[str, str]] = {
    "create": {"period": PERIOD},
    "add": {**ACTION, "element": "prosedur"},
    "edit": {**ACTION, "what": "Tambah dua petugas loket pada jam sibuk"},
    "remove": {},
    "submit": {},
    "decide": {"decision": "approve", "note": ""},
    "status": {"status": "done", "note": "Dua petugas bertugas sejak 1 Agustus",
               "seen": "planned"},
}
WRITES = ("create", "add", "edit", "remove", "submit", "status")
_ALL_POSTS = ("create", "add", "edit", "remove", "submit", "decide", "status")
EXPECTED: dict[str, dict[str, int]] = {
    "officer": dict.fromkeys(ROUTES, 403),
    "unit": {"unit-page": 200, "unit-page-other": 404, "agency-page": 403,
             "agency-page-other": 403, **dict.fromkeys(WRITES, 303), "decide": 403},
    "other_unit": {"unit-page": 404, "unit-page-other": 200, "agency-page": 403,
                   "agency-page-other": 403, **dict.fromkeys(_ALL_POSTS, 404)},
    "agency": {"unit-page": 200, "unit-page-other": 200, "agency-page": 200,
               "agency-page-other": 404, **dict.fromkeys(WRITES, 403), "decide": 303},
    "other_agency": {"unit-page": 404, "unit-page-other": 404, "agency-page": 404,
                     "agency-page-other": 200, **dict.fromkeys(_ALL_POSTS, 404)},
    "city": {"unit-page": 200, "unit-page-other": 200, "agency-page": 200,
             "agency-page-other": 200, **dict.fromkeys(WRITES, 403), "decide": 303},
    "admin": {"unit-page": 200, "unit-page-other": 200, "agency-page": 200,
              "agency-page-other": 200, **dict.fromkeys(WRITES, 403), "decide": 303},
}
EMAILS = {"other_unit": "unit2@test.id", "other_agency": "agency2@test.id"}


def answers(**low: Any) -> dict[str, Any]:
    base: dict[str, Any] = {e: 4 for e in ELEMENTS}
    base.update(low)
    return base


@pytest.fixture
async def data(org):
    """12 responses in 2026-S1 (waktu 2, prosedur 3, sarana 3/4, pengaduan 1 on 9 of
    them), the test accounts, another unit's head and another agency with its head."""
    rows = []
    for i in range(12):
        a = answers(waktu=2, prosedur=3, sarana=3 + (i % 2))
        a["pengaduan"] = 1 if i < 9 else None
        rows.append(a)
    await store_answers(org.counter, rows, datetime(2026, 3, 10, 2, 0, tzinfo=UTC))
    other = Agency(code="dukcapil", name="Dinas Kependudukan")
    await other.save()
    await Unit.insert(Unit(code="dukcapil-mpp", name="Loket MPP", agency=other.id,
                           peer_group="perizinan", kecamatan="Oebobo", monthly_volume=100))
    await make_all_roles()
    await make_user("unit", email=EMAILS["other_unit"], scope="pkm-oebobo")
    await make_user("agency", email=EMAILS["other_agency"], scope="dukcapil")
    return org


async def unit_scope(org) -> Scope:
    agency = (await Unit.select(Unit.agency).where(Unit.id == org.unit_id).first())["agency"]
    return Scope("unit", unit_id=org.unit_id, agency_id=agency)


async def prepare(org, state: str | None) -> tuple[int, int]:
    """Fresh plan tables; with `state`, the unit's 2026-S1 plan in it with one action."""
    await PlanAction.delete(force=True)
    await FollowUpPlan.delete(force=True)
    if state is None:
        return 1, 2
    scope = await unit_scope(org)
    plan = await work.create_plan(scope, org.unit_code, PERIOD, UNIT_ACTOR, NOW)
    action = await work.add_action(scope, org.unit_code, plan.id, ACTION, UNIT_ACTOR, NOW)
    if state in ("submitted", "approved"):
        await work.submit(scope, org.unit_code, plan.id, UNIT_ACTOR, NOW)
    if state == "approved":
        await work.decide(Scope("city"), org.unit_code, plan.id, "approve", None,
                          Actor("city@test.id"), NOW)
    return plan.id, action


async def snapshot() -> list[Any]:
    return [await FollowUpPlan.select().order_by(FollowUpPlan.id),
            await PlanAction.select().order_by(PlanAction.id)]


async def signed(client: Any, role: str) -> str:
    from tests.staff_support import ROLE_ACCOUNTS

    email = EMAILS.get(role) or ROLE_ACCOUNTS[role][0]
    done = await sign_in(client, email)
    assert done.status_code == 303, done.text[-300:]
    return client.cookies.get("sl_csrf")


async def test_roles_and_scopes_of_every_route(data):
    org = data
    for role, expected in EXPECTED.items():
        async with make_client() as client:
            token = await signed(client, role)
            for name, (method, path, state) in ROUTES.items():
                plan, action = await prepare(org, state)
                url = path.format(plan=plan, action=action)
                if method == "GET":
                    got = await client.get(url)
                    assert got.status_code == expected[name], (role, name, got.status_code)
                    continue
                before, mark = await snapshot(), await audit_mark()
                got = await client.post(url, data={"_csrf_token": token, **FORMS[name]})
                assert got.status_code == expected[name], (role, name, got.status_code,
                                                           got.text[-400:])
                if got.status_code == 303:
                    assert got.headers["location"].startswith(UNIT_PAGE + "?period=2026-S1")
                    assert await snapshot() != before and await audit_mark() > mark
                else:
                    assert await snapshot() == before and await audit_mark() == mark
    async with make_client() as client:  # not signed in
        for name, (method, path, state) in ROUTES.items():
            plan, action = await prepare(org, state)
            url = path.format(plan=plan, action=action)
            if method == "GET":
                got = await client.get(url)
                assert got.status_code == 303, name
                assert got.headers["location"].startswith("/staf/masuk")
            else:
                before = await snapshot()
                got = await client.post(url, data=FORMS[name])
                assert got.status_code in (303, 403), (name, got.status_code)
                assert await snapshot() == before


def cells(page: str, element: str) -> list[str]:
    row = re.search(rf'<tr data-element="{element}">(.*?)</tr>', page, re.S)
    assert row, element
    return re.findall(r'<data value="([^"]*)"', row.group(1))


async def engine_unit(org) -> Any:
    result = await score_period(parse(PERIOD), Parameters(draws=50))
    return next(u for u in result.units if u.unit == org.unit_code)


async def test_the_proposal_shows_the_engines_nrr_and_n(data):
    org = data
    mine = await engine_unit(org)
    async with make_client() as client:
        await signed(client, "unit")
        page = (await client.get(f"{UNIT_PAGE}?period={PERIOD}")).text
    shown = re.findall(r'<tr data-element="([a-z]+)">', page)
    assert shown == ["waktu", "prosedur", "sarana"]
    for code, n in (("waktu", 12), ("prosedur", 12), ("sarana", 12)):
        nrr, count = cells(page, code)
        assert float(nrr) == pytest.approx(mine.elements[code].nrr, abs=1e-12)
        assert int(count) == n
    # The displayed text is the same number to 3 decimals (Indonesian decimal comma).
    assert "2,000" in page and "3,000" in page and "3,500" in page
    # pengaduan (NRR 1 from 9 answers) is not proposed, and its NRR is not shown.
    skipped = re.search(r'<ul id="skipped">(.*?)</ul>', page, re.S).group(1)
    assert 'data-element="pengaduan"' in skipped and "9 jawaban" in skipped
    assert "1,000" not in page
    assert "3,0644" in page  # the bound, in words beside the table


async def test_the_whole_workflow_through_the_forms(data):
    org = data
    async with make_client() as unit_client, make_client() as agency_client:
        token = await signed(unit_client, "unit")
        page = await unit_client.get(f"{UNIT_PAGE}?period={PERIOD}")
        assert 'id="create-plan"' in page.text
        done = await unit_client.post(UNIT_PAGE, data={"_csrf_token": token,
                                                       "period": PERIOD})
        assert done.status_code == 303
        plan = await reads.plan_for(org.unit_id, PERIOD)
        assert plan is not None and plan.status == "draft"
        again = await unit_client.post(UNIT_PAGE, data={"_csrf_token": token,
                                                        "period": PERIOD})
        assert again.status_code == 409 and "sudah ada" in again.text
        base = f"{UNIT_PAGE}/{plan.id}"
        # Bad input: the page again with the messages beside the fields; nothing written.
        before, mark = await snapshot(), await audit_mark()
        bad = await unit_client.post(f"{base}/tindakan", data={
            "_csrf_token": token, **ACTION, "who": "Bu Ani 0812-3456-7890", "due": "kemarin",
            "what": ""})
        assert bad.status_code == 422
        text = html.unescape(bad.text)
        assert "Tuliskan apa yang akan dilakukan." in text
        assert "bukan nomor telepon" in text and "YYYY-MM-DD" in text
        assert 'aria-invalid="true"' in bad.text
        assert "Bu Ani 0812-3456-7890" in text  # what was typed is kept
        assert await snapshot() == before and await audit_mark() == mark
        bad_en = await unit_client.post(f"{base}/tindakan?lang=en", data={
            "_csrf_token": token, **ACTION, "what": ""})
        assert bad_en.status_code == 422 and "Write what will be done." in bad_en.text
        await unit_client.get(f"{UNIT_PAGE}?lang=id")  # the session remembers the language
        # Submitting without actions: 422.
        empty = await unit_client.post(f"{base}/ajukan", data={"_csrf_token": token})
        assert empty.status_code == 422
        added = await unit_client.post(f"{base}/tindakan", data={"_csrf_token": token,
                                                                 **ACTION})
        assert added.status_code == 303 and "done=added" in added.headers["location"]
        page = (await unit_client.get(added.headers["location"])).text
        assert "Tambah petugas loket pada jam sibuk" in page and 'id="done"' in page
        assert (await unit_client.post(f"{base}/ajukan", data={"_csrf_token": token})
                ).status_code == 303
        page = (await unit_client.get(f"{UNIT_PAGE}?period={PERIOD}")).text
        assert 'data-status="submitted"' in page and 'id="add-action"' not in page

        # The agency head sees it waiting, and returns it from the agency page.
        agency_token = await signed(agency_client, "agency")
        listing = (await agency_client.get("/staf/dinas/dinkes/rtl")).text
        assert f'id="waiting-{plan.id}"' in listing
        no_note = await agency_client.post(f"{base}/keputusan", data={
            "_csrf_token": agency_token, "decision": "return", "note": "",
            "agency": "dinkes"})
        assert no_note.status_code == 422
        assert (await reads.plan_by_id(plan.id)).status == "submitted"
        returned = await agency_client.post(f"{base}/keputusan", data={
            "_csrf_token": agency_token, "decision": "return", "note": "Tambahkan target",
            "agency": "dinkes"})
        assert returned.status_code == 303
        assert returned.headers["location"].startswith("/staf/dinas/dinkes/rtl?done=returned")
        page = (await unit_client.get(f"{UNIT_PAGE}?period={PERIOD}")).text
        assert "Tambahkan target" in page and 'id="add-action"' in page
        assert (await unit_client.post(f"{base}/ajukan", data={"_csrf_token": token})
                ).status_code == 303
        approved = await agency_client.post(f"{base}/keputusan", data={
            "_csrf_token": agency_token, "decision": "approve", "note": ""})
        assert approved.status_code == 303 and "done=approved" in approved.headers["location"]
        late = await agency_client.post(f"{base}/keputusan", data={
            "_csrf_token": agency_token, "decision": "return", "note": "terlambat"})
        assert late.status_code == 409

        # After approval: the baseline is the engine's NRR and n; statuses with notes.
        mine = await engine_unit(org)
        page = (await unit_client.get(f"{UNIT_PAGE}?period={PERIOD}")).text
        row = re.search(r'<tr data-action="(\d+)" data-element="waktu">(.*?)</tr>', page, re.S)
        action_id = int(row.group(1))
        nrr, n = re.findall(r'<data value="([^"]*)"', row.group(2))
        assert float(nrr) == pytest.approx(mine.elements["waktu"].nrr) and int(n) == 12
        removed = await unit_client.post(f"{base}/tindakan/{action_id}/hapus",
                                         data={"_csrf_token": token})
        assert removed.status_code == 409
        no_evidence = await unit_client.post(f"{base}/tindakan/{action_id}/status", data={
            "_csrf_token": token, "status": "dropped", "note": " ", "seen": "planned"})
        assert no_evidence.status_code == 422
        assert "alasannya" in html.unescape(no_evidence.text)
        status = await unit_client.post(f"{base}/tindakan/{action_id}/status", data={
            "_csrf_token": token, "status": "in_progress", "note": "Mulai 1 Agustus",
            "seen": "planned"})
        assert status.status_code == 303
        stale = await unit_client.post(f"{base}/tindakan/{action_id}/status", data={
            "_csrf_token": token, "status": "done", "note": "Selesai", "seen": "planned"})
        assert stale.status_code == 409
        (action,) = await reads.actions(plan.id)
        assert action.status == "in_progress" and action.evidence_note == "Mulai 1 Agustus"
        listing = (await agency_client.get("/staf/dinas/dinkes/rtl")).text
        assert 'id="none-waiting"' in listing and 'data-status="approved"' in listing


@pytest.mark.parametrize(("query", "status"), [
    ("period=2026-01-01..2026-03-31", 400), ("from=2026-01-01&to=2026-03-31", 400),
    ("period=2026-S3", 400), ("period=2099", 422), ("period=1999", 400)])
async def test_bad_periods(data, query, status):
    async with make_client() as client:
        await signed(client, "unit")
        got = await client.get(f"{UNIT_PAGE}?{query}")
        assert got.status_code == status


async def test_bad_plan_period_on_create_writes_nothing(data):
    async with make_client() as client:
        token = await signed(client, "unit")
        for period, status in (("2026-S3", 400), ("2099", 422), ("", 400),
                               ("2026-01-01..2026-03-31", 400)):
            got = await client.post(UNIT_PAGE, data={"_csrf_token": token, "period": period})
            assert got.status_code == status, period
        assert await FollowUpPlan.count() == 0


async def test_the_default_period_is_the_last_ended_semester(data):
    from app.web.staff.plans import last_ended_semester

    assert last_ended_semester(datetime(2026, 11, 30).date()) == "2026-S1"
    assert last_ended_semester(datetime(2026, 3, 1).date()) == "2025-S2"
    async with make_client() as client:
        await signed(client, "unit")
        page = (await client.get(UNIT_PAGE)).text
    from app.web.staff.dashboards import today

    expected = last_ended_semester(today())
    assert f'<option value="{expected}" selected>' in page


async def test_the_dashboards_link_to_the_plan_pages(data):
    async with make_client() as client:
        await signed(client, "unit")
        page = (await client.get(f"/staf/unit/pkm-oesapa?period={PERIOD}")).text
        assert f'href="{UNIT_PAGE}?period={PERIOD}" id="rtl-link"' in page
        page = (await client.get("/staf/unit/pkm-oesapa")).text  # this year to date
        assert f'href="{UNIT_PAGE}" id="rtl-link"' in page
    async with make_client() as client:
        await signed(client, "agency")
        page = (await client.get("/staf/dinas/dinkes")).text
        assert 'href="/staf/dinas/dinkes/rtl" id="rtl-link"' in page


async def test_unknown_unit_agency_plan_and_action(data):
    org = data
    plan, action = await prepare(org, "draft")
    async with make_client() as client:
        token = await signed(client, "city")
        assert (await client.get("/staf/dinas/nope/rtl")).status_code == 404
        assert (await client.get("/staf/unit/nope/rtl")).status_code == 404
        decide = await client.post(f"{UNIT_PAGE}/{plan + 99}/keputusan", data={
            "_csrf_token": token, "decision": "approve"})
        assert decide.status_code == 404
        # A plan reached through another unit's path is not found.
        other = await client.post(f"/staf/unit/pkm-oebobo/rtl/{plan}/keputusan", data={
            "_csrf_token": token, "decision": "approve"})
        assert other.status_code == 404
    async with make_client() as client:
        token = await signed(client, "unit")
        got = await client.post(f"{UNIT_PAGE}/{plan}/tindakan/{action + 99}", data={
            "_csrf_token": token, **ACTION})
        assert got.status_code == 404
        # An unknown decision or a bad action is refused before anything is written.
        before = await snapshot()
        got = await client.post(f"{UNIT_PAGE}/{plan}/tindakan/{action}", data={
            "_csrf_token": token, **ACTION, "element": "nope", "due": "2026-02-30"})
        assert got.status_code == 422
        assert "Pilih salah satu dari sembilan unsur." in html.unescape(got.text)
        assert await snapshot() == before


async def test_staff_text_is_escaped(data):
    org = data
    plan, _action = await prepare(org, "draft")
    scope = await unit_scope(org)
    await work.add_action(scope, org.unit_code, plan, {
        **ACTION, "what": "<script>alert(1)</script> & co", "who": "Kepala <b>TU</b>"},
        UNIT_ACTOR, NOW)
    await work.submit(scope, org.unit_code, plan, UNIT_ACTOR, NOW)
    async with make_client() as client:
        await signed(client, "agency")
        for url in (f"{UNIT_PAGE}?period={PERIOD}", "/staf/dinas/dinkes/rtl"):
            page = (await client.get(url)).text
            assert "<script>alert(1)" not in page and "Kepala <b>TU</b>" not in page
            assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
