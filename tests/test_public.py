"""The public pages (/publik, /publik/unit/{unit}) and the waiting-room screens (/tv,
/tv/{agency}): published snapshots only; every figure equals the snapshot's ScoreResult;
suppression below SUARA_MIN_GROUP; unpublished periods; new responses and new versions."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from html import unescape

import pytest

from app.output.qr import qr_svg
from app.survey_text import instrument
from app.web.public import tv
from app.web.staff.dashboards import number
from feedback.accounts.audit import Actor
from feedback.clock import WITA
from feedback.performance import periods, snapshots
from feedback.tables import Agency, Counter, Unit
from scoring.ikm import ELEMENTS, grade
from scoring.inputs import Parameters
from tests.support import make_client, store_answers

PARAMS = Parameters(draws=50, seed=1)
CITY = Actor(email="kota@x", id=None)
GOOD = {"persyaratan": 4, "prosedur": 3, "waktu": 3, "biaya": 4, "produk": 3,
        "kompetensi": 4, "perilaku": 4, "pengaduan": 3, "sarana": 3}
POOR = {**GOOD, "waktu": 1, "sarana": 2, "prosedur": 2}
SPARSE = {**GOOD, "biaya": None, "pengaduan": None}  # 7 of 9 answered: counted
MAR = datetime(2026, 3, 2, 3, tzinfo=UTC)
APR = datetime(2026, 4, 6, 3, tzinfo=UTC)
MAY = datetime(2026, 5, 6, 3, tzinfo=UTC)
SUPPRESSED = "belum cukup responden"
WORDS = {"A": "Sangat Baik", "B": "Baik", "C": "Kurang Baik", "D": "Tidak Baik"}


def text(html: str) -> str:
    """The page's visible text, whitespace collapsed."""
    html = re.sub(r"<(style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def row(html: str, marker: str) -> str:
    """The table row that contains `marker`."""
    at = html.index(marker)
    return html[html.rindex("<tr>", 0, at):html.index("</tr>", at)]


def wita(moment: datetime) -> str:
    return f"{moment.astimezone(WITA):%Y-%m-%d %H:%M} WITA"


async def publish(key: str, reason: str | None = None) -> snapshots.SnapshotInfo:
    return await snapshots.publish(periods.parse(key), CITY, f"note {key}", reason=reason,
                                   params=PARAMS)


@pytest.fixture
async def city(org):
    """pkm-oesapa (Dinas Kesehatan): 12 responses in March (2 answer 7 of 9 elements);
    pkm-oebobo: 11 in April; capil-kecil (Dinas Kependudukan): 3 in April, below the
    minimum group."""
    capil = Agency(code="dukcapil", name="Dinas Kependudukan")
    await capil.save()
    small = Unit(code="capil-kecil", name="Loket Capil Kecil", agency=capil.id,
                 peer_group="capil", kecamatan="Oebobo", monthly_volume=100)
    await small.save()
    await Counter.insert(
        Counter(code="CAPILK01", unit=small.id, name="Loket 1", is_kiosk=False,
                secret=org.secret),
        Counter(code="CAPILK00", unit=small.id, name="Kios", is_kiosk=True, secret=org.secret))
    await store_answers(org.kiosk, [GOOD] * 8 + [POOR] * 2 + [SPARSE] * 2, MAR)
    await store_answers(org.other_counter, [POOR] * 11, APR, channel="qr")
    await store_answers("CAPILK01", [GOOD, POOR, GOOD], APR, channel="qr")
    return org


async def page(url: str, **settings) -> tuple[int, str, dict[str, str]]:
    async with make_client(**settings) as client:
        response = await client.get(url)
    return response.status_code, response.text, dict(response.headers)


def inline_style_hash(html: str) -> str:
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    return base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()


async def test_overview_figures_equal_the_snapshot(city):
    info = await publish("2026-S1")
    result = (await snapshots.latest("2026-S1")).result
    status, html, headers = await page("/publik")
    assert status == 200
    shown = text(html)
    assert "Indeks Kepuasan Masyarakat (IKM), Semester I 2026" in shown
    assert f"Versi 1, diterbitkan {wita(info.published_at)}, metode suara-2026.2." in shown
    assert "Periode: 2026-01-01 sampai 2026-06-30." in shown and "Catatan: note 2026-S1" in shown
    units = {u.unit: u for u in result.units}
    for code in ("pkm-oesapa", "pkm-oebobo"):
        u = units[code]
        cells = text(row(html, f'href="/publik/unit/{code}"'))
        assert f"{number(u.ikm, 2, 'id')} {u.grade} {WORDS[u.grade]} {u.n}" in cells
    assert units["pkm-oesapa"].n == 12 and units["pkm-oebobo"].n == 11
    small = text(row(html, 'href="/publik/unit/capil-kecil"'))
    assert small == f"Loket Capil Kecil periode pertama yang diterbitkan {SUPPRESSED} 3"
    assert number(units["capil-kecil"].ikm, 2, "id") not in small
    # The agency: the n-weighted mean IKM of its shown units, with the grade of that figure
    dinkes = (units["pkm-oesapa"].ikm * 12 + units["pkm-oebobo"].ikm * 11) / 23
    assert f"Dinas Kesehatan IKM {number(dinkes, 2, 'id')} · {grade(dinkes)}" in shown
    assert "n = 23" in shown
    assert f"Dinas Kependudukan IKM: {SUPPRESSED} · n = 3" in shown
    # Light and script-free, with its own style hash in the policy, cacheable
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert f"'sha256-{inline_style_hash(html)}'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["cache-control"].startswith("public")


async def test_unit_page_elements_equal_the_snapshot(city):
    await publish("2026-S1")
    u = {x.unit: x for x in (await snapshots.latest("2026-S1")).result.units}["pkm-oesapa"]
    status, html, _h = await page("/publik/unit/pkm-oesapa")
    assert status == 200
    shown = text(html)
    assert f"IKM {number(u.ikm, 2, 'id')}" in shown and f"Responden (n) {u.n}" in shown
    assert f"Mutu {u.grade}" in shown
    names = {code: t.name for code, t in instrument("id").elements.items()}
    for code in ELEMENTS:
        nrr = u.elements[code].nrr
        assert nrr is not None
        assert text(row(html, f">{names[code]}<")) == (
            f"{names[code]} {number(nrr, 2, 'id')} {number(25 * nrr, 2, 'id')}")
    # 2 of 12 skipped "biaya": its NRR is over the 10 who answered it (the engine's value)
    assert u.elements["biaya"].nrr == 4.0
    assert u.status == "provisional"
    assert "Sementara: dinilai tetapi tidak diperingkat" in shown


async def test_a_unit_below_the_minimum_group_shows_n_and_no_figure_anywhere(city):
    await publish("2026-S1")
    u = {x.unit: x for x in (await snapshots.latest("2026-S1")).result.units}["capil-kecil"]
    assert u.n == 3 and u.ikm is not None  # the snapshot has it; the public does not
    secret = {number(u.ikm, 2, "id"), number(u.ikm, 2, "en")} | {
        number(u.elements[c].nrr, 2, lang) for c in ELEMENTS for lang in ("id", "en")}
    status, html, _h = await page("/publik/unit/capil-kecil")
    assert status == 200
    shown = text(html)
    assert f"IKM {SUPPRESSED}" in shown and "Responden (n) 3" in shown
    assert "NRR" not in shown and "Sembilan unsur" not in shown
    assert not any(f" {value} " in f" {shown} " for value in secret if value != "3,00"), shown
    _s, en, _h = await page("/publik/unit/capil-kecil?lang=en")
    assert "IKM not enough respondents" in text(en)
    # and on the screen of its agency
    status, screen, _h = await page("/tv/dukcapil")
    assert status == 200
    shown = text(screen)
    assert "Belum cukup responden" in shown and "Responden: 3" in shown
    assert number(u.ikm, 2, "id") not in shown


async def test_the_minimum_group_is_the_setting(city):
    await publish("2026-S1")
    result = (await snapshots.latest("2026-S1")).result
    units = {u.unit: u for u in result.units}
    _s, html, _h = await page("/publik", min_group=12)
    # pkm-oebobo (11) is now withheld, pkm-oesapa (12) shown
    assert SUPPRESSED in row(html, 'href="/publik/unit/pkm-oebobo"')
    assert number(units["pkm-oesapa"].ikm, 2, "id") in row(html, 'href="/publik/unit/pkm-oesapa"')
    shown = text(html)
    # the agency figure is then pkm-oesapa's alone: the withheld unit cannot be subtracted
    assert f"Dinas Kesehatan IKM {number(units['pkm-oesapa'].ikm, 2, 'id')}" in shown
    assert "dari 1 unitnya yang cukup responden" in shown and "(n = 12)" in shown


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/publik?period=2025-S1", 404, "Hasil 2025-S1 belum diterbitkan."),
    ("/publik?period=2026-Q3", 404, "Hasil 2026-Q3 belum diterbitkan."),
    ("/publik/unit/pkm-oesapa?period=2026", 404, "Hasil 2026 belum diterbitkan."),
    ("/publik?period=2026-S3", 400, "Periode adalah tahun, semester, triwulan atau bulan"),
    ("/publik?period=2026-01-01..2026-02-01", 400, "Periode adalah tahun"),
    ("/publik?period=" + "9" * 500, 400, "Periode adalah tahun"),
    ("/publik/unit/tidak-ada", 404, "Tidak ada unit dengan kode ini dalam hasil 2026-S1"),
    ("/publik/unit/" + "x" * 300, 404, "Tidak ada unit dengan kode ini"),
])
async def test_unpublished_periods_and_unknown_units(city, url, status, words):
    await publish("2026-S1")
    got, html, headers = await page(url)
    assert got == status
    shown = text(html)
    assert words in shown
    assert "Semester I 2026" in shown  # the published periods to choose from
    assert headers["cache-control"] == "no-cache"


