"""The unit sub-pages /staf/unit/{unit}/komentar and /staf/unit/{unit}/kinerja: comments
masked, filtered and paged; targets, entry of actuals (CSRF, validation, audit) and the
performance index with its decomposition, figure by figure equal to the engine's; roles
and scopes of every route."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.web.staff.dashboards import number
from feedback.accounts import audit
from feedback.org.counters import load_counter
from feedback.performance import unit_targets as targets
from feedback.performance.decomposition import decompose
from feedback.performance.kpis import store_kpis
from feedback.performance.periods import parse
from feedback.performance.scores import score_period
from feedback.survey import submit as submission
from feedback.survey.validate import validate
from feedback.tables import IndicatorAudit, IndicatorValue, Response
from scoring.ikm import ELEMENTS
from scoring.inputs import Kpi, Parameters
from scoring.targets import kpi_pillar
from tests.staff_support import ROLE_ACCOUNTS, make_all_roles, sign_in, token_of
from tests.support import make_client

Q1 = "2026-Q1"
START = datetime(2026, 2, 1, 1, tzinfo=UTC)  # 09:00 WITA
PHONE = "0812-3456-7890"


def answers(i: int) -> dict[str, int]:
    base = {e: 2 + (i + k) % 3 for k, e in enumerate(ELEMENTS)}
    base["waktu"] = 1 + i % 4
    return base


async def store(counter_code: str, items: list[tuple[dict[str, int], str | None]],
                tag: str, start: datetime = START) -> None:
    counter = await load_counter(counter_code)
    pending = [submission.Pending(
        counter=counter, draft=validate(counter, a, comment=c), channel="kiosk", lang="id",
        submission_key=f"{tag}-{i}", now=start + timedelta(minutes=i))
        for i, (a, c) in enumerate(items)]
    await submission.store_batch(pending, submission.Policy())


@pytest.fixture
async def data(org):

    own = [(answers(i), f"Komentar {i}" if i % 2 == 0 else None) for i in range(50)]
    own[48] = (answers(48), f"Hubungi saya {PHONE}, mobil DH 1234 AB")
    await store(org.counter, own, "own")
    await store(org.other_counter, [(answers(i), "Oebobo lain") for i in range(20)], "far")
    # an excluded response's comment is not shown
    await store(org.counter, [(answers(3), "Dikeluarkan")], "ex",
                start=START + timedelta(days=1))
    await Response.update({Response.excluded: True}).where(Response.comment == "Dikeluarkan")
    now = datetime(2026, 4, 2, tzinfo=UTC)
    await store_kpis(Q1, [
        Kpi(org.unit_code, "imunisasi", 95, 90, "higher", 2),
        Kpi(org.unit_code, "waktu-tunggu", 30, 36, "lower", 1),
        Kpi("pkm-oebobo", "imunisasi", 95, 70, "higher", 1),
    ], "cli", now)
    await make_all_roles()
    return org


async def signed(client, role: str) -> None:
    done = await sign_in(client, ROLE_ACCOUNTS[role][0])
    assert done.status_code == 303, done.text[-300:]


def texts(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<p class="text">(.*?)</p>', page, re.S)]


def data_of(page: str, element_id: str) -> list[str]:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:dd|td|strong|span)>', page, re.S)
    assert found, element_id
    return re.findall(r'<data value="([^"]*)"', found.group(1))


# Comments --------------------------------------------------------------------------------

async def test_comments_page_masked_newest_first_filtered_and_paged(data):
    async with make_client() as client:
        await signed(client, "unit")
        first = await client.get(f"/staf/unit/{data.unit_code}/komentar?period={Q1}")
        assert first.status_code == 200, first.text
        page = first.text
        shown = texts(page)
        assert shown[0] == ("Hubungi saya [nomor telepon disamarkan], mobil "
                            "[pelat disamarkan]")
        assert PHONE not in page and "DH 1234 AB" not in page
        assert "Dikeluarkan" not in page and "Oebobo lain" not in page
        assert shown[1:] == [f"Komentar {i}" for i in range(46, 8, -2)]  # 20 a page
        assert "09:" in page and "WITA" in page  # 09:xx WITA, stored 01:xx UTC
        older = re.search(r'<a href="([^"]+)" rel="next"', page)
        assert older and 'rel="prev"' not in page
        second = await client.get(f"/staf/unit/{data.unit_code}/komentar"
                                  + html.unescape(older.group(1)))
        assert texts(second.text) == [f"Komentar {i}" for i in range(8, -1, -2)]
        assert 'rel="next"' not in second.text and 'rel="prev"' in second.text

        slow = await client.get(f"/staf/unit/{data.unit_code}/komentar?period={Q1}"
                                "&element=waktu&rating=1&rating=2")
        expected = [f"Komentar {i}" for i in range(46, -1, -2) if 1 + i % 4 in (1, 2)]
        assert texts(slow.text) == ["Hubungi saya [nomor telepon disamarkan], mobil "
                                    "[pelat disamarkan]"] * (1 + 48 % 4 in (1, 2)) + expected
        # the filter keeps its state in the form
        assert 'value="waktu" selected' in slow.text
        assert 'name="rating" value="1" checked' in slow.text

        english = await client.get(f"/staf/unit/{data.unit_code}/komentar?period={Q1}"
                                   "&lang=en")
        assert "[phone number hidden]" in english.text and "[plate number hidden]" in english.text
        none = await client.get(f"/staf/unit/{data.unit_code}/komentar?period=2025-Q1&lang=id")
        assert texts(none.text) == [] and "Tidak ada komentar" in none.text


@pytest.mark.parametrize(("query", "status", "text"), [
    ("element=nope", 400, "Unsur tidak dikenal"),
    ("element=waktu&rating=5", 400, "1 sampai 4"),
    ("rating=1", 400, "Pilih unsur"),
    ("page=0", 400, "Nomor halaman"),
    ("page=abc", 400, "Nomor halaman"),
    ("period=2026-S9", 400, "Periode tidak dikenal"),
    ("period=2099", 422, "belum dimulai"),
    ("element=nope&lang=en", 400, "Unknown element"),
])
async def test_bad_comment_filters(data, query, status, text):
    async with make_client() as client:
        await signed(client, "unit")
        got = await client.get(f"/staf/unit/{data.unit_code}/komentar?{query}")
    assert got.status_code == status and text in got.text, got.text[-800:]


async def test_officers_are_told_why_they_see_no_comments(data):
    async with make_client() as client:
        await signed(client, "officer")
        got = await client.get(f"/staf/unit/{data.unit_code}/komentar")
    assert got.status_code == 403
    assert "Petugas loket tidak melihat komentar" in got.text
    assert "Komentar 0" not in got.text


# Targets, entry and index ----------------------------------------------------------------

async def test_targets_page_figures_equal_the_engine(data):
    result = await score_period(parse(Q1), Parameters())
    d = decompose(result, data.unit_code)
    assert d is not None and d.index is not None and d.parts
    async with make_client() as client:
        await signed(client, "unit")
        got = await client.get(f"/staf/unit/{data.unit_code}/kinerja?period={Q1}")
    assert got.status_code == 200, got.text
    page = got.text
    assert data_of(page, "index-value") == [repr(d.index)]
    assert data_of(page, "satisfaction-value") == [repr(d.satisfaction), repr(d.w_satisfaction)]
    assert data_of(page, "kpi-value") == [repr(d.kpi), repr(d.w_kpi)]
    assert data_of(page, "mean-index") == [repr(d.mean_index)]
    assert data_of(page, "difference") == [repr(d.difference)]
    assert number(d.index) in page  # shown with a decimal comma
    table = dict(re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', page, re.S))
    assert list(table) == [p.key for p in d.parts]
    for p in d.parts:
        assert re.findall(r'<data value="([^"]*)"', table[p.key]) == [
            repr(p.contribution), repr(p.points)]
    # the points add up to the index difference, the contributions to the index
    assert float(data_of(page, "sum-points")[0]) == pytest.approx(d.difference, abs=1e-9)
    assert float(data_of(page, "sum-contributions")[0]) == pytest.approx(d.index, abs=1e-9)
    unit = next(u for u in result.units if u.unit == data.unit_code)
    assert data_of(page, "kpi-pillar") == [repr(unit.kpi)]
    assert data_of(page, "kpi-coverage") == [repr(unit.kpi_coverage)]
    rows = dict(re.findall(r'<tr data-indicator="([^"]+)">(.*?)</tr>', page, re.S))
    pillar = kpi_pillar([Kpi(data.unit_code, "imunisasi", 95, 90, "higher", 2),
                         Kpi(data.unit_code, "waktu-tunggu", 30, 36, "lower", 1)])
    assert pillar.value == unit.kpi
    for code, score in unit.kpi_scores.items():
        weight, target, shown_score, share = re.findall(r'<data value="([^"]*)"', rows[code])
        actual = re.search(r'name="actual:[^"]+" value="([^"]*)"', rows[code]).group(1)
        assert shown_score == repr(score) and share == repr(pillar.weights[code])
        assert (float(weight), float(target), float(actual)) == {
            "imunisasi": (2, 95, 90), "waktu-tunggu": (1, 30, 36)}[code]
    # the sentence in words names the part that costs the most
    weakest = d.weakest
    assert weakest is not None
    assert f"{number(-weakest.points)} poin" in page
    assert "<svg" in page and "<script" not in page


async def test_entering_actuals_in_the_web(data):
    async with make_client() as client:
        await signed(client, "unit")
        path = f"/staf/unit/{data.unit_code}/kinerja"
        page = await client.get(f"{path}?period={Q1}")
        token = token_of(page.text)
        assert 'name="actual:imunisasi" value="90"' in page.text
        mark = await _audit_mark()
        saved = await client.post(path, data={
            "_csrf_token": token, "period": Q1, "actual:imunisasi": "92,5",
            "actual:waktu-tunggu": "36"})
        assert saved.status_code == 303
        assert saved.headers["location"] == f"{path}?period={Q1}&saved=1"
        shown = await client.get(saved.headers["location"])
        assert "1 realisasi disimpan" in shown.text
        assert "unit@test.id" in shown.text  # history: who
        history = re.findall(r"<tr data-history>(.*?)</tr>", shown.text, re.S)
        assert len(history) == 1 and "90,00" in history[0] and "92,50" in history[0]
        # the index shown is computed afresh with the new actual (the cached result of the
        # period was dropped), equal to the engine's
        fresh = decompose(await score_period(parse(Q1), Parameters()), data.unit_code)
        assert data_of(shown.text, "index-value") == [repr(fresh.index)]
        assert data_of(shown.text, "kpi-pillar") == [repr(fresh.kpi)]
        logged = await audit.entries(after_id=mark)
        assert [(e["action"], e["object_key"], e["old"], e["new"], e["actor"])
                for e in logged] == [(targets.AUDIT_ACTION, f"{data.unit_code}/imunisasi/{Q1}",
                                      {"actual": 90.0}, {"actual": 92.5}, "unit@test.id")]
        # the same again: nothing written, no audit
        state = await _state()
        again = await client.post(path, data={
            "_csrf_token": token, "period": Q1, "actual:imunisasi": "92.5",
            "actual:waktu-tunggu": "36"})
        assert again.status_code == 303 and again.headers["location"].endswith("saved=0")
        assert await _state() == state and await audit.entries(after_id=logged[0]["id"]) == []
        # bad input: 422, messages in Indonesian, the typed values kept, nothing written
        bad = await client.post(path, data={
            "_csrf_token": token, "period": Q1, "actual:imunisasi": "93",
            "actual:waktu-tunggu": "-4"})
        assert bad.status_code == 422
        assert "tidak boleh negatif" in bad.text and 'value="-4"' in bad.text
        assert 'aria-invalid="true"' in bad.text
        for value, text in (("abc", "Bukan angka"), ("1.234", "pemisah ribuan"),
                            ("9600", "100 kali target")):
            refused = await client.post(path, data={
                "_csrf_token": token, "period": Q1, "actual:imunisasi": value})
            assert refused.status_code == 422 and text in refused.text, value
        english = await client.post(path + "?lang=en", data={
            "_csrf_token": token, "period": Q1, "actual:imunisasi": "abc"})
        assert english.status_code == 422 and "Not a number" in english.text
        unknown = await client.post(path, data={
            "_csrf_token": token, "period": Q1, "actual:nope": "3"})
        assert unknown.status_code == 422
        no_period = await client.post(path, data={"_csrf_token": token,
                                                  "actual:imunisasi": "3"})
        assert no_period.status_code == 400
        custom = await client.get(f"{path}?from=2026-01-01&to=2026-02-01")
        assert custom.status_code == 400
        assert await _state() == state
        # without the CSRF token: refused, nothing written
        forged = await client.post(path, data={"period": Q1, "actual:imunisasi": "50"})
        assert forged.status_code == 403
        assert await _state() == state


async def _audit_mark() -> int:
    rows = await audit.entries(limit=1)
    return rows[0]["id"] if rows else 0


async def _state():
    return (sorted((r["id"], r["actual"]) for r in await IndicatorValue.select(
        IndicatorValue.id, IndicatorValue.actual)), await IndicatorAudit.count())


# Roles × routes --------------------------------------------------------------------------

ROUTES = {
    "comments-own": "/staf/unit/pkm-oesapa/komentar",
    "comments-other": "/staf/unit/pkm-oebobo/komentar",
    "comments-unknown": "/staf/unit/nope/komentar",
    "targets-own": "/staf/unit/pkm-oesapa/kinerja",
    "targets-other": "/staf/unit/pkm-oebobo/kinerja",
}
EXPECTED_GET = {
    "officer": {"comments-own": 403, "comments-other": 403, "comments-unknown": 403,
                "targets-own": 403, "targets-other": 403},
    "unit": {"comments-own": 200, "comments-other": 404, "comments-unknown": 404,
             "targets-own": 200, "targets-other": 404},
    "agency": {"comments-own": 200, "comments-other": 200, "comments-unknown": 404,
               "targets-own": 200, "targets-other": 200},
    "city": {"comments-own": 200, "comments-other": 200, "comments-unknown": 404,
             "targets-own": 200, "targets-other": 200},
    "admin": dict.fromkeys(ROUTES, 403),
}
# POST of an actual (the targets routes): editors are the unit (own unit) and the city.
EXPECTED_POST = {
    "officer": {"targets-own": 403, "targets-other": 403},
    "unit": {"targets-own": 303, "targets-other": 404},
    "agency": {"targets-own": 403, "targets-other": 403},
    "city": {"targets-own": 303, "targets-other": 303},
    "admin": {"targets-own": 403, "targets-other": 403},
}


async def test_roles_and_scopes_of_every_route(data):
    for role in EXPECTED_GET:
        async with make_client() as client:
            await signed(client, role)
            token = client.cookies.get("sl_csrf")
            for name, path in ROUTES.items():
                got = await client.get(f"{path}?period={Q1}")
                assert got.status_code == EXPECTED_GET[role][name], (role, name)
            for name, want in EXPECTED_POST[role].items():
                state = await _state()
                got = await client.post(ROUTES[name], data={
                    "_csrf_token": token, "period": Q1, "actual:imunisasi": "77"})
                assert got.status_code == want, (role, name, got.status_code)
                if want != 303:
                    assert await _state() == state, (role, name)
                await IndicatorValue.update({IndicatorValue.actual: 70.0}).where(
                    IndicatorValue.actual == 77.0)  # back, so the next save changes it
    async with make_client() as client:  # not signed in: to the sign-in page
        for path in ROUTES.values():
            got = await client.get(path)
            assert got.status_code == 303 and got.headers["location"].startswith("/staf/masuk")


def test_points_chart_bars_start_at_zero():
    """Positive bars go right and negative bars left from one zero line, proportionally;
    the SVG has no script and is named and described."""
    from app.web.staff.unit_pages import points_chart

    chart = points_chart(["a", "b"], [1.0, -0.5], title="Judul", description="Uraian",
                         lang="id")
    svg = str(chart.svg)
    bars = [tuple(float(v) for v in found) for found in re.findall(
        r'<rect x="([^"]+)" y="[^"]+" rx="0" ry="0" width="([^"]+)"[^>]*class="rect reactive',
        svg)]
    assert len(bars) == 2
    (neg_x, neg_w), (pos_x, pos_w) = bars  # pygal draws the last label first
    assert neg_x + neg_w == pytest.approx(pos_x)  # they meet at zero
    assert pos_w == pytest.approx(2 * neg_w)
    assert "<script" not in svg and 'role="img"' in svg
    assert "<title" in svg and "Uraian" in svg
