"""The staff case pages (/staf/kasus): the role × route matrix, the list with its clocks
(working days late or left, compared with the working-day calendar), the detail page
(ratings, masked comment, history, the contact for the handling unit only and audited),
and the step forms (Post/Redirect/Get, bad input 422 writing nothing, wrong state 409)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from litestar import Litestar, get

from app.web.staff.unit_pages import element_names
from feedback.accounts.audit import entries
from feedback.cases import clocks
from feedback.cases.tables import CaseEvent
from feedback.cases.workdays import WorkCalendar
from feedback.clock import WITA
from tests.case_support import LOW, case_row, events_of, new_case
from tests.staff_support import audit_mark, make_all_roles, make_user, signed_in_as
from tests.support import make_client

SAMPLE = "ABCD-EF23"
STEP_PATHS = ("verifikasi", "balas", "teruskan", "eskalasi", "tutup")
COVERED_ROUTES = {("GET", "/staf/kasus"), ("GET", f"/staf/kasus/{SAMPLE}"),
                  *{("POST", f"/staf/kasus/{SAMPLE}/{step}") for step in STEP_PATHS}}
ROLES = ["anonymous", "officer", "unit", "agency", "city", "admin"]
FORMS = {"verifikasi": {}, "balas": {"text": "Mohon maaf, sudah kami perbaiki."},
         "teruskan": {"unit": "pkm-oebobo", "note": ""},
         "eskalasi": {"reason": "Perlu keputusan dinas."},
         "tutup": {"outcome": "invalid", "note": "Bukan keluhan layanan."}}
# The page's "now": Thursday 3 December 2026, noon WITA.
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=WITA)
CAL = WorkCalendar()


def show(receipt: str) -> str:
    return f"{receipt[:4]}-{receipt[4:]}"


class Client:
    """A signed-in client whose pages see NOW (the app's staff clock)."""

    def __init__(self, role: str, lang: str | None = None):
        self.role, self.lang, self._c = role, lang, make_client()

    async def __aenter__(self):
        self._c.app.state.staff_clock.offset = NOW - datetime.now(UTC)
        self.http = await self._c.__aenter__()
        self.token = (await signed_in_as(self.http, self.role)
                      if self.role != "anonymous" else None)
        if self.lang:
            await self.http.get(f"/staf/kasus?lang={self.lang}")
        return self

    async def __aexit__(self, *exc):
        return await self._c.__aexit__(*exc)

    async def get(self, path: str):
        return await self.http.get(path)

    async def post(self, path: str, **form):
        token = self.token
        if token is None:  # anonymous: a real token from the sign-in page
            page = await self.http.get("/staf/masuk")
            token = re.search(r'name="_csrf_token" value="([^"]*)"', page.text).group(1)
        return await self.http.post(path, data={"_csrf_token": token, **form})


@pytest.fixture
async def world(org):
    await make_all_roles()
    await make_user("unit", email="oebobo@test.id", scope="pkm-oebobo")
    return {
        # Wed 25 Nov: verify_due Mon 30 Nov, 3 working days late on Thu 3 Dec
        "late": await new_case(datetime(2026, 11, 25, 10, 0, tzinfo=WITA),
                               contact="+6281234567890"),
        # Wed 2 Dec: verify_due Mon 7 Dec, 2 working days left (Fri, Mon)
        "fresh": await new_case(datetime(2026, 12, 2, 9, 0, tzinfo=WITA)),
        # another unit of the same agency
        "oebobo": await new_case(datetime(2026, 12, 1, 8, 0, tzinfo=WITA), counter="OEBOBO01"),
    }


def rows(html: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'data-(receipt|status|level|overdue)="([^"]*)"', row))
            for row in re.findall(r"<tr data-receipt=[^>]*>", html)]