async def test_nothing_published_yet(city):
    status, html, _h = await page("/publik")
    assert status == 404 and "Pemerintah kota belum menerbitkan hasil survei." in text(html)
    status, html, _h = await page("/publik?lang=en")
    assert status == 404 and "The city has not published survey results yet." in text(html)
    status, html, headers = await page("/tv")
    assert status == 200 and "Belum ada hasil yang diterbitkan." in text(html)
    assert f'content="{tv.EMPTY_SECONDS};url=/tv"' in html


async def test_new_responses_after_publishing_do_not_change_the_public_pages(city):
    await publish("2026-S1")
    before = [(await page(url))[1] for url in ("/publik", "/publik/unit/pkm-oesapa", "/tv")]
    await store_answers(city.kiosk, [POOR] * 30, MAY)
    await store_answers("CAPILK01", [POOR] * 20, MAY, channel="qr")
    after = [(await page(url))[1] for url in ("/publik", "/publik/unit/pkm-oesapa", "/tv")]
    assert after == before


async def test_a_new_version_replaces_what_the_public_sees(city):
    first = await publish("2026-S1")
    v1 = (await snapshots.get("2026-S1", 1)).result
    await store_answers("CAPILK01", [POOR] * 20, MAY, channel="qr")
    second = await publish("2026-S1", reason="late paper forms")
    v2 = (await snapshots.get("2026-S1", 2)).result
    small1 = {u.unit: u for u in v1.units}["capil-kecil"]
    small2 = {u.unit: u for u in v2.units}["capil-kecil"]
    assert (small1.n, small2.n) == (3, 23)
    _s, html, _h = await page("/publik")
    shown = text(html)
    assert f"Versi 2, diterbitkan {wita(second.published_at)}" in shown
    assert f"versi 1 tanggal {wita(first.published_at)}" in shown
    assert "Alasan versi ini: late paper forms" in shown
    cells = text(row(html, 'href="/publik/unit/capil-kecil"'))
    assert cells.endswith(f"{number(small2.ikm, 2, 'id')} {small2.grade} "
                          f"{WORDS[small2.grade]} 23")


