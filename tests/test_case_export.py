"""The cases export in SP4N-LAPOR!-style fields: `/staf/kasus/ekspor.csv` (role × route
matrix, scopes, bad dates) and `suara cases export`. Every cell is compared with the stored
rows; never the contact; comments masked; formula injection defused; UTF-8 with BOM."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from app.output.cases_csv import HEADER, safe_cell
from feedback.accounts.audit import Actor, entries
from feedback.accounts.scope import Scope
from feedback.cases import work
from feedback.cases.tables import CaseEvent, CaseFile
from feedback.clock import WITA
from feedback.comments.tables import CommentLabel
from feedback.tables import Agency, Counter, Response, Unit
from tests.staff_support import audit_mark, make_all_roles, signed_in_as
from tests.support import SECRET_HEX, make_client
from tests.test_cli import suara
from tests.test_tracking import CONTACT, open_test_case

PATH = "/staf/kasus/ekspor.csv"
COVERED_ROUTES = {("GET", PATH)}
STAFF = Actor(email="kepala@test.id")
# Tuesday 24 November 2026, 16:30 UTC = Wednesday 25 November 00:30 WITA
LATE = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)
DAY1 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 WITA
RANGE = "from=2026-11-23&to=2026-11-25"


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == HEADER
    return [dict(zip(HEADER, r, strict=True)) for r in rows[1:]]


async def _other_agency_counter() -> str:
    agency = Agency(code="dukcapil", name="Dinas Kependudukan dan Pencatatan Sipil")
    await agency.save()
    unit = Unit(code="capil-mpp", name="Loket Disdukcapil MPP", agency=agency.id,
                peer_group="capil", kecamatan="Oebobo", monthly_volume=900)
    await unit.save()
    await Counter.insert(Counter(code="CAPIL001", unit=unit.id, name="Loket 1",
                                 is_kiosk=False, secret=SECRET_HEX))
    return "CAPIL001"


@pytest.fixture
async def cases(org):
    """Four cases: pkm-oesapa (labelled comment with a phone number, replied; and one opened
    late on 24 Nov UTC = 25 Nov WITA, closed), pkm-oebobo (no comment), another agency;
    plus one opened the week before (outside the range)."""
    a = await open_test_case(org, DAY1, comment="=HYPERLINK(\"x\") antre 2 jam, wa "
                             "0812 3456 7890")
    row = await Response.select(Response.id).where(Response.receipt == a).first()
    await CommentLabel.insert(CommentLabel(response=row["id"], element="sarana",
                                           sentiment="negatif", urgent=False,
                                           corrected_by="x", corrected_at=DAY1))
    await CommentLabel.insert(CommentLabel(response=row["id"], element="waktu",
                                           sentiment="negatif", urgent=False,
                                           corrected_by="x", corrected_at=DAY1))
    scope = Scope(role="city")
    await work.reply(a, "-Kami menambah loket.", STAFF, scope, now=DAY1 + timedelta(hours=5))
    b = await open_test_case(org, LATE, comment=None)
    await work.verify(b, STAFF, scope, now=LATE + timedelta(hours=1))
    await work.close(b, "duplicate", "Sama dengan laporan lain.", STAFF, scope,
                     now=LATE + timedelta(hours=2))
    org_far = type(org)(**{**org.__dict__, "counter": org.other_counter})
    c = await open_test_case(org_far, DAY1 + timedelta(minutes=1), comment=None)
    far = await _other_agency_counter()
    org_capil = type(org)(**{**org.__dict__, "counter": far})
    d = await open_test_case(org_capil, DAY1 + timedelta(minutes=2), comment="Lambat")
    old = await open_test_case(org, DAY1 - timedelta(days=7), comment="Lama")
    return {"oesapa": a, "late": b, "oebobo": c, "capil": d, "old": old}


def _when(moment) -> str:
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(WITA).strftime("%Y-%m-%d %H:%M")


async def _expected(receipt: str) -> dict[str, str]:
    """The row as it should be, from the stored rows."""
    case = await CaseFile.select().where(CaseFile.receipt == receipt).first()
    unit = await Unit.select(Unit.name, Unit.agency.name.as_alias("agency")).where(
        Unit.id == case["unit_id"]).first()
    replies = await CaseEvent.select(CaseEvent.text).where(
        (CaseEvent.case_id == case["id"]) & (CaseEvent.kind == "replied")).order_by(
        CaseEvent.id)
    status = {"open": "Belum Diverifikasi", "verified": "Terverifikasi",
              "answered": "Ditindaklanjuti", "closed": "Selesai"}[case["status"]]
    return {"Nomor Tiket": f"{receipt[:4]}-{receipt[4:]}",
            "Tanggal Laporan": _when(case["opened_at"]), "Instansi Tujuan": unit["agency"],
            "Unit": unit["name"], "Status": status,
            "Tanggal Verifikasi": _when(case["verified_at"]),
            "Tanggal Tindak Lanjut": _when(case["answered_at"]),
            "Tindak Lanjut": safe_cell(replies[-1]["text"]) if replies else "",
            "Tanggal Selesai": _when(case["closed_at"])}


async def test_the_rows_equal_the_stored_cases(cases):
    mark = await audit_mark()
    async with make_client() as client:
        await make_all_roles()
        await signed_in_as(client, "city")
        got = await client.get(f"{PATH}?{RANGE}")
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/csv")
    assert 'filename="kasus-2026-11-23-2026-11-25.csv"' in got.headers["content-disposition"]
    rows = {r["Nomor Tiket"].replace("-", ""): r for r in read_csv(got.content)}
    assert set(rows) == {cases[k] for k in ("oesapa", "late", "oebobo", "capil")}
    for receipt, row in rows.items():
        expected = await _expected(receipt)
        assert {k: row[k] for k in expected} == expected, receipt
        assert row["Kanal"] == "Survei kepuasan (kode QR)"
    a, late, b = rows[cases["oesapa"]], rows[cases["late"]], rows[cases["oebobo"]]
    # the newest label's element; comment masked and defused; the reply defused
    assert a["Kategori"] == "Waktu Penyelesaian"
    assert a["Isi Laporan"] == "'=HYPERLINK(\"x\") antre 2 jam, wa [nomor telepon disamarkan]"
    assert a["Tindak Lanjut"] == "'-Kami menambah loket."
    assert a["Status"] == "Ditindaklanjuti" and a["Tanggal Tindak Lanjut"] == "2026-11-23 15:00"
    # opened 16:30 UTC on the 24th: the 25th in WITA
    assert late["Tanggal Laporan"] == "2026-11-25 00:30"
    assert late["Status"] == "Selesai" and late["Hasil"] == "Duplikat"
    assert late["Kategori"] == "Kepuasan layanan"
    # no comment: the low ratings in words
    assert b["Isi Laporan"] == (
        "Penilaian rendah pada survei kepuasan masyarakat (skala 1–4): Persyaratan 1 "
        "(Tidak sesuai); Sistem, Mekanisme, dan Prosedur 2 (Kurang mudah); Waktu "
        "Penyelesaian 1 (Tidak cepat); Perilaku Pelaksana 2 (Kurang sopan dan ramah); "
        "Sarana dan Prasarana 2 (Cukup).")
    assert rows[cases["capil"]]["Instansi Tujuan"] == "Dinas Kependudukan dan Pencatatan Sipil"
    assert CONTACT not in got.text and "0812" not in got.text
    audit = await entries(object_type="case_export", after_id=mark)
    assert audit[0]["new"] == {"from": "2026-11-23", "to": "2026-11-25", "cases": 4}


async def test_a_range_is_whole_wita_days(cases):
    async with make_client() as client:
        await make_all_roles()
        await signed_in_as(client, "admin")
        day24 = await client.get(f"{PATH}?from=2026-11-24&to=2026-11-24")
        day25 = await client.get(f"{PATH}?from=2026-11-25&to=2026-11-25")
        week_before = await client.get(f"{PATH}?from=2026-11-16&to=2026-11-16")
    assert read_csv(day24.content) == []
    assert [r["Nomor Tiket"].replace("-", "") for r in read_csv(day25.content)] == [
        cases["late"]]
    assert [r["Nomor Tiket"].replace("-", "") for r in read_csv(week_before.content)] == [
        cases["old"]]


EXPECTED = {"anonymous": 303, "officer": 403, "unit": 200, "agency": 200, "city": 200,
            "admin": 200}
SEES = {"unit": {"oesapa", "late"}, "agency": {"oesapa", "late", "oebobo"},
        "city": {"oesapa", "late", "oebobo", "capil"},
        "admin": {"oesapa", "late", "oebobo", "capil"}}


@pytest.mark.parametrize("role", list(EXPECTED))
async def test_role_matrix_and_scopes(cases, role):
    await make_all_roles()
    async with make_client() as client:
        if role != "anonymous":
            await signed_in_as(client, role)
        got = await client.get(f"{PATH}?{RANGE}")
    assert got.status_code == EXPECTED[role], got.text[:300]
    if role == "anonymous":
        assert got.headers["location"].startswith("/staf/masuk")
    if got.status_code == 200:
        receipts = {r["Nomor Tiket"].replace("-", "") for r in read_csv(got.content)}
        assert receipts == {cases[k] for k in SEES[role]}


@pytest.mark.parametrize("query", ["", "from=2026-11-23", "from=2026-11-23&to=2026-11-32",
                                   "from=23-11-2026&to=2026-11-25",
                                   "from=2026-11-25&to=2026-11-23",
                                   "from=2020-01-01&to=2026-11-25",
                                   "from=2026-11-23%0A&to=2026-11-25"])
async def test_bad_ranges_get_a_message(org, query):
    await make_all_roles()
    mark = await audit_mark()
    async with make_client() as client:
        await signed_in_as(client, "city")
        got = await client.get(f"{PATH}?{query}&lang=en")
    assert got.status_code == 400
    assert got.headers["content-type"].startswith("text/html")
    assert "Export of cases" in got.text
    assert await entries(object_type="case_export", after_id=mark) == []


async def test_the_command_writes_the_same_file(cases, tmp_path):
    out = tmp_path / "kasus.csv"
    done = suara("cases", "export", "--from", "2026-11-23", "--to", "2026-11-25",
                 "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "4 cases" in done.stderr
    async with make_client() as client:
        await make_all_roles()
        await signed_in_as(client, "city")
        page = await client.get(f"{PATH}?{RANGE}")
    assert out.read_bytes() == page.content
    bad = suara("cases", "export", "--from", "2026-11-25", "--to", "2026-11-23",
                "--out", str(tmp_path / "x.csv"))
    assert bad.returncode == 2 and "--from must not be after --to" in bad.stderr
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("value, shown", [("=1+1", "'=1+1"), ("+62", "'+62"), ("-5", "'-5"),
                                          ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
                                          ("Baik", "Baik"), ("", "")])
def test_formula_cells_are_defused(value, shown):
    assert safe_cell(value) == shown


@pytest.mark.parametrize("role", ["unit", "agency", "city", "admin"])
async def test_the_cases_page_offers_the_export(org, role):
    await make_all_roles()
    async with make_client() as client:
        await signed_in_as(client, role)
        page = await client.get("/staf/kasus")
    assert page.status_code == 200
    assert f'action="{PATH}"' in page.text and 'name="from"' in page.text
    assert ('href="/staf/kota/hari-libur"' in page.text) == (role in ("city", "admin"))