async def test_role_route_matrix(world):
    for role in ROLES:
        cases = {step: await new_case(NOW - timedelta(hours=1 + i)) for i, step
                 in enumerate(STEP_PATHS)}
        async with Client(role) as c:
            listed = await c.get("/staf/kasus")
            detail = await c.get(f"/staf/kasus/{show(cases['tutup'])}")
            posts = {step: await c.post(f"/staf/kasus/{show(cases[step])}/{step}",
                                        **FORMS[step]) for step in STEP_PATHS}
        if role == "anonymous":
            for got in (listed, detail, *posts.values()):
                assert got.status_code == 303 and got.headers["location"].startswith(
                    "/staf/masuk"), role
        elif role == "officer":  # a case names a citizen's visit at the officer's counter
            assert {listed.status_code, detail.status_code,
                    *(p.status_code for p in posts.values())} == {403}
        else:
            assert (listed.status_code, detail.status_code) == (200, 200), role
            for step, got in posts.items():
                assert got.status_code == 303, (role, step, got.text[-400:])
                assert got.headers["location"].startswith(
                    f"/staf/kasus/{show(cases[step])}?done=")
        status = {step: (await case_row(receipt))["status"] for step, receipt in cases.items()}
        level = (await case_row(cases["eskalasi"]))["level"]
        if role in ("anonymous", "officer"):
            assert set(status.values()) == {"open"} and level == "unit"
        else:
            assert status == {"verifikasi": "verified", "balas": "answered",
                              "teruskan": "open", "eskalasi": "open", "tutup": "closed"}
            assert level == "agency"


async def test_other_scopes_get_404_and_write_nothing(world):
    receipt = world["late"]
    await make_user("agency", email="far@test.id", scope="dinkes")  # same agency: sees it
    for email in ("oebobo@test.id",):
        async with make_client() as http:
            from tests.staff_support import sign_in

            assert (await sign_in(http, email)).status_code == 303
            token = http.cookies.get("sl_csrf")
            assert (await http.get(f"/staf/kasus/{show(receipt)}")).status_code == 404
            events = await CaseEvent.count()
            for step in STEP_PATHS:
                got = await http.post(f"/staf/kasus/{show(receipt)}/{step}",
                                      data={"_csrf_token": token, **FORMS[step]})
                assert got.status_code == 404, step
            assert await CaseEvent.count() == events
            listed = await http.get("/staf/kasus")
            assert [r["receipt"] for r in rows(listed.text)] == [world["oebobo"]]


async def test_list_shows_the_clocks_overdue_first(world):
    async with Client("unit") as c:
        page = await c.get("/staf/kasus")
    assert page.status_code == 200
    html = page.text
    assert [r["receipt"] for r in rows(html)] == [world["late"], world["fresh"]]
    assert [r["overdue"] for r in rows(html)] == ["yes", "no"]
    late, fresh = await case_row(world["late"]), await case_row(world["fresh"])
    today = NOW.date()
    late_days = CAL.working_days_between(late["verify_due"], today)
    left_days = CAL.working_days_between(today, fresh["verify_due"])
    assert (late["verify_due"], late_days, fresh["verify_due"], left_days) == (
        date(2026, 11, 30), 3, date(2026, 12, 7), 2)
    assert f'data-clock="verify" data-days="{late_days}"' in html
    assert f'data-clock="verify" data-days="{left_days}"' in html
    assert "terlambat 3 hari kerja" in html and "sisa 2 hari kerja" in html
    assert "25-11-2026 10:00" in html  # opened, WITA
    assert "30-11-2026" in html and "07-12-2026" in html  # verify_due
    assert "07-12-2026" in html and "14-12-2026" in html  # follow_up_due (late, fresh)
    assert late["follow_up_due"] == date(2026, 12, 7)
    assert fresh["follow_up_due"] == date(2026, 12, 14)
    assert "UPTD Puskesmas Oesapa" in html and 'href="/staf/kasus"' in html  # nav "Kasus"
    assert ">Kasus<" in html
    async with Client("unit", "en") as c:
        english = (await c.get("/staf/kasus")).text
    assert "3 working days late" in english and "2 working days left" in english


async def test_list_filters(world):
    async with Client("agency") as c:
        everything = rows((await c.get("/staf/kasus")).text)
        late = rows((await c.get("/staf/kasus?terlambat=1")).text)
        await c.post(f"/staf/kasus/{show(world['fresh'])}/eskalasi", reason="Cek.")
        at_agency = rows((await c.get("/staf/kasus?level=agency")).text)
        await c.post(f"/staf/kasus/{show(world['oebobo'])}/verifikasi")
        verified = rows((await c.get("/staf/kasus?status=verified")).text)
        bad = [await c.get(f"/staf/kasus?{q}") for q in (
            "status=done", "level=mayor", "terlambat=yes")]
    assert [r["receipt"] for r in everything] == [world["late"], world["oebobo"],
                                                   world["fresh"]]
    assert [r["receipt"] for r in late] == [world["late"]]
    assert [r["receipt"] for r in at_agency] == [world["fresh"]]
    assert [r["receipt"] for r in verified] == [world["oebobo"]]
    for got in bad:
        assert got.status_code == 400 and "Nilai filter tidak dikenal." in got.text