async def test_trend_over_the_earlier_published_periods_of_the_same_kind(city):
    await publish("2026-Q1")
    await publish("2026-S1")  # another kind: not in a quarter's trend
    await store_answers(city.kiosk, [POOR] * 12, MAY)
    await publish("2026-Q2")
    q1 = {u.unit: u for u in (await snapshots.latest("2026-Q1")).result.units}
    q2 = {u.unit: u for u in (await snapshots.latest("2026-Q2")).result.units}
    status, html, _h = await page("/publik?period=2026-Q2")
    assert status == 200
    cells = text(row(html, 'href="/publik/unit/pkm-oesapa?period=2026-Q2"'))
    assert (f"2026-Q1: {number(q1['pkm-oesapa'].ikm, 2, 'id')} → "
            f"2026-Q2: {number(q2['pkm-oesapa'].ikm, 2, 'id')}") in cells
    assert "2026-S1" not in cells
    # pkm-oebobo had no response in Q1: withheld there, with its n
    assert f"2026-Q1: {SUPPRESSED} (n = 0) → 2026-Q2: {number(q2['pkm-oebobo'].ikm, 2, 'id')}" \
        in text(row(html, 'href="/publik/unit/pkm-oebobo?period=2026-Q2"'))
    _s, unit_html, _h = await page("/publik/unit/pkm-oesapa?period=2026-Q2")
    trend_rows = text(unit_html[unit_html.index('id="tr"'):])
    assert (f"Triwulan I 2026 {number(q1['pkm-oesapa'].ikm, 2, 'id')} "
            f"{q1['pkm-oesapa'].grade}") in trend_rows
    assert f"Triwulan II 2026 {number(q2['pkm-oesapa'].ikm, 2, 'id')}" in trend_rows
    # the first quarter has no earlier quarter
    _s, first, _h = await page("/publik?period=2026-Q1")
    assert "periode pertama yang diterbitkan" in text(row(first, 'href="/publik/unit/pkm-oesapa'))


