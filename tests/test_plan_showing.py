"""Showing the follow-up plans (RTL): the approved plan beside the published IKM on
/publik and /publik/unit/{unit}; on the unit dashboard of the next period (of the same
length), whether each targeted element improved (NRR and n then and now, the difference,
in words, the actions' states); BAB V of the report (PDF, XLSX, CSV) with the plans of the
period and that progress table. Every figure is compared with the engine's
(`score_period`) and with the baselines' own computation (`proposal.element_figures`);
NRRs from fewer than SUARA_MIN_GROUP answers are not shown (their n is); only approved
plans are published or followed up; the open data stays byte-identical."""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.output.report import render
from app.web.staff.dashboards import number
from feedback.accounts.audit import Actor
from feedback.performance import periods, snapshots
from feedback.performance.scores import score_period
from feedback.plans import showing
from feedback.plans.proposal import element_figures
from feedback.plans.tables import FollowUpPlan, PlanAction
from feedback.reports.content import report_content
from feedback.reports.document import build
from feedback.tables import Agency, Counter, Unit
from scoring.inputs import Parameters
from tests.staff_support import make_all_roles, signed_in_as
from tests.support import make_client, store_answers

Q4 = periods.parse("2025-Q4")
Q1 = periods.parse("2026-Q1")
TODAY = date(2026, 11, 30)
IN_Q4 = datetime(2025, 11, 12, 3, tzinfo=UTC)
IN_Q1 = datetime(2026, 2, 10, 3, tzinfo=UTC)
APPROVED_AT = datetime(2026, 1, 14, 17, 30, tzinfo=UTC)  # 15 January 2026 01:30 WITA
BASE = {"persyaratan": 3, "prosedur": 3, "waktu": 3, "biaya": 4, "produk": 3,
        "kompetensi": 3, "perilaku": 3, "pengaduan": 3, "sarana": 3}
CITY = Actor(email="kota@x", id=None)
PHONE = "081234567890"