async def test_detail_page(world):
    receipt = world["late"]
    async with Client("unit") as c:
        page = await c.get(f"/staf/kasus/{receipt.lower()}")
        same = await c.get(f"/staf/kasus/{show(receipt)}")
    assert page.status_code == same.status_code == 200
    html = page.text
    names = element_names("id")
    for code, value in LOW.items():
        assert re.search(rf'data-element="{code}"><th scope="row">{re.escape(names[code])}'
                         rf'</th><td class="num">{value}</td>', html), code
    assert "0812-3456-7890" not in html and "[nomor telepon disamarkan]" in html
    assert "Antre 4 jam, petugas membentak." in html
    assert 'data-event="opened"' in html and "25-11-2026 10:00" in html
    assert "terlambat 3 hari kerja" in html
    assert "+6281234567890" not in html and "data-show-contact" in html  # on request only
    for step in STEP_PATHS:
        assert f'action="/staf/kasus/{show(receipt)}/{step}"' in html, step


async def test_the_contact_is_for_the_handling_unit_and_audited(world):
    receipt = world["late"]
    mark = await audit_mark()
    async with Client("unit") as c:
        shown = (await c.get(f"/staf/kasus/{show(receipt)}?kontak=1")).text
    assert "+6281234567890" in shown
    log = [e for e in await entries(object_type="case", object_key=receipt)
           if e["id"] > mark]
    assert [(e["action"], e["actor"]) for e in log] == [("case.view_contact", "unit@test.id")]
    for role in ("agency", "city", "admin"):
        async with Client(role) as c:
            page = (await c.get(f"/staf/kasus/{show(receipt)}?kontak=1")).text
        assert "+6281234567890" not in page and "data-show-contact" not in page, role
        assert "Hanya unit yang menangani kasus ini yang melihatnya." in page, role
    assert len([e for e in await entries(object_type="case", object_key=receipt)
                if e["id"] > mark]) == 1
    # Forwarded to another unit: the new unit sees it, the first no longer does.
    async with Client("agency") as c:
        await c.post(f"/staf/kasus/{show(receipt)}/teruskan", unit="pkm-oebobo", note="")
    async with make_client() as http:
        from tests.staff_support import sign_in

        await sign_in(http, "oebobo@test.id")
        assert "+6281234567890" in (await http.get(f"/staf/kasus/{receipt}?kontak=1")).text
    async with Client("unit") as c:
        assert (await c.get(f"/staf/kasus/{receipt}?kontak=1")).status_code == 404