async def test_the_default_period_is_the_published_one_that_ends_last(city):
    await publish("2026-Q1")
    await publish("2026-S1")
    await publish("2026-03")
    for url in ("/publik", "/publik?period=", "/publik/unit/pkm-oesapa?period="):
        status, html, _h = await page(url)
        assert status == 200, url
        assert re.search(r"<title>[^<]*Semester I 2026", html), url
    _s, html, _h = await page("/publik?period=2026-03")
    assert "Indeks Kepuasan Masyarakat (IKM), Maret 2026" in text(html)
    # the friendly 404 page has its own stylesheet's hash in its policy too
    _s, html, headers = await page("/publik?period=2026-04")
    assert f"'sha256-{inline_style_hash(html)}'" in headers["content-security-policy"]


async def test_english_keeps_the_language_in_its_links(city):
    await publish("2026-S1")
    status, html, _h = await page("/publik?lang=en&period=2026-S1")
    assert status == 200 and '<html lang="en">' in html
    shown = text(html)
    assert "Community Satisfaction Index (IKM), Semester I 2026" in shown
    assert 'href="/publik/unit/pkm-oesapa?period=2026-S1&amp;lang=en"' in html
    assert 'href="/publik?period=2026-S1"' in html  # the switch back to Indonesian
    assert "Good" in shown or "Very good" in shown or "Poor" in shown