def text(html: str) -> str:
    html = re.sub(r"<(style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def row_values(html: str, element: str) -> list[str]:
    """The `<data value>`s of the progress row of an element (NRR then, n then, NRR now,
    n now, difference: those shown), and the row's text."""
    at = html.index(f'<tr data-element="{element}"><th scope="row">', html.index(
        'id="plan-progress"'))
    row = html[at:html.index("</tr>", at)]
    return re.findall(r'<data value="([^"]*)"', row), text(row)


class Data:
    oesapa: int
    oebobo: int
    capil: int


@pytest.fixture
async def data(org):
    """pkm-oesapa: 20 responses in 2025-Q4 (waktu 1.5, sarana 3, kompetensi 3, pengaduan
    2) and 25 in 2026-Q1 (waktu 3, sarana 2, kompetensi 3; only 8 answer pengaduan);
    pkm-oebobo: 5 in 2025-Q4, 12 in 2026-Q1; capil-pusat (another agency): 12 in each.
    Plans: pkm-oesapa 2025-Q4 approved (waktu ×2, sarana, kompetensi, pengaduan) and
    2026-Q1 approved; pkm-oebobo 2025-Q4 approved (waktu) and 2026-Q1 submitted;
    capil-pusat 2025-Q4 submitted (never followed up)."""
    capil_agency = Agency(code="dukcapil", name="Dinas Kependudukan")
    await capil_agency.save()
    capil = Unit(code="capil-pusat", name="Kantor Disdukcapil", agency=capil_agency.id,
                 peer_group="dukcapil", monthly_volume=500)
    await capil.save()
    await Counter.insert(Counter(code="CAPIL001", unit=capil.id, name="Loket KTP",
                                 is_kiosk=True, secret=org.secret))
    q4 = [{**BASE, "waktu": 1 + (i % 2), "pengaduan": 2} for i in range(20)]
    q1 = [{**BASE, "sarana": 2, "pengaduan": 4 if i < 8 else None} for i in range(25)]
    await store_answers(org.kiosk, q4, IN_Q4)
    await store_answers(org.kiosk, q1, IN_Q1)
    await store_answers(org.other_counter, [{**BASE, "waktu": 2}] * 5, IN_Q4, channel="qr")
    await store_answers(org.other_counter, [BASE] * 12, IN_Q1, channel="qr")
    await store_answers("CAPIL001", [BASE] * 12, IN_Q4)
    await store_answers("CAPIL001", [BASE] * 12, IN_Q1)
    d = Data()
    d.oesapa, d.capil = org.unit_id, capil.id
    d.oebobo = (await Unit.select(Unit.id).where(Unit.code == "pkm-oebobo").first())["id"]
    await _plan(d.oesapa, "2025-Q4", "approved", [
        ("waktu", "Tambah loket pendaftaran pagi", "Kepala Tata Usaha", date(2026, 2, 28),
         "Antrean pagi lebih pendek", "done", "Loket 3 dibuka sejak 2 Februari"),
        ("waktu", "Nomor antrean lewat SMS", "Koordinator Pendaftaran", date(2026, 3, 31),
         "Warga tidak menunggu di ruang tunggu", "in_progress", None),
        ("sarana", "Perbaiki kursi ruang tunggu", "Pengelola Barang", date(2026, 3, 15),
         "Ruang tunggu nyaman", "planned", None),
        ("kompetensi", "Pelatihan layanan prima", "Kepala Puskesmas", date(2026, 3, 20),
         "Petugas lebih cakap", "dropped", "Anggaran dialihkan"),
        ("pengaduan", "Kotak saran dan nomor pengaduan", "Kepala Tata Usaha",
         date(2026, 1, 31), "Pengaduan tertangani", "done", f"Nomor pengaduan {PHONE}"),
    ])
    await _plan(d.oesapa, "2026-Q1", "approved", [
        ("sarana", "Ganti pendingin ruangan", "Pengelola Barang", date(2026, 6, 30),
         "Ruang tunggu sejuk", "in_progress", f"Hubungi teknisi di {PHONE}"),
        ("persyaratan", "Papan informasi persyaratan", "Kepala Tata Usaha",
         date(2026, 5, 31), "Warga membawa berkas lengkap", "planned", None),
    ])
    await _plan(d.oebobo, "2025-Q4", "approved", [
        ("waktu", "Jam buka lebih awal", "Kepala Puskesmas", date(2026, 2, 1),
         "Antrean lebih cepat", "done", "Buka pukul 07.30")])
    await _plan(d.oebobo, "2026-Q1", "submitted", [
        ("produk", "Rahasia rencana yang belum disetujui", "Kepala Puskesmas",
         date(2026, 6, 1), "Belum boleh terlihat", "planned", None)])
    await _plan(d.capil, "2025-Q4", "submitted", [
        ("waktu", "Rencana Capil belum disetujui", "Kepala Seksi", date(2026, 2, 1),
         "Lebih cepat", "planned", None)])
    await make_all_roles()
    return d


async def _plan(unit_id: int, period: str, status: str, actions: list[tuple]) -> None:
    """A plan as the workflow leaves it: an approved plan's actions carry the baseline the
    approval froze (`proposal.element_figures`, what feedback.plans.work freezes)."""
    now = datetime(2026, 1, 5, 1, tzinfo=UTC)
    plan = FollowUpPlan(unit_id=unit_id, period=period, status=status, created_at=now,
                        created_by="unit@test.id", updated_at=now, updated_by="unit@test.id",
                        submitted_at=now, submitted_by="unit@test.id",
                        decided_at=APPROVED_AT if status == "approved" else None,
                        decided_by="agency@test.id" if status == "approved" else None)
    await plan.save()
    figures = (await element_figures(unit_id, periods.parse(period)))[1]
    for element, what, who, due, effect, state, note in actions:
        approved = status == "approved"
        await PlanAction(
            plan_id=plan.id, element=element, what=what, who=who, due=due,
            expected_effect=effect, status=state if approved else "planned",
            evidence_note=note, created_at=now, created_by="unit@test.id", updated_at=now,
            updated_by="unit@test.id",
            baseline_nrr=figures[element].nrr if approved else None,
            baseline_n=figures[element].n if approved else None).save()


def _engine_unit(result, code: str):
    return next(u for u in result.units if u.unit == code)


# The figures ------------------------------------------------------------------------------
async def test_progress_equals_the_engine(data):
    result = await score_period(Q1, Parameters())
    before = await score_period(Q4, Parameters())
    got = {p.plan.unit_code: p for p in await showing.progress_of(None, Q1, result, 10)}
    # only approved plans of 2025-Q4 are followed up (not capil-pusat's submitted one)
    assert set(got) == {"pkm-oesapa", "pkm-oebobo"}
    oesapa = got["pkm-oesapa"]
    assert oesapa.plan.approved_on == date(2026, 1, 15)  # the WITA day of the approval
    assert [e.element for e in oesapa.elements] == ["waktu", "kompetensi", "pengaduan",
                                                    "sarana"]  # the regulation's order
    now_engine = _engine_unit(result, "pkm-oesapa").elements
    then_engine = _engine_unit(before, "pkm-oesapa").elements
    _, now_figures = await element_figures(data.oesapa, Q1)
    by = {e.element: e for e in oesapa.elements}
    for code, e in by.items():
        # then: the frozen baseline, which is the engine's NRR of 2025-Q4 (20 answers)
        assert e.before_nrr == then_engine[code].nrr and e.before_n == 20
        # now: the engine's NRR of 2026-Q1 and its answers
        assert e.now_n == now_figures[code].n
        if code != "pengaduan":
            assert e.now_nrr == now_engine[code].nrr == now_figures[code].nrr
            assert e.difference == now_engine[code].nrr - then_engine[code].nrr
    assert (by["waktu"].before_nrr, by["waktu"].now_nrr, by["waktu"].direction) == (
        1.5, 3.0, "up")
    assert (by["sarana"].before_nrr, by["sarana"].now_nrr, by["sarana"].direction) == (
        3.0, 2.0, "down")
    assert by["kompetensi"].direction == "same" and by["kompetensi"].difference == 0.0
    # pengaduan: 8 answers now, below the minimum group: n shown, NRR and change not
    assert by["pengaduan"].now_n == 8 and now_engine["pengaduan"].nrr == 4.0
    assert by["pengaduan"].now_nrr is None and by["pengaduan"].direction is None
    assert [a.status for a in by["waktu"].actions] == ["done", "in_progress"]
    # pkm-oebobo: 5 answers then (NRR not shown), 12 now
    waktu = got["pkm-oebobo"].elements[0]
    assert (waktu.before_n, waktu.before_nrr, waktu.now_n) == (5, None, 12)
    assert waktu.now_nrr == _engine_unit(result, "pkm-oebobo").elements["waktu"].nrr == 3.0
    assert waktu.difference is None and waktu.direction is None
    # with a minimum group of 5, the baseline of 5 answers is shown
    small = {p.plan.unit_code: p for p in await showing.progress_of(None, Q1, result, 5)}
    assert small["pkm-oebobo"].elements[0].before_nrr == 2.0
    assert small["pkm-oebobo"].elements[0].direction == "up"
    # a range of days has no period of the same length before it
    assert await showing.progress_of(None, periods.custom(Q1.first, Q1.last), result,
                                     10) == []


def test_direction_words_are_by_the_third_decimal():
    assert showing.direction(0.0005) == "up" and showing.direction(-0.0005) == "down"
    assert showing.direction(0.0004999) == "same" and showing.direction(-0.0004) == "same"


# The unit dashboard -----------------------------------------------------------------------
async def test_unit_dashboard_shows_whether_targeted_elements_improved(data):
    result = await score_period(Q1, Parameters())
    engine = _engine_unit(result, "pkm-oesapa").elements
    async with make_client() as client:
        await signed_in_as(client, "unit")
        page = await client.get("/staf/unit/pkm-oesapa?period=2026-Q1")
        assert page.status_code == 200
        html = page.text
        shown = text(html)
        assert ("Rencana tindak lanjut Triwulan IV 2025, disetujui pada 2026-01-15" in shown)
        values, row = row_values(html, "waktu")
        assert [float(v) for v in values] == [1.5, 20, engine["waktu"].nrr,
                                              25, engine["waktu"].nrr - 1.5]
        assert f"{number(1.5, 3)} 20 {number(engine['waktu'].nrr, 3)} 25 +1,500 naik" in row
        assert ('<a href="/staf/unit/pkm-oesapa/rtl?period=2025-Q4" id="plan-progress-link">'
                'Rencana Triwulan IV 2025 dengan catatan buktinya</a>') in html
        assert ("Tambah loket pendaftaran pagi (Selesai)" in row
                and "Nomor antrean lewat SMS (Sedang berjalan)" in row)
        values, row = row_values(html, "sarana")
        assert [float(v) for v in values] == [3.0, 20, engine["sarana"].nrr, 25, -1.0]
        assert "-1,000 turun" in row and "(Direncanakan)" in row
        values, row = row_values(html, "kompetensi")
        assert "0,000 tetap" in row and "(Dibatalkan)" in row
        values, row = row_values(html, "pengaduan")
        assert [float(v) for v in values] == [2.0, 20, 8]  # NRR now hidden, its n shown
        assert "tidak ditampilkan (kurang dari 10 jawaban)" in row and number(4.0, 3) not in row
        # the staff page shows the evidence as written (masking is for publication)
        # English
        page = await client.get("/staf/unit/pkm-oesapa?period=2026-Q1&lang=en")
        assert "follow-up plan of Quarter IV 2025, approved on 2026-01-15" in text(page.text)
        assert "+1.500 up" in text(page.text) and "unchanged" in text(page.text)
        # the year 2026: no approved plan of 2025; a range of days: no period before it
        page = await client.get("/staf/unit/pkm-oesapa?period=2026&lang=id")
        assert "Tidak ada rencana tindak lanjut Tahun 2025 yang disetujui." in text(page.text)
        page = await client.get("/staf/unit/pkm-oesapa?from=2026-01-01&to=2026-03-31")
        assert "Pilih bulan, triwulan, semester atau tahun" in text(page.text)
        assert 'data-element="waktu"><th scope="row">' not in page.text.split(
            'id="plan-progress"')[1]
    # the agency head sees the same for a unit of their agency; capil-pusat's plan of
    # 2025-Q4 was only submitted: nothing to follow up
    async with make_client() as client:
        await signed_in_as(client, "city")
        page = await client.get("/staf/unit/capil-pusat?period=2026-Q1")
        assert "Tidak ada rencana tindak lanjut Triwulan IV 2025 yang disetujui." in text(
            page.text)
        assert "Rencana Capil belum disetujui" not in page.text
        page = await client.get("/staf/unit/pkm-oebobo?period=2026-Q1")
        values, row = row_values(page.text, "waktu")
        assert [float(v) for v in values] == [5, 3.0, 12]  # NRR then hidden (n = 5)
        assert "tidak ditampilkan (kurang dari 10 jawaban)" in row and " naik" not in row
        page = await client.get("/staf/unit/pkm-oebobo?period=2026-Q1")
    async with make_client(min_group=5) as client:
        await signed_in_as(client, "city")
        page = await client.get("/staf/unit/pkm-oebobo?period=2026-Q1")
        values, row = row_values(page.text, "waktu")
        assert [float(v) for v in values] == [2.0, 5, 3.0, 12, 1.0] and "naik" in row


# The public pages -------------------------------------------------------------------------
async def test_public_pages_show_the_approved_plan_of_the_published_period(data):
    await FollowUpPlan.update({FollowUpPlan.status: "draft"}).where(
        FollowUpPlan.period == "2026-Q1")
    await snapshots.publish(Q1, CITY, "Triwulan I", params=Parameters(draws=50, seed=1))
    async with make_client() as client:
        before = {name: (await client.get(f"/publik/data/2026-Q1.{name}")).content
                  for name in ("json", "csv")}
        page = await client.get("/publik/unit/pkm-oesapa?period=2026-Q1")
        assert "Belum ada rencana tindak lanjut unit ini untuk Triwulan I 2026 yang " \
               "disetujui." in text(page.text)
        await FollowUpPlan.update({FollowUpPlan.status: "approved"}).where(
            (FollowUpPlan.period == "2026-Q1") & (FollowUpPlan.unit_id == data.oesapa))
        page = await client.get("/publik/unit/pkm-oesapa?period=2026-Q1")
        assert page.status_code == 200
        html, shown = page.text, text(page.text)
        assert ("Tindakan unit atas unsur-unsur terlemah hasil Triwulan I 2026, disetujui "
                "pada 2026-01-15.") in shown
        # the actions in the regulation's element order, each with its element in words
        assert shown.index("Persyaratan Papan informasi persyaratan") < shown.index(
            "Sarana dan Prasarana Ganti pendingin ruangan")
        assert ("Penanggung jawab: Kepala Tata Usaha · Paling lambat 2026-05-31 · Status: "
                "Direncanakan") in shown
        assert "Dampak yang diharapkan: Warga membawa berkas lengkap" in shown
        assert "Status: Sedang berjalan" in shown
        assert "Unit memperbarui status setiap kegiatan seiring pelaksanaannya" in shown
        # light: the whole first load (one HTML response, CSS inlined) stays far below the
        # citizen pages' 14 KB budget
        weight = len(gzip.compress(html.encode()))
        print(f"/publik/unit/pkm-oesapa with a 2-action plan: {weight} bytes gzipped")
        assert weight < 14 * 1024
        # personal data in a note is masked on the public page
        assert PHONE not in html and "Bukti: Hubungi teknisi di [nomor telepon disamarkan]" \
            in shown
        # the plan is not in the snapshot: the open data is byte-identical
        for name in ("json", "csv"):
            assert (await client.get(f"/publik/data/2026-Q1.{name}")).content == before[name]
        # a submitted plan is not published
        page = await client.get("/publik/unit/pkm-oebobo?period=2026-Q1")
        assert "Rahasia rencana" not in page.text
        assert "Belum ada rencana tindak lanjut unit ini" in text(page.text)
        # the overview marks the units with an approved plan
        page = await client.get("/publik?period=2026-Q1")
        oesapa = page.text[page.text.index('href="/publik/unit/pkm-oesapa'):]
        oesapa = oesapa[:oesapa.index("</tr>")]
        assert "Rencana tindak lanjut: 2 tindakan" in text(oesapa)
        assert page.text.count("Rencana tindak lanjut:") == 1
        # English, and the page's policy names the hash of its one stylesheet
        page = await client.get("/publik/unit/pkm-oesapa?period=2026-Q1&lang=en")
        assert "Responsible: Kepala Tata Usaha · Due by 2026-05-31 · Status: Planned" in text(
            page.text)
        css = re.search(r"<style>(.*?)</style>", page.text, re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in page.headers["content-security-policy"]
        assert "<script" not in page.text


# The report -------------------------------------------------------------------------------
def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO(data)).pages)