async def test_steps_through_the_forms(world):
    receipt = world["fresh"]
    async with Client("unit") as c:
        done = await c.post(f"/staf/kasus/{show(receipt)}/verifikasi")
        assert done.status_code == 303
        assert done.headers["location"] == f"/staf/kasus/{show(receipt)}?done=verify"
        page = await c.get(done.headers["location"])
        assert "Kasus telah diverifikasi." in page.text
        assert f'action="/staf/kasus/{show(receipt)}/verifikasi' not in page.text
        assert f'action="/staf/kasus/{show(receipt)}/balas' in page.text
        again = await c.post(f"/staf/kasus/{receipt}/verifikasi")
        assert again.status_code == 409
        events = len(await events_of(receipt))
        for form, message in (
                ({"text": "   "}, "Tulis balasan yang akan dilihat warga."),
                ({"text": "x" * 2001}, "Balasan lebih panjang dari 2000 karakter."),
                ({}, "Tulis balasan yang akan dilihat warga.")):
            bad = await c.post(f"/staf/kasus/{receipt}/balas", **form)
            assert bad.status_code == 422 and message in bad.text, form
        bad = await c.post(f"/staf/kasus/{receipt}/tutup", outcome="sure", note="x")
        assert bad.status_code == 422 and "Pilih hasil." in bad.text
        bad = await c.post(f"/staf/kasus/{receipt}/teruskan", unit="nope", note="")
        assert bad.status_code == 422 and "nope" in bad.text
        assert len(await events_of(receipt)) == events
        assert (await case_row(receipt))["status"] == "verified"
        replied = await c.post(f"/staf/kasus/{receipt}/balas?lang=en",
                               text="Loket tambahan dibuka.")
        assert replied.headers["location"] == (
            f"/staf/kasus/{show(receipt)}?done=reply&lang=en")
        case = await case_row(receipt)
        assert case["auto_close_due"] == clocks.auto_close_due(
            CAL, case["answered_at"]) == date(2026, 12, 17)
        page = (await c.get(f"/staf/kasus/{receipt}")).text  # English now (the session's)
        assert "Loket tambahan dibuka." in page and "17-12-2026" in page
        assert "10 working days left" in page  # the automatic closing clock
        page = (await c.get(f"/staf/kasus/{receipt}?lang=id")).text
        assert "sisa 10 hari kerja" in page
        escalated = await c.post(f"/staf/kasus/{receipt}/eskalasi", reason="Butuh anggaran.")
        assert escalated.status_code == 303
        refused = await c.post(f"/staf/kasus/{receipt}/tutup", outcome="resolved", note="x")
        assert refused.status_code == 403 and "tingkat dinas" in refused.text
    async with Client("agency") as c:
        page = (await c.get(f"/staf/kasus/{receipt}")).text
        assert "Butuh anggaran." in page and "internal" in page
        first = await c.post(f"/staf/kasus/{receipt}/tutup", outcome="resolved",
                             note="Selesai.")
        second = await c.post(f"/staf/kasus/{receipt}/tutup", outcome="resolved",
                              note="Selesai.")
    assert (first.status_code, second.status_code) == (303, 409)
    assert "Buka lagi" in second.text or "Buka kembali" in second.text
    assert [e["kind"] for e in await events_of(receipt)] == [
        "opened", "verified", "replied", "escalated", "closed"]


async def test_unknown_receipts_are_404(world):
    async with Client("city") as c:
        for path in ("/staf/kasus/ABCD-EF2", "/staf/kasus/ABCD-EF23", "/staf/kasus/x.csv",
                     "/staf/kasus/ABCDEF230"):
            assert (await c.get(path)).status_code == 404, path
        got = await c.post("/staf/kasus/ABCD-EF23/verifikasi")
        assert got.status_code == 404


def test_the_export_path_stays_free():
    """`/staf/kasus/ekspor.csv` (tracking's export) is routed to its own handler, not to
    the case detail."""
    from app.web.staff.cases import CasesController

    @get("/staf/kasus/ekspor.csv", sync_to_thread=False)
    def export() -> str:
        return "export"

    app = Litestar([CasesController, export])
    from litestar.testing import TestClient

    with TestClient(app) as client:
        assert client.get("/staf/kasus/ekspor.csv").text == "export"


async def test_list_pages(world, monkeypatch):
    from app.web.staff import cases as page_module

    monkeypatch.setattr(page_module, "PER_PAGE", 2)
    async with Client("agency") as c:
        first = await c.get("/staf/kasus")
        second = await c.get("/staf/kasus?page=2")
        filtered = await c.get("/staf/kasus?terlambat=1&page=1")
        beyond = await c.get("/staf/kasus?page=3")
        bad = [await c.get(f"/staf/kasus?page={p}") for p in ("0", "x", "-1")]
    assert [r["receipt"] for r in rows(first.text)] == [world["late"], world["oebobo"]]
    assert [r["receipt"] for r in rows(second.text)] == [world["fresh"]]
    assert "Kasus: 3, terlambat: 1 · Halaman 1 dari 2" in first.text
    assert 'href="/staf/kasus?page=2" rel="next"' in first.text
    assert 'href="/staf/kasus?page=1" rel="prev"' in second.text
    assert [r["receipt"] for r in rows(filtered.text)] == [world["late"]]
    assert "Halaman 1 dari" not in filtered.text  # one page: no pager
    assert beyond.status_code == 404
    assert [b.status_code for b in bad] == [400, 400, 400]