async def test_tv_rotates_through_the_published_units_with_the_counter_qr(city):
    await publish("2026-S1")
    result = (await snapshots.latest("2026-S1")).result
    units = {u.unit: u for u in result.units}
    # agencies by name, then units by name
    order = ["capil-kecil", "pkm-oebobo", "pkm-oesapa"]
    for i, code in enumerate(order):
        status, html, headers = await page(f"/tv?i={i}")
        assert status == 200
        u = units[code]
        shown = text(html)
        assert u.name in shown and f"Responden: {u.n}" in shown and "Semester I 2026" in shown
        assert f"{i + 1}/3" in shown
        nxt = (i + 1) % 3
        assert f'<meta http-equiv="refresh" content="{tv.ROTATE_SECONDS};url=/tv?i={nxt}">' in html
        if code != "capil-kecil":
            assert f"{number(u.ikm, 2, 'id')}" in shown and f"Mutu {u.grade}" in shown
        assert f"'sha256-{inline_style_hash(html)}'" in headers["content-security-policy"]
    # the QR code is the unit's (non-kiosk) counter's survey link on the public URL
    _s, html, _h = await page("/tv?i=0", public_url="https://suara.kupangkota.go.id")
    assert qr_svg("https://suara.kupangkota.go.id/s/CAPILK01", "id") in html
    assert "https://suara.kupangkota.go.id/s/CAPILK01" in text(html)
    assert "Nilai pelayanan kami: pindai kodenya." in text(html)
    # wrapping around, and bad indexes start again at the first unit
    for i, first in (("3", "Loket Capil Kecil"), ("4", "UPTD Puskesmas Oebobo"),
                     ("-1", "Loket Capil Kecil"), ("x", "Loket Capil Kecil"),
                     ("9" * 40, "Loket Capil Kecil")):
        status, html, _h = await page(f"/tv?i={i}")
        assert status == 200 and f"<h1>{first}</h1>" in html


async def test_tv_of_an_agency_and_the_pause(city):
    await publish("2026-S1")
    status, html, _h = await page("/tv/dinkes?i=1&lang=en")
    assert status == 200 and "UPTD Puskesmas Oesapa" in html and "2/2" in text(html)
    assert 'content="20;url=/tv/dinkes?i=0&amp;lang=en"' in html
    status, html, _h = await page("/tv/dinkes?i=1&stay=1")
    assert status == 200 and 'http-equiv="refresh"' not in html
    assert 'href="/tv/dinkes?i=0"' in html  # resume
    # An agency of the organisation without published units, and unknown agencies
    await Agency(code="bapenda", name="Badan Pendapatan").save()
    status, html, _h = await page("/tv/bapenda")
    assert status == 200 and "Belum ada hasil yang diterbitkan." in text(html)
    for bad in ("tidak-ada", "x" * 300, "%3Cb%3E"):
        status, html, _h = await page(f"/tv/{bad}")
        assert status == 404 and "Perangkat daerah tidak dikenal" in text(html)
        assert "http-equiv" not in html