async def test_report_bab_v_lists_the_plans_and_their_progress(data):
    result = await score_period(Q1, Parameters())
    engine = _engine_unit(result, "pkm-oesapa").elements
    content = await report_content("unit", "pkm-oesapa", Q1, 10, today=TODAY)
    assert [p.period for p in content.plans] == ["2026-Q1"]
    progress = content.plan_progress[0]
    by = {e.element: e for e in progress.elements}
    for code in ("waktu", "sarana", "kompetensi"):
        assert by[code].now_nrr == engine[code].nrr
    doc = build(content)
    pdf = _pdf_text(render(doc, "pdf"))
    assert "5.3 Rencana Tindak Lanjut yang Disusun" in pdf
    assert "Rencana tindak lanjut Triwulan I 2026, disetujui 15 Januari 2026, 2 kegiatan." \
        in pdf
    assert ("1 2026-01-15 Persyaratan Papan informasi persyaratan Kepala Tata Usaha "
            "2026-05-31 Warga membawa berkas lengkap direncanakan") in pdf
    assert "Ganti pendingin ruangan Pengelola Barang 2026-06-30" in pdf
    assert PHONE not in pdf and "[nomor telepon disamarkan]" in pdf
    assert "5.4 Capaian Rencana Tindak Lanjut Periode Sebelumnya" in pdf
    assert ("Dari 4 unsur sasaran rencana tindak lanjut Triwulan IV 2025, 1 naik, 1 turun "
            "dan 1 tetap; 1 tidak dapat dibandingkan karena jumlah jawaban terlalu kecil."
            ) in pdf
    now = {code: number(engine[code].nrr, 3) for code in ("waktu", "sarana", "kompetensi")}
    assert f"1,500 20 {now['waktu']} 25 1,500 naik selesai 1, sedang" in pdf
    assert f"3,000 20 {now['kompetensi']} 25 0,000 tetap dibatalkan 1" in pdf
    assert "Saran dan Masukan 2,000 20 – 8 – – selesai 1" in pdf  # NRR kini not shown
    assert f"3,000 20 {now['sarana']} 25 -1,000 turun direncanakan 1" in pdf
    # the XLSX: a sheet for each table, numbers as numbers
    book = load_workbook(io.BytesIO(render(doc, "xlsx")))
    assert {"rtl", "rtl_rencana", "rtl_capaian"} <= set(book.sheetnames)
    rows = {r[1]: r for r in book["rtl_capaian"].iter_rows(min_row=2, values_only=True)}
    assert rows["waktu"][3:9] == (1.5, 20, engine["waktu"].nrr, 25, 1.5, "naik")
    assert rows["sarana"][3:9] == (3.0, 20, engine["sarana"].nrr, 25, -1.0, "turun")
    assert rows["pengaduan"][3:9] == (2.0, 20, None, 8, None, None)
    assert rows["waktu"][9] == "selesai 1, sedang berjalan 1"
    assert [c.value for c in book["rtl_capaian"][1]] == [
        "No", "Kode", "Unsur", "NRR awal", "n awal", "NRR kini", "n kini", "Selisih",
        "Perubahan", "Status Kegiatan"]
    actions = list(book["rtl_rencana"].iter_rows(min_row=2, values_only=True))
    assert [a[2] for a in actions] == ["Persyaratan", "Sarana dan Prasarana"]
    assert actions[0][1] == "2026-01-15" and actions[0][5] == "2026-05-31"
    # the tidy CSV
    cells = {(t, int(r), c): v for t, r, c, v in list(csv.reader(io.StringIO(
        render(doc, "csv").decode())))[1:]}
    waktu_row = next(r for (t, r, c), v in cells.items()
                     if t == "rtl_capaian" and c == "kode" and v == "waktu")
    assert float(cells[("rtl_capaian", waktu_row, "nrr_kini")]) == engine["waktu"].nrr
    assert cells[("rtl_capaian", waktu_row, "perubahan")] == "naik"


