"""The official SKM report (`suara report`, GET /staf/.../laporan): its figures equal the
engine's and the dashboards'; the PDF (chapters, page numbers, the agency on every page,
Unicode names), the XLSX and the CSV carry the same tables; small groups and comments are
withheld below the minimum group size; published snapshots are named; roles, scopes and
bad input."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.output.report import file_name, render
from app.web.staff.dashboards import number
from feedback.accounts.audit import Actor
from feedback.accounts.scope import Scope
from feedback.org.counters import clear_counter_cache, load_counter
from feedback.performance import dashboard, periods, snapshots
from feedback.performance.scores import score_period
from feedback.reports.content import report_content
from feedback.reports.document import build
from feedback.reports.model import NoData, PeriodNotStarted, UnknownScope
from feedback.survey import submit as submission
from feedback.survey.validate import validate
from feedback.tables import Agency, Counter, Unit
from scoring.ikm import ELEMENTS, grade, official_ikm, required_sample
from scoring.inputs import Parameters
from tests.conftest import TEST_DATABASE_URL
from tests.staff_support import make_all_roles, signed_in_as
from tests.support import make_client

Q1 = periods.parse("2026-Q1")
TODAY = date(2026, 11, 30)
FEB = datetime(2026, 2, 10, 2, tzinfo=UTC)
LAST_QUARTER = datetime(2025, 11, 12, 3, tzinfo=UTC)  # 2025-Q4, the period before Q1
UNIT_NAME = "UPTD Puskesmas Sikumana – Oesapa"  # an en dash
AGENCY_NAME = "Dinas Kesehatan — Kota Kupang"  # an em dash
ROOT = Path(__file__).parent.parent
ENTRY_POINT = "import sys; from app.cli.main import main; sys.exit(main())"


def _answers(rng: np.random.Generator, n: int, low: int = 1) -> list[dict[str, int]]:
    return [{e: int(rng.integers(low, 5)) for e in ELEMENTS} for _ in range(n)]


async def _store(counter_code: str, answers: list[dict[str, int]], when: datetime, tag: str,
                 channel: str, profile: dict[str, str] | None = None,
                 comment: str | None = None) -> None:
    counter = await load_counter(counter_code)
    items = [submission.Pending(
        counter=counter, draft=validate(counter, a, profile=profile, comment=comment),
        channel=channel, lang="id", submission_key=f"{tag}-{i}", now=when)
        for i, a in enumerate(answers)]
    await submission.store_batch(items, submission.Policy())


def _ikm(*answer_lists: list[dict[str, int]]):
    counts = np.zeros((9, 4), dtype=int)
    n = 0
    for answers in answer_lists:
        for a in answers:
            n += 1
            for i, e in enumerate(ELEMENTS):
                counts[i, a[e] - 1] += 1
    return official_ikm(counts, n)


class Data:
    answers: dict[str, list[dict[str, int]]]


@pytest.fixture
async def data(org):
    """The small organisation (pkm-oesapa renamed with an en dash, its agency with an em
    dash), a second agency, responses in 2026-Q1 over three channels and in 2025-Q4, a
    comment with a phone number, and one account per role."""
    await Unit.update({Unit.name: UNIT_NAME}).where(Unit.code == "pkm-oesapa")
    await Agency.update({Agency.name: AGENCY_NAME}).where(Agency.code == "dinkes")
    capil = Agency(code="dukcapil", name="Dinas Kependudukan")
    await capil.save()
    capil_unit = Unit(code="capil-pusat", name="Kantor Disdukcapil", agency=capil.id,
                      peer_group="dukcapil", monthly_volume=500)
    await capil_unit.save()
    await Counter.insert(Counter(code="CAPIL001", unit=capil_unit.id, name="Loket KTP",
                                 is_kiosk=True, secret=org.secret))
    clear_counter_cache()
    rng = np.random.default_rng(8)
    d = Data()
    d.answers = {"OESAPA01": _answers(rng, 40, low=2), "OESAPAK1": _answers(rng, 15),
                 "OEBOBO01": _answers(rng, 30), "CAPIL001": _answers(rng, 25, low=2),
                 "before": _answers(rng, 12)}
    o1 = d.answers["OESAPA01"]
    await _store("OESAPA01", o1[:25], FEB, "a", "qr",
                 profile={"gender": "P", "age_band": "30-39", "occupation": "Swasta"})
    await _store("OESAPA01", o1[25:37], FEB, "b", "ticket",
                 profile={"gender": "L", "occupation": "Wirausaha"})
    await _store("OESAPA01", o1[37:], FEB, "c", "ticket",
                 profile={"gender": "L", "occupation": "PNS"},
                 comment="Antrean lama, hubungi saya di 081234567890")
    await _store("OESAPAK1", d.answers["OESAPAK1"], FEB, "k", "kiosk")
    await _store("OEBOBO01", d.answers["OEBOBO01"], FEB, "e", "qr")
    await _store("CAPIL001", d.answers["CAPIL001"], FEB, "p", "kiosk",
                 comment="Pelayanan KTP cepat sekali")
    await _store("OESAPA01", d.answers["before"], LAST_QUARTER, "old", "qr")
    await make_all_roles()
    return d


async def _content(kind: str, code: str | None, period=Q1, min_group: int = 10, **kw):
    return await report_content(kind, code, period, min_group, today=TODAY, **kw)


def _pdf_pages(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [page.extract_text() for page in reader.pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


# The figures ------------------------------------------------------------------------------
async def test_unit_report_equals_the_engine(data):
    content = await _content("unit", "pkm-oesapa")
    result = await score_period(Q1, Parameters())
    engine = next(u for u in result.units if u.unit == "pkm-oesapa")
    assert content.ikm == engine.ikm and content.n == engine.n == 55
    assert content.grade == engine.grade == grade(engine.ikm)
    for element in content.elements:
        assert element.nrr == engine.elements[element.code].nrr
        assert element.ikm == pytest.approx(engine.elements[element.code].ikm, abs=1e-12)
        assert element.weighted == pytest.approx(element.nrr / 9, abs=1e-15)
    assert content.weighted_sum * 25 == pytest.approx(engine.ikm, abs=1e-9)
    # an independent computation from the stored answers
    own = _ikm(data.answers["OESAPA01"], data.answers["OESAPAK1"])
    assert content.ikm == pytest.approx(own.ikm, abs=1e-9)
    # population: 2,000 a month × 3 months; Krejcie–Morgan
    assert content.population == 6000
    assert content.required_sample == required_sample(6000) == engine.required_sample
    # channels (one query over the counted responses): they add up to n
    channels = {c.channel: c.n for c in content.channels}
    assert channels == {"qr": 25, "ticket": 15, "kiosk": 15, "web": 0, "import": 0}
    assert sum(channels.values()) == content.n
    # weakest first; the B bound; priorities are the elements below it (or the 3 weakest)
    nrrs = [e.nrr for e in content.weakest]
    assert nrrs == sorted(nrrs) and len(nrrs) == 9
    assert content.below_b == tuple(e for e in content.weakest if round(e.ikm, 2) < 76.61)
    expected = content.below_b or content.weakest[:3]
    assert [p.code for p in content.priorities] == [e.code for e in expected]
    assert content.strongest[0] == content.weakest[-1]
    # the previous quarter (2025-Q4): 12 responses
    assert content.comparison.key == "2025-Q4" and content.comparison.n_before == 12
    assert content.comparison.ikm_before == pytest.approx(_ikm(data.answers["before"]).ikm,
                                                          abs=1e-9)
    # three comments in the period (the last three of OESAPA01), masked
    assert content.comment_count == 3 and len(content.comments) == 3
    assert content.comments_shown
    assert "[nomor telepon disamarkan]" in content.comments[0].text
    assert "081234567890" not in content.comments[0].text
    assert content.publication is None


async def test_agency_and_city_reports_equal_the_dashboards(data):
    content = await _content("agency", "dinkes")
    board = await dashboard.agency_dashboard(Scope(role="city"), "dinkes", Q1, min_group=10,
                                             today=TODAY)
    assert content.ikm == board.official.ikm and content.n == board.official.n == 85
    assert content.population == board.official.volume == 3 * (2000 + 1500)
    own = _ikm(data.answers["OESAPA01"], data.answers["OESAPAK1"], data.answers["OEBOBO01"])
    assert content.ikm == pytest.approx(own.ikm, abs=1e-9)
    result = await score_period(Q1, Parameters())
    engine = {u.unit: u for u in result.units}
    assert {u.code for u in content.units} == {"pkm-oesapa", "pkm-oebobo"}
    for line in content.units:
        assert line.ikm == engine[line.code].ikm and line.n == engine[line.code].n
    assert sum(c.n for c in content.channels) == 85

    city = await _content("city", None)
    unit_ids = [u["id"] for u in await Unit.select(Unit.id)]
    pooled, _ = await dashboard.pooled_figures(unit_ids, Q1, None)
    assert city.ikm == pooled.ikm and city.n == pooled.n == 110
    assert city.ikm == pytest.approx(_ikm(*(data.answers[c] for c in (
        "OESAPA01", "OESAPAK1", "OEBOBO01", "CAPIL001"))).ikm, abs=1e-9)
    agencies = {a.code: a for a in city.agencies}
    assert agencies["dinkes"].ikm == pytest.approx(content.ikm, abs=1e-9)
    assert agencies["dinkes"].n == 85 and agencies["dukcapil"].n == 25
    assert {u.code: u.ikm for u in city.units} == {c: engine[c].ikm for c in engine}
    assert city.population == 3 * (2000 + 1500 + 500)
    assert sum(c.n for c in city.channels) == 110
    assert city.comment_count == 28 and len(city.comments) == 5  # the 5 newest


async def test_profile_hides_small_groups(data):
    content = await _content("unit", "pkm-oesapa")
    rows = {(r.dimension, r.key): r for r in content.profile.rows}
    assert rows[("gender", "P")].n == 25 and rows[("gender", "L")].n == 15
    assert rows[("occupation", "Swasta")].n == 25
    # Wirausaha 12 shown, PNS 3 hidden; hiding one would let it be worked out: the
    # smallest shown one (Wirausaha) goes too
    assert not rows[("occupation", "PNS")].shown and rows[("occupation", "PNS")].n is None
    assert not rows[("occupation", "Wirausaha")].shown
    sheet = next(s for s in build(content).sheets if s.key == "profil")
    pns = next(r for r in sheet.rows if r[1] == "PNS")
    assert pns[3] is None and pns[5] == "tidak ditampilkan (< 10)"
    pdf = _flat(" ".join(_pdf_pages(render(build(content), "pdf"))))
    assert "tidak ditampilkan (< 10)" in pdf
    # with a minimum group of 30, Disdukcapil (25 responses) shows no profile and no comments
    small = await _content("unit", "capil-pusat", min_group=30)
    assert small.profile.suppressed and not small.comments_shown and small.comments == ()
    assert small.comment_count == 25
    text = _flat(" ".join(_pdf_pages(render(build(small), "pdf"))))
    assert "tidak ditampilkan (< 30)" in text and "Pelayanan KTP cepat" not in text
    assert "kurang dari 30" in text
    shown = await _content("unit", "capil-pusat")
    assert shown.comments[0].text == "Pelayanan KTP cepat sekali"


# The files --------------------------------------------------------------------------------
async def test_pdf_has_the_chapters_figures_and_page_furniture(data):
    content = await _content("unit", "pkm-oesapa")
    pdf = render(build(content), "pdf")
    assert pdf.startswith(b"%PDF-")
    pages = _pdf_pages(pdf)
    n = len(pages)
    assert n >= 6
    reader = PdfReader(io.BytesIO(pdf))
    for box in (reader.pages[0].mediabox, reader.pages[-1].mediabox):  # A4 in points
        assert round(float(box.width)) == 595 and round(float(box.height)) == 842
    for i, text in enumerate(pages, 1):
        assert AGENCY_NAME in text, i  # the agency (with its em dash) on every page
        assert f"Halaman {i} dari {n}" in text
    whole = _flat(" ".join(pages))
    for chapter in ("BAB I PENDAHULUAN", "BAB II METODOLOGI", "BAB III HASIL",
                    "BAB IV ANALISIS", "BAB V KESIMPULAN DAN RENCANA TINDAK LANJUT"):
        assert chapter in whole
    assert UNIT_NAME in whole  # the en dash prints as written
    ikm = number(content.ikm, 2, "id")  # as the unit dashboard shows it
    assert f"IKM {ikm}" in whole
    assert "Undang-Undang Nomor 25 Tahun 2009" in whole and "Nomor 14 Tahun 2017" in whole
    assert f"{required_sample(6000)} responden" in whole
    assert "Triwulan I 2026" in whole and "Triwulan IV 2025" in whole
    before = content.comparison.ikm_before  # the comparison row: IKM then and now
    assert (f"IKM ikm {number(before, 2, 'id')} {number(content.ikm, 2, 'id')} "
            f"{number(content.ikm - before, 2, 'id')}") in whole
    for item in content.instrument:
        assert item.name in whole
    assert "[nomor telepon disamarkan]" in whole and "081234567890" not in whole
    assert "Prioritas Unsur" in whole and "Penanggung Jawab" in whole
    assert "analitik komentar" in whole


async def test_xlsx_has_one_sheet_per_table_with_numbers(data):
    content = await _content("agency", "dinkes")
    doc = build(content)
    book = load_workbook(io.BytesIO(render(doc, "xlsx")))
    assert book.sheetnames == [s.key for s in doc.sheets]
    assert {"ringkasan", "kanal", "instrumen", "profil", "unsur", "unit", "perbandingan",
            "rtl"} <= set(book.sheetnames)
    summary = {row[0]: row[1] for row in book["ringkasan"].iter_rows(min_row=2,
                                                                       values_only=True)}
    # numbers are numbers (XLSX keeps 15 significant digits, as Excel does)
    assert isinstance(summary["IKM"], float)
    assert summary["IKM"] == pytest.approx(content.ikm, rel=1e-14)
    assert summary["Responden"] == 85 and summary["Mutu pelayanan"] == content.grade
    elements = {row[1]: row for row in book["unsur"].iter_rows(min_row=2, values_only=True)}
    for e in content.elements:
        assert elements[e.code][3] == pytest.approx(e.nrr, rel=1e-14)
        assert elements[e.code][5] == pytest.approx(e.ikm, rel=1e-14)
    units = {row[0]: row for row in book["unit"].iter_rows(min_row=2, values_only=True)}
    assert units["pkm-oebobo"][2] == 30
    heads = [c.value for c in book["rtl"][1]]
    assert heads == ["No", "Prioritas Unsur", "Program/Kegiatan", "Waktu",
                     "Penanggung Jawab"]


async def test_csv_is_tidy_with_every_table(data):
    content = await _content("city", None)
    doc = build(content)
    rows = list(csv.reader(io.StringIO(render(doc, "csv").decode("utf-8"))))
    assert rows[0] == ["table", "row", "column", "value"]
    assert {r[0] for r in rows[1:]} == {s.key for s in doc.sheets}
    cells = {(t, int(r), c): v for t, r, c, v in rows[1:]}
    assert len(cells) == len(rows) - 1  # one line per cell
    summary = next(s for s in doc.sheets if s.key == "ringkasan")
    ikm_row = next(i for i, r in enumerate(summary.rows, 1) if r[0] == "IKM")
    assert float(cells[("ringkasan", ikm_row, "nilai")]) == content.ikm
    for i, e in enumerate(content.elements, 1):
        assert cells[("unsur", i, "kode")] == e.code
        assert float(cells[("unsur", i, "nrr")]) == e.nrr
    agencies = {cells[("perangkat_daerah", i, "kode")]: i
                for i in range(1, len(content.agencies) + 1)}
    assert cells[("perangkat_daerah", agencies["dukcapil"], "n")] == "25"


# Errors of the domain ---------------------------------------------------------------------
async def test_report_errors(data, org):
    with pytest.raises(UnknownScope):
        await _content("unit", "no-such-unit")
    with pytest.raises(UnknownScope):  # another scope's unit looks the same
        await _content("unit", "capil-pusat", scope=Scope(role="unit", unit_id=org.unit_id))
    with pytest.raises(UnknownScope):
        await _content("agency", "dukcapil",
                       scope=Scope(role="agency", agency_id=-1))
    with pytest.raises(UnknownScope):
        await _content("city", None, scope=Scope(role="agency", agency_id=1))
    with pytest.raises(PeriodNotStarted):
        await _content("city", None, period=periods.parse("2027"))
    with pytest.raises(NoData):
        await _content("unit", "pkm-oesapa", period=periods.parse("2024"))
    with pytest.raises(NoData):  # Disdukcapil had nothing in 2025-Q4
        await _content("agency", "dukcapil", period=periods.parse("2025-Q4"))
    with pytest.raises(ValueError):
        await _content("kecamatan", "x")


async def test_unknown_volume_and_a_range_of_days(data):
    await Unit.update({Unit.monthly_volume: None}).where(Unit.code == "capil-pusat")
    content = await _content("unit", "capil-pusat")
    assert content.population is None and content.required_sample is None
    text = _flat(" ".join(_pdf_pages(render(build(content), "pdf"))))
    assert "sampel minimum tidak dapat dihitung" in text
    # a range of days: compared with the same days a year earlier (none here)
    days = periods.custom(date(2026, 2, 1), date(2026, 2, 28))
    ranged = await _content("unit", "pkm-oesapa", period=days)
    assert ranged.n == 55 and ranged.comparison is None and ranged.publication is None
    text = _flat(" ".join(_pdf_pages(render(build(ranged), "pdf"))))
    assert "1 Februari 2026 s.d. 28 Februari 2026" in text
    assert "Tidak ada responden pada 1 Februari 2025 s.d. 28 Februari 2025" in text


# Published snapshots ----------------------------------------------------------------------
async def test_a_published_period_names_its_version(data):
    info = await snapshots.publish(Q1, Actor(email="city@test.id"), "Q1 2026")
    snapshot = await snapshots.latest(Q1.key)
    published = next(u for u in snapshot.result.units if u.unit == "pkm-oesapa")
    content = await _content("unit", "pkm-oesapa")
    assert content.ikm == published.ikm
    assert content.publication.version == info.version and content.publication.matches
    text = _flat(" ".join(_pdf_pages(render(build(content), "pdf"))))
    assert f"Laporan ini sesuai dengan hasil terbitan versi {info.version} (" in text
    agency = await _content("agency", "dinkes")
    assert agency.publication.matches
    # a response after publishing: the report says the live figures differ
    await _store("OESAPA01", _answers(np.random.default_rng(3), 1, low=1), FEB, "late", "qr")
    changed = await _content("unit", "pkm-oesapa")
    assert not changed.publication.matches and changed.publication.published_ikm == published.ikm
    text = _flat(" ".join(_pdf_pages(render(build(changed), "pdf"))))
    assert "Data berubah setelah penerbitan" in text
    agency = await _content("agency", "dinkes")
    assert agency.publication.changed == ("pkm-oesapa",)
    assert (await _content("unit", "pkm-oesapa", period=periods.parse("2026-02"))
            ).publication is None


# The command ------------------------------------------------------------------------------
def suara(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=TEST_DATABASE_URL, SUARA_SECRET="test-secret")
    return subprocess.run([sys.executable, "-c", ENTRY_POINT, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


async def test_cli_writes_each_format(data, tmp_path):
    content = await _content("unit", "pkm-oesapa")
    for fmt in ("pdf", "xlsx", "csv"):
        out = tmp_path / f"r.{fmt}"
        done = suara("report", "--unit", "pkm-oesapa", "--period", "2026-Q1", "--out",
                     str(out))
        assert done.returncode == 0, done.stderr
        assert f"IKM {number(content.ikm, 2, 'id')}" in done.stderr
        assert out.stat().st_size > 1000
    assert PdfReader(str(tmp_path / "r.pdf")).pages
    assert "unsur" in load_workbook(tmp_path / "r.xlsx").sheetnames
    city = tmp_path / "kota.csv"
    assert suara("report", "--city", "--period", "2026-Q1", "--out", str(city)).returncode == 0
    assert city.read_text(encoding="utf-8").startswith("table,row,column,value\n")
    agency = tmp_path / "dinkes.pdf"
    assert suara("report", "--agency", "dinkes", "--period", "2026-Q1", "--out",
                 str(agency)).returncode == 0
    assert AGENCY_NAME in PdfReader(str(agency)).pages[-1].extract_text()


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--unit", "no-such-unit", "--period", "2026-Q1"), 1, "Unknown unit 'no-such-unit'"),
    (("--agency", "nope", "--period", "2026-Q1"), 1, "Unknown agency 'nope'"),
    (("--city", "--period", "2026-S3"), 2, "Unknown period '2026-S3'"),
    (("--city", "--period", "2099-Q1"), 1, "has not started yet"),
    (("--unit", "pkm-oesapa", "--period", "2024"), 1, "No counted responses"),
])
async def test_cli_errors_write_nothing(data, tmp_path, args, code, message):
    out = tmp_path / "r.pdf"
    done = suara("report", *args, "--out", str(out))
    assert done.returncode == code, done.stderr
    # one line (besides the note of migrations applied, when the tree has new ones)
    lines = [x for x in done.stderr.strip().splitlines() if not x.startswith("Database: ")]
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


async def test_cli_refuses_other_formats_and_bad_arguments(org, tmp_path):
    done = suara("report", "--city", "--period", "2026", "--out", str(tmp_path / "r.docx"))
    assert done.returncode == 2 and "must end in .pdf, .xlsx or .csv" in done.stderr
    both = suara("report", "--city", "--unit", "x", "--period", "2026", "--out",
                 str(tmp_path / "r.pdf"))
    assert both.returncode == 2 and "not allowed with" in both.stderr
    missing = suara("report", "--period", "2026", "--out", str(tmp_path / "r.pdf"))
    assert missing.returncode == 2
    folder = suara("report", "--city", "--period", "2026", "--out",
                   str(tmp_path / "no" / "r.pdf"))
    assert folder.returncode == 2 and "does not exist" in folder.stderr
    assert list(tmp_path.iterdir()) == []
    helped = suara("report", "--help")
    assert helped.returncode == 0
    for word in ("--unit", "--agency", "--city", "--period", "--out", ".xlsx",
                 "table,row,column,value", "BAB I"):
        assert word in helped.stdout


# Routes: roles × scopes ---------------------------------------------------------------------
ROUTES = {
    "unit-own": "/staf/unit/pkm-oesapa/laporan",
    "unit-sibling": "/staf/unit/pkm-oebobo/laporan",
    "unit-other": "/staf/unit/capil-pusat/laporan",
    "unit-unknown": "/staf/unit/no-such-unit/laporan",
    "agency-own": "/staf/dinas/dinkes/laporan",
    "agency-other": "/staf/dinas/dukcapil/laporan",
    "city": "/staf/kota/laporan",
}
COVERED_ROUTES = {("GET", path) for path in ROUTES.values()}
EXPECTED = {
    "officer": dict.fromkeys(ROUTES, 403),
    "unit": {"unit-own": 200, "unit-sibling": 404, "unit-other": 404, "unit-unknown": 404,
             "agency-own": 403, "agency-other": 403, "city": 403},
    "agency": {"unit-own": 200, "unit-sibling": 200, "unit-other": 404, "unit-unknown": 404,
               "agency-own": 200, "agency-other": 404, "city": 403},
    "city": {"unit-own": 200, "unit-sibling": 200, "unit-other": 200, "unit-unknown": 404,
             "agency-own": 200, "agency-other": 200, "city": 200},
    "admin": dict.fromkeys(ROUTES, 403),
}


async def test_roles_and_scopes_of_every_report_route(data):
    for role, expected in EXPECTED.items():
        async with make_client() as client:
            await signed_in_as(client, role)
            for name, path in ROUTES.items():
                got = await client.get(f"{path}?period=2026-Q1&format=csv")
                assert got.status_code == expected[name], (role, name, got.status_code)
                if got.status_code == 200:
                    assert got.headers["content-type"].startswith("text/csv")
                    assert got.headers["content-disposition"].startswith("attachment;")
                    assert got.text.startswith("table,row,column,value")
    async with make_client() as client:
        for path in ROUTES.values():
            got = await client.get(path)
            assert got.status_code == 303
            assert got.headers["location"].startswith("/staf/masuk")


async def test_download_is_the_report_with_a_file_name(data):
    content = await _content("unit", "pkm-oesapa")
    async with make_client() as client:
        await signed_in_as(client, "unit")
        pdf = await client.get("/staf/unit/pkm-oesapa/laporan?period=2026-Q1")
        xlsx = await client.get("/staf/unit/pkm-oesapa/laporan?period=2026-Q1&format=xlsx")
        page = await client.get("/staf/unit/pkm-oesapa?period=2026-Q1")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == (
        'attachment; filename="SKM-pkm-oesapa-2026-Q1.pdf"')
    assert pdf.headers["cache-control"] == "no-store"
    assert f"IKM {number(content.ikm, 2, 'id')}" in _flat(" ".join(_pdf_pages(pdf.content)))
    assert xlsx.headers["content-disposition"].endswith('SKM-pkm-oesapa-2026-Q1.xlsx"')
    book = load_workbook(io.BytesIO(xlsx.content))
    assert dict(book["ringkasan"].iter_rows(min_row=2, values_only=True))["IKM"] == (
        pytest.approx(content.ikm, rel=1e-14))
    # the dashboard links to the three downloads of its period
    assert 'href="/staf/unit/pkm-oesapa/laporan?period=2026-Q1&amp;format=pdf"' in page.text
    assert 'href="/staf/unit/pkm-oesapa/laporan?period=2026-Q1&amp;format=csv"' in page.text
    async with make_client() as client:
        await signed_in_as(client, "agency")
        agency = await client.get("/staf/dinas/dinkes?period=2026-Q1")
    assert 'href="/staf/dinas/dinkes/laporan?period=2026-Q1&amp;format=xlsx"' in agency.text
    assert file_name("city", None, "2026-S1", "pdf") == "SKM-kota-2026-S1.pdf"
    assert file_name("unit", "a b/c", "2026-01-01..2026-02-28", "csv") == (
        "SKM-a-b-c-2026-01-01_2026-02-28.csv")


@pytest.mark.parametrize(("query", "status", "text"), [
    ("period=2026-Q1&format=docx", 400, "pdf, xlsx atau csv"),
    ("period=2026-S3", 400, "Periode tidak dikenal"),
    ("from=2026-02-01", 400, "hari pertama dan hari terakhir"),
    ("period=2099", 422, "belum dimulai"),
    ("period=2024", 404, "Tidak ada respons"),
    ("period=2026-Q1&format=pdf&lang=en", 200, None),
])
async def test_bad_requests_get_a_message_and_no_file(data, query, status, text):
    async with make_client() as client:
        await signed_in_as(client, "city")
        got = await client.get(f"/staf/kota/laporan?{query}")
    assert got.status_code == status, got.text[-300:]
    if text is not None:
        assert got.headers["content-type"].startswith("text/html")
        assert "content-disposition" not in got.headers
        assert text in got.text


async def test_default_period_is_the_dashboards(data):
    async with make_client() as client:
        await signed_in_as(client, "city")
        got = await client.get("/staf/kota/laporan?format=csv")
    today = dashboard._today()
    key = f"{date(today.year, 1, 1).isoformat()}_{today.isoformat()}"
    assert got.status_code == 200, got.text[-300:]
    assert got.headers["content-disposition"] == f'attachment; filename="SKM-kota-{key}.csv"'