async def test_a_small_difference_from_an_earlier_publication_is_withheld(city):
    """2026-Q1 shows pkm-oesapa with 12 responses; 2026-S1 published after it with 15 would
    reveal the 3 responses in between by subtraction: withheld there (page, TV, JSON, CSV),
    while 2026-Q1 stays as it was. A later version with 35 (23 apart) shows again; a unit
    that moves by 2 between versions is withheld in the new one."""
    await publish("2026-Q1")
    q1_before = text(row((await page("/publik?period=2026-Q1"))[1],
                         'href="/publik/unit/pkm-oesapa?'))
    async with make_client() as client:
        q1_file = (await client.get("/publik/data/2026-Q1/v1.json")).content
    await store_answers(city.kiosk, [POOR] * 3, MAY)
    await publish("2026-S1")
    s1 = {u.unit: u for u in (await snapshots.latest("2026-S1")).result.units}
    assert (s1["pkm-oesapa"].n, s1["pkm-oebobo"].n) == (15, 11)
    _s, html, _h = await page("/publik?period=2026-S1")
    cells = text(row(html, 'href="/publik/unit/pkm-oesapa?'))
    assert cells.endswith("ditahan: selisih kecil dengan terbitan lain 15")
    assert number(s1["pkm-oesapa"].ikm, 2, "id") not in text(html)
    # the agency's IKM is pkm-oebobo's alone; its index is withheld (pkm-oesapa has one)
    assert f"Dinas Kesehatan IKM {number(s1['pkm-oebobo'].ikm, 2, 'id')}" in text(html)
    assert s1["pkm-oesapa"].index is not None
    _s, unit_html, _h = await page("/publik/unit/pkm-oesapa?period=2026-S1")
    assert "Angka unit ini ditahan: jumlah respondennya berselisih kurang dari 10" in \
        text(unit_html)
    assert "Sembilan unsur" not in text(unit_html)
    _s, screen, _h = await page("/tv/dinkes?i=1")
    assert "Angka ditahan untuk melindungi responden" in text(screen)
    assert "Responden: 15" in text(screen)
    async with make_client() as client:
        data = (await client.get("/publik/data/2026-S1/v1.json")).json()
        sheet = (await client.get("/publik/data/2026-S1/v1.csv")).text
    unit = next(u for u in data["units"] if u["unit"] == "pkm-oesapa")
    assert (unit["n"], unit["suppressed"], unit["suppressed_reason"], unit["ikm"]) == (
        15, True, "difference", None)
    assert "pkm-oesapa,UPTD Puskesmas Oesapa,dinkes,Dinas Kesehatan,puskesmas,15,true," \
        "difference,,," in sheet
    dinkes = next(a for a in data["agencies"] if a["agency"] == "dinkes")
    assert dinkes["index_suppressed"] is True and dinkes["index"] is None
    small = next(u for u in data["units"] if u["unit"] == "capil-kecil")
    assert small["suppressed_reason"] == "small_group"
    # the earlier publication is unchanged
    assert text(row((await page("/publik?period=2026-Q1"))[1],
                    'href="/publik/unit/pkm-oesapa?')) == q1_before
    async with make_client() as client:
        assert (await client.get("/publik/data/2026-Q1/v1.json")).content == q1_file
    # a new version far enough from both earlier ones shows again ...
    await store_answers(city.kiosk, [GOOD] * 20, MAY.replace(day=7))
    await store_answers(city.other_counter, [GOOD] * 2, MAY, channel="qr")
    await publish("2026-S1", reason="late forms")
    v2 = {u.unit: u for u in (await snapshots.get("2026-S1", 2)).result.units}
    assert (v2["pkm-oesapa"].n, v2["pkm-oebobo"].n) == (35, 13)
    _s, html, _h = await page("/publik?period=2026-S1")
    shown = text(row(html, 'href="/publik/unit/pkm-oesapa?'))
    assert number(v2["pkm-oesapa"].ikm, 2, "id") in shown
    # ... but pkm-oebobo, 2 responses away from version 1, is withheld in version 2
    assert text(row(html, 'href="/publik/unit/pkm-oebobo?')).endswith(
        "ditahan: selisih kecil dengan terbitan lain 13")
    async with make_client() as client:
        again = (await client.get("/publik/data/2026-S1/v1.json")).json()
    assert again == data



async def test_the_trend_shows_an_earlier_period_as_its_own_page_does(city):
    """2026-Q2 is published after 2026-S1 and after 2026-Q3. Its pkm-oebobo (11) is 3 apart
    from S1's (14): withheld on the Q2 page, and so in the trend of the Q3 page (published
    before Q2) too."""
    await store_answers(city.other_counter, [POOR] * 3, datetime(2026, 3, 9, 3, tzinfo=UTC),
                        channel="qr")
    await store_answers(city.other_counter, [GOOD] * 12, datetime(2026, 8, 4, 3, tzinfo=UTC),
                        channel="qr")
    await publish("2026-S1")  # pkm-oebobo: 14 (3 in March, 11 in April)
    await publish("2026-Q3")  # 12: not nested with S1, shown
    await publish("2026-Q2")  # 11: 3 apart from S1, withheld
    q3 = {u.unit: u for u in (await snapshots.latest("2026-Q3")).result.units}
    _s, q2_page, _h = await page("/publik?period=2026-Q2")
    assert text(row(q2_page, 'href="/publik/unit/pkm-oebobo?')).endswith(
        "ditahan: selisih kecil dengan terbitan lain 11")
    _s, q3_page, _h = await page("/publik?period=2026-Q3")
    assert (f"2026-Q2: ditahan: selisih kecil dengan terbitan lain (n = 11) → "
            f"2026-Q3: {number(q3['pkm-oebobo'].ikm, 2, 'id')}") in text(
        row(q3_page, 'href="/publik/unit/pkm-oebobo?'))