async def test_agency_and_city_reports_list_their_units_plans(data):
    result = await score_period(Q1, Parameters())
    content = await report_content("agency", "dinkes", Q1, 10, today=TODAY)
    assert [(p.unit_code, p.status) for p in content.plans] == [
        ("pkm-oebobo", "submitted"), ("pkm-oesapa", "approved")]
    assert content.plans[0].actions == ()  # a plan not approved: its status only
    assert {p.plan.unit_code for p in content.plan_progress} == {"pkm-oesapa",
                                                                  "pkm-oebobo"}
    for p in content.plan_progress:
        engine = _engine_unit(result, p.plan.unit_code).elements
        for e in p.elements:
            if e.now_nrr is not None:
                assert e.now_nrr == engine[e.element].nrr
    pdf = _pdf_text(render(build(content), "pdf"))
    assert ("UPTD Puskesmas Oebobo: rencana tindak lanjut Triwulan I 2026, diajukan (belum "
            "disetujui; kegiatannya belum dicantumkan).") in pdf
    assert "Rahasia rencana" not in pdf
    sheet = next(s for s in build(content).sheets if s.key == "rtl_capaian")
    assert [r[1] for r in sheet.rows] == ["UPTD Puskesmas Oebobo"] + [
        "UPTD Puskesmas Oesapa"] * 4
    city = await report_content("city", None, Q1, 10, today=TODAY)
    assert {p.unit_code for p in city.plans} == {"pkm-oesapa", "pkm-oebobo"}
    assert {p.plan.unit_code for p in city.plan_progress} == {"pkm-oesapa", "pkm-oebobo"}
    # capil-pusat's report: no plan of the period, none approved of the period before
    capil = _pdf_text(render(build(await report_content(
        "unit", "capil-pusat", Q1, 10, today=TODAY)), "pdf"))
    assert "Belum ada rencana tindak lanjut yang disusun untuk Triwulan I 2026." in capil
    assert "Tidak ada rencana tindak lanjut Triwulan IV 2025 yang disetujui." in capil


async def test_report_download_carries_the_progress_table(data):
    result = await score_period(Q1, Parameters())
    engine = _engine_unit(result, "pkm-oesapa").elements
    async with make_client() as client:
        await signed_in_as(client, "unit")
        got = await client.get("/staf/unit/pkm-oesapa/laporan?period=2026-Q1&format=csv")
        assert got.status_code == 200
    rows = list(csv.reader(io.StringIO(got.text)))
    cells = {(t, int(r), c): v for t, r, c, v in rows[1:]}
    sarana = next(r for (t, r, c), v in cells.items()
                  if t == "rtl_capaian" and c == "kode" and v == "sarana")
    assert float(cells[("rtl_capaian", sarana, "nrr_kini")]) == engine["sarana"].nrr
    assert cells[("rtl_capaian", sarana, "n_kini")] == "25"
    assert cells[("rtl_capaian", sarana, "perubahan")] == "turun"


async def test_a_report_of_a_range_of_days_explains_why_there_is_no_follow_up(data):
    days = periods.custom(Q1.first, Q1.last)
    content = await report_content("unit", "pkm-oesapa", days, 10, today=TODAY)
    assert content.plans == () and content.plan_progress == ()
    pdf = _pdf_text(render(build(content), "pdf"))
    assert ("Capaian rencana tindak lanjut dibandingkan untuk periode bulan, triwulan, "
            "semester atau tahun dengan periode yang sama panjang sebelumnya.") in pdf
    assert {s.key for s in build(content).sheets}.isdisjoint({"rtl_rencana", "rtl_capaian"})


def test_masking_covers_every_published_text():
    plan = showing.ShownPlan(
        unit_id=1, unit_code="u", unit_name="U", agency_name="A", period="2026-Q1",
        status="approved", approved_on=date(2026, 1, 15), actions=(showing.ShownAction(
            element="waktu", what=f"SMS ke {PHONE}", who="Kepala (hp 0812 3456 7890)",
            due=date(2026, 2, 1), expected_effect="Tanya a@b.id", status="done",
            evidence_note="NIK 5371012345670001", baseline_nrr=None, baseline_n=None),))
    shown = showing.masked(plan).actions[0]
    assert shown.what == "SMS ke [nomor telepon disamarkan]"
    assert shown.who == "Kepala (hp [nomor telepon disamarkan])"
    assert shown.expected_effect == "Tanya [email disamarkan]"
    assert shown.evidence_note == "NIK [NIK disamarkan]"
