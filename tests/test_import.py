"""`suara import`: historical SKM responses from CSV/XLSX files (feedback.ingest.importer and the
app.cli.imports command)."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.aggregates import daily as aggregates
from feedback.clock import WITA
from feedback.ingest import importer
from feedback.ingest.importer import (
    Catalog,
    ImportFileError,
    Sheet,
    UnitInfo,
    check_rows,
    import_file,
    read_rows,
)
from feedback.survey.receipts import RECEIPT_ALPHABET
from feedback.survey.skm import current_questionnaire_id
from feedback.tables import Agency, Counter, Response, Unit, UnitDayScore, UnitDayStats
from scoring.ikm import ELEMENTS, official_ikm
from tests.conftest import TEST_DATABASE_URL
from tests.support import make_client
from tests.test_cli import ENTRY_POINT

ROOT = Path(__file__).parent.parent
HEADER = ["unit", "submitted_at", *ELEMENTS]
FULL_HEADER = [*HEADER, "service", "channel", "gender", "age", "education", "occupation",
               "comment"]


def db():
    from piccolo_conf import DB

    return DB


def write_csv(path: Path, header, rows, *, bom: bool = True, delimiter: str = ",") -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def row(unit="pkm-oesapa", when="2025-03-04 09:15", ratings=(4, 3, 3, 4, 3, 3, 4, 2, 3),
        **optional):
    """A row in FULL_HEADER order."""
    values = [unit, when, *["" if r is None else r for r in ratings]]
    return values + [optional.get(c, "") for c in FULL_HEADER[len(HEADER):]]


async def stored() -> list[dict]:
    return await Response.select(
        Response.id, Response.unit, Response.counter, Response.questionnaire, Response.service,
        Response.answers, Response.answered, Response.counted, Response.gender,
        Response.age_band, Response.education, Response.occupation, Response.comment,
        Response.channel, Response.lang, Response.submitted_at, Response.receipt,
        Response.submission_key, Response.verified, Response.token, Response.device_hash,
        Response.flags, Response.excluded,
    ).order_by(Response.id).output(load_json=True)


async def assert_aggregates_match_responses() -> None:
    """unit_day_stats and unit_day_score equal a recomputation from the stored responses."""
    rows = await stored()
    expected = aggregates.deltas(
        (r["unit"], r["submitted_at"].astimezone(WITA).date(), r["answers"]) for r in rows)
    stats = {(s["unit"], s["day"]): s for s in await UnitDayStats.select()}
    assert set(stats) == set(expected)
    for key, delta in expected.items():
        s = stats[key]
        assert s["n"] == delta.n
        assert [s[c] for c in aggregates.COUNT_COLUMNS] == delta.counts
    scores = {(s["unit"], s["day"], s["answered"], s["total"]): s["count"]
              for s in await UnitDayScore.select()}
    assert scores == {(u, d, a, t): c for (u, d), delta in expected.items()
                      for (a, t), c in delta.scores.items()}


# ---------------------------------------------------------------------------- good files


async def test_csv_rows_are_stored_with_channel_import_and_aggregates(org, tmp_path):
    rows = [
        row(ratings=(4, 4, 4, 4, 4, 4, 4, 4, 4), service="umum", gender="P", age=34,
            education="s1", occupation="PNS", comment="Pelayanan cepat, terima kasih"),
        row(when="2025-03-04", ratings=(3, 3, 2, 4, 3, 3, 4, 3, 3), service="KIA",
            gender="Laki-laki", age="20-29", education="SMA", occupation="swasta"),
        row(when="2025-03-05T10:00:00+08:00", ratings=(2, 3, 3, 4, 3, None, 4, 3, None),
            channel="qr"),  # 7 of 9: counts
        row(when="2025-03-05 11:00", ratings=(4, 4, None, None, None, 4, 4, 4, 4)),  # 6 of 9
        row(unit="pkm-oebobo", when="2025-03-06 08:00", ratings=(1, 2, 2, 3, 2, 2, 3, 1, 2),
            age="61"),
    ]
    path = write_csv(tmp_path / "skm-2025.csv", FULL_HEADER, rows)
    report = await import_file(path)

    assert (report.rows, report.imported, report.already_imported, report.rejected,
            report.not_counted) == (5, 5, 0, 0, 1)
    assert report.per_unit == {"pkm-oesapa": 4, "pkm-oebobo": 1}
    assert report.rejections == []
    assert any("channel" in n for n in report.notices)

    got = await stored()
    assert len(got) == 5
    oebobo_counter = await Counter.select(Counter.id).where(Counter.code == org.other_counter)
    questionnaire = await current_questionnaire_id()
    for r in got:
        assert r["channel"] == "import" and r["lang"] == "id"
        assert r["verified"] is False and r["device_hash"] is None and r["token"] is None
        assert r["flags"] == [] and r["excluded"] is False
        assert r["questionnaire"] == questionnaire
        assert re.fullmatch(f"[{RECEIPT_ALPHABET}]{{8}}", r["receipt"])
        assert r["submission_key"].startswith("import:") and len(r["submission_key"]) <= 64
        assert r["answered"] == len(r["answers"])
        assert r["counted"] is (r["answered"] >= 7)
    assert len({r["receipt"] for r in got}) == 5
    oesapa = [r for r in got if r["unit"] == org.unit_id]
    assert {r["counter"] for r in oesapa} == {org.counter_id}  # the unit's first counter
    assert [r["counter"] for r in got if r["unit"] != org.unit_id] == [oebobo_counter[0]["id"]]

    first, second, third, fourth, fifth = got
    assert first["answers"] == dict.fromkeys(ELEMENTS, 4)
    assert (first["gender"], first["age_band"], first["education"], first["occupation"]) == (
        "P", "30-39", "S1", "PNS")
    assert first["comment"] == "Pelayanan cepat, terima kasih"
    assert first["service"] is not None and second["service"] is not None
    assert first["service"] != second["service"]
    assert (second["gender"], second["age_band"], second["education"], second["occupation"]) == (
        "L", "20-29", "SLTA", "Swasta")
    assert second["submitted_at"] == datetime(2025, 3, 4, 12, 0, tzinfo=WITA)  # a date: noon
    assert third["submitted_at"] == datetime(2025, 3, 5, 2, 0, tzinfo=UTC)
    assert third["answered"] == 7 and third["counted"] is True
    assert fourth["answered"] == 6 and fourth["counted"] is False
    assert fifth["age_band"] == "60+" and fifth["gender"] is None

    await assert_aggregates_match_responses()
    stats = await UnitDayStats.select().where(UnitDayStats.unit == org.unit_id)
    assert sum(s["n"] for s in stats) == 3  # the 6-of-9 row is stored but not counted


async def test_live_ikm_endpoint_reflects_imported_rows(org, tmp_path):
    answers = [(4, 3, 3, 4, 3, 3, 4, 2, 3), (3, 3, 2, 4, 3, 4, 4, 3, 3),
               (2, 2, 1, 4, 2, 3, 3, None, None), (4, 4, 4, 4, None, None, None, None, 4)]
    rows = [row(when=f"2025-04-{10 + i:02d} 10:00", ratings=a) for i, a in enumerate(answers)]
    path = write_csv(tmp_path / "april.csv", FULL_HEADER, rows)
    await import_file(path)
    async with make_client(min_group=1) as client:  # show the figures of 3 responses
        r = await client.get(f"/api/v1/units/{org.unit_code}/ikm?from=2025-04-01&to=2025-04-30")
        march = await client.get(f"/api/v1/units/{org.unit_code}/ikm?from=2025-03-01"
                                 "&to=2025-03-31")
    assert r.status_code == 200, r.text
    out = r.json()
    counted = [dict(zip(ELEMENTS, a, strict=True)) for a in answers[:3]]  # the 4th: 5 of 9
    assert out["n"] == 3
    nrr = {e: sum(a[e] for a in counted if a[e]) / sum(1 for a in counted if a[e])
           for e in ELEMENTS}
    for e in ELEMENTS:
        assert out["elements"][e]["nrr"] == pytest.approx(nrr[e])
    assert out["ikm"] == pytest.approx(25 * sum(nrr.values()) / 9)
    counts = [[sum(1 for a in counted if a[e] == v) for v in range(1, 5)] for e in ELEMENTS]
    assert out["ikm"] == pytest.approx(official_ikm(counts, 3).ikm)
    assert march.json()["n"] == 0


async def test_xlsx_first_sheet_with_date_and_datetime_cells(org, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Responden"
    ws.append([" Unit ", "SUBMITTED_AT", *[e.upper() for e in ELEMENTS], "Age", "Gender"])
    ws.append(["pkm-oesapa", date(2025, 2, 3), *[4] * 9, 45, "Perempuan"])
    ws.append(["pkm-oesapa", datetime(2025, 2, 3, 7, 30), *[3.0] * 8, None, "19", "l"])
    ws.append([None] * 5)  # a blank row
    ws.append(["pkm-oebobo", "2025-02-04 14:00", *["2"] * 9, None, None])
    ws.append(["pkm-oesapa", datetime(2025, 2, 3, 0, 0), *[4] * 9])  # a midnight time
    ws.cell(row=6, column=2).number_format = "yyyy-mm-dd hh:mm"
    ws.append(["pkm-oesapa", datetime(2025, 2, 5), *[4] * 9])  # an Indonesian date format
    ws.cell(row=7, column=2).number_format = '[$-421]dddd, dd mmmm yyyy" (Selasa)"'
    other = wb.create_sheet("Catatan")
    other.append(["not", "the", "data"])
    wb.active = 1  # the first sheet is read even when another one is active
    path = tmp_path / "skm.xlsx"
    wb.save(path)

    report = await import_file(path)
    assert (report.rows, report.blank, report.imported, report.rejected) == (5, 1, 5, 0)
    got = await stored()
    assert [r["submitted_at"] for r in got] == [
        datetime(2025, 2, 3, 12, 0, tzinfo=WITA),  # a date cell: noon WITA
        datetime(2025, 2, 3, 7, 30, tzinfo=WITA),
        datetime(2025, 2, 4, 14, 0, tzinfo=WITA),
        datetime(2025, 2, 3, 0, 0, tzinfo=WITA),  # a date-time cell keeps its midnight
        datetime(2025, 2, 5, 12, 0, tzinfo=WITA),
    ]
    assert got[0]["answers"] == dict.fromkeys(ELEMENTS, 4)
    assert (got[0]["age_band"], got[0]["gender"]) == ("40-49", "P")
    assert got[1]["answered"] == 8 and (got[1]["age_band"], got[1]["gender"]) == ("<20", "L")
    await assert_aggregates_match_responses()


async def test_naive_times_are_wita(org, tmp_path):
    path = write_csv(tmp_path / "early.csv", HEADER, [
        ["pkm-oesapa", "2025-03-04 07:30", *[4] * 9],  # 2025-03-03 23:30 UTC
        ["pkm-oesapa", "2025-03-04T07:30:00Z", *[3] * 9],  # 15:30 WITA, same day
        ["pkm-oesapa", "2025-03-05T00:30:00+08:00", *[2] * 9],
    ])
    await import_file(path)
    got = await stored()
    assert got[0]["submitted_at"] == datetime(2025, 3, 3, 23, 30, tzinfo=UTC)
    assert got[1]["submitted_at"] == datetime(2025, 3, 4, 7, 30, tzinfo=UTC)
    assert got[2]["submitted_at"] == datetime(2025, 3, 4, 16, 30, tzinfo=UTC)
    days = sorted((s["day"], s["n"]) for s in await UnitDayStats.select(UnitDayStats.day,
                                                                        UnitDayStats.n))
    assert days == [(date(2025, 3, 4), 2), (date(2025, 3, 5), 1)]
    await assert_aggregates_match_responses()


async def test_semicolon_csv_and_a_date_of_today_in_the_morning(org, tmp_path):
    now = datetime(2026, 7, 1, 0, 30, tzinfo=UTC)  # 08:30 WITA
    path = write_csv(tmp_path / "excel-id.csv", HEADER,
                     [["pkm-oesapa", "2026-07-01", *[4] * 9]], delimiter=";", bom=False)
    report = await import_file(path, now=now)
    assert report.imported == 1
    (r,) = await stored()
    assert r["submitted_at"] == now  # noon would be in the future: same WITA day, not later


# ---------------------------------------------------------------------------- row errors


async def test_row_errors_are_reported_and_the_other_rows_imported(org, tmp_path):
    agency = await Agency.select(Agency.id).first()
    await Unit.insert(Unit(code="kel-oesapa", name="Kantor Lurah Oesapa",
                           agency=agency["id"], peer_group="kelurahan"))
    future = (datetime.now(UTC) + timedelta(days=400)).date().isoformat()
    soon = (datetime.now(UTC) + timedelta(hours=3)).astimezone(WITA).replace(tzinfo=None)
    rows = [
        row(),                                                             # 2 ok
        row(unit="pkm-nowhere"),                                           # 3
        row(ratings=(4, 5, 3, 4, 3, 3, 4, 2, 3)),                          # 4
        row(ratings=(4, 3, "baik", 4, 3, 3, 4, 2, 3)),                     # 5
        row(when="04/03/2025"),                                            # 6
        row(when=future),                                                  # 7
        row(when=soon.isoformat(timespec="minutes")),                      # 8
        row(gender="X"),                                                   # 9
        row(age="tua"),                                                    # 10
        row(education="SMP-ish"),                                          # 11
        row(occupation="Nelayan"),                                         # 12
        row(comment="x" * 1001),                                           # 13
        row(service="gigi"),                                               # 14
        row(unit="kel-oesapa"),                                            # 15 no counters
        row(ratings=(0, 3, 3, 4, 3, 3, 4, 2, 2.5)),                        # 16 two problems
        row(when=""),                                                      # 17
        row(comment="y" * 1000, ratings=(None,) * 9),                      # 18 ok, 0 of 9
        row(when="1899-12-30"),                                            # 19
    ]
    path = write_csv(tmp_path / "mixed.csv", FULL_HEADER, rows)
    report = await import_file(path)

    name = str(path)
    lines = [str(r) for r in report.rejections]
    expected = {
        3: "unit", 4: "prosedur", 5: "waktu", 6: "submitted_at", 7: "submitted_at",
        8: "submitted_at", 9: "gender", 10: "age", 11: "education", 12: "occupation",
        13: "comment", 14: "service", 15: "unit", 17: "submitted_at", 19: "submitted_at",
    }
    for number, column in expected.items():
        assert any(line.startswith(f"{name}:{number}: {column}: ") for line in lines), (
            number, column, lines)
    assert f"{name}:16: persyaratan: '0' is outside 1-4" in lines
    assert any(line.startswith(f"{name}:16: sarana: ") for line in lines)
    assert sum(1 for r in report.rejections if r.row == 16) == 2
    assert {r.row for r in report.rejections} == set(range(3, 18)) | {19}
    assert "unknown unit 'pkm-nowhere'" in next(r.reason for r in report.rejections
                                                 if r.row == 3)
    assert "no counters" in next(r.reason for r in report.rejections if r.row == 15)
    assert "in the future" in next(r.reason for r in report.rejections if r.row == 7)
    assert "1001 characters" in next(r.reason for r in report.rejections if r.row == 13)
    assert (report.rows, report.imported, report.rejected, report.not_counted) == (18, 2, 16, 1)
    got = await stored()
    assert len(got) == 2
    assert got[1]["answered"] == 0 and got[1]["counted"] is False
    assert len(got[1]["comment"]) == 1000
    await assert_aggregates_match_responses()


async def test_cells_outside_the_header_reject_the_row(org, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("unit,,submitted_at," + ",".join(ELEMENTS) + ",\n"  # unnamed columns
                    "pkm-oesapa,,2025-03-04," + "4," * 9 + "\n"
                    "pkm-oesapa,note,2025-03-04," + "4," * 9 + "\n"
                    "pkm-oesapa,,2025-03-04," + "4," * 9 + "oops\n"
                    "pkm-oesapa,,2025-03-04," + "4," * 9 + ",extra\n", encoding="utf-8")
    report = await import_file(path)
    assert report.imported == 1
    assert [str(r) for r in report.rejections] == [
        f"{path}:3: column 2: has a value but no header",
        f"{path}:4: column 13: row has 13 cells but the header has only 12 columns",
        f"{path}:5: column 13: row has 14 cells but the header has only 12 columns",
    ]


# ---------------------------------------------------------------------------- structural errors


def _header_without(column):
    return [c for c in HEADER if c != column]


STRUCTURAL = {
    "missing_column": (lambda p: write_csv(p / "a.csv", _header_without("waktu"),
                                           [["pkm-oesapa", "2025-03-04", *[4] * 8]]),
                       "missing required column waktu"),
    "missing_unit": (lambda p: write_csv(p / "a.csv", _header_without("unit"),
                                         [["2025-03-04", *[4] * 9]]),
                     "missing required column unit"),
    "unknown_column": (lambda p: write_csv(p / "a.csv", [*HEADER, "nik"],
                                           [["pkm-oesapa", "2025-03-04", *[4] * 9, "5301"]]),
                       "unknown column 'nik'"),
    "duplicate_column": (lambda p: write_csv(p / "a.csv", [*HEADER, "Waktu"],
                                             [["pkm-oesapa", "2025-03-04", *[4] * 10]]),
                         "column 'waktu' appears twice"),
    "empty_file": (lambda p: _write(p / "a.csv", b""), "is empty"),
    "bom_only": (lambda p: _write(p / "a.csv", b"\xef\xbb\xbf\r\n"), "is empty"),
    "header_only": (lambda p: write_csv(p / "a.csv", HEADER, []), "no data rows"),
    "blank_header": (lambda p: _write(p / "a.csv", b"\npkm-oesapa,2025-03-04\n"),
                     "row 1 must be the header"),
    "not_utf8": (lambda p: _write(p / "a.csv", ",".join(HEADER).encode() +
                                  b"\npkm-oesapa,2025-03-04,4,4,4,4,4,4,4,4,4,Caf\xe9\n"),
                 "is not UTF-8 text (line 2)"),
    "not_csv_or_xlsx": (lambda p: write_csv(p / "a.txt", HEADER, [["x"]]),
                        "is not a CSV or XLSX file"),
    "xls": (lambda p: _write(p / "a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
            "old-format Excel"),
    "corrupt_xlsx": (lambda p: _write(p / "a.xlsx", b"PK\x03\x04 not really a zip"),
                     "is not a readable XLSX workbook"),
    "csv_that_is_xlsx": (lambda p: _write(p / "a.csv", b"PK\x03\x04\x14\x00"),
                         "looks like an XLSX workbook"),
    "missing_file": (lambda p: p / "nope.csv", "not found"),
    "xlsx_missing_column": (lambda p: _xlsx(p / "a.xlsx", [_header_without("sarana"),
                                                           ["pkm-oesapa", "2025-03-04"]]),
                            "missing required column sarana"),
    "xlsx_empty": (lambda p: _xlsx(p / "a.xlsx", []), "is empty"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _xlsx(path: Path, rows) -> Path:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


@pytest.mark.parametrize("case", sorted(STRUCTURAL))
async def test_structural_errors_import_nothing(org, tmp_path, case):
    make, message = STRUCTURAL[case]
    path = make(tmp_path)
    # A good row in the same import must not be stored either.
    with pytest.raises(ImportFileError) as info:
        await import_file(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)
    assert await Response.count() == 0
    assert await UnitDayStats.count() == 0


# ---------------------------------------------------------------------------- idempotence


async def test_importing_the_same_file_again_stores_nothing_new(org, tmp_path):
    rows = [row(when=f"2025-05-{d:02d} 09:00") for d in range(1, 21)]
    rows.append(row(unit="pkm-nowhere"))
    path = write_csv(tmp_path / "may.csv", FULL_HEADER, rows)
    first = await import_file(path)
    assert (first.imported, first.already_imported, first.rejected) == (20, 0, 1)
    stats_before = await UnitDayStats.select().order_by(UnitDayStats.day)

    again = await import_file(path)
    assert (again.imported, again.already_imported, again.rejected) == (0, 20, 1)
    # The same content under another name, with other line endings: the same rows.
    copy = tmp_path / "may-copy.csv"
    copy.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))
    third = await import_file(copy)
    assert (third.imported, third.already_imported) == (0, 20)
    assert await Response.count() == 20
    assert await UnitDayStats.select().order_by(UnitDayStats.day) == stats_before
    await assert_aggregates_match_responses()

    # A changed file is another file: its rows are new.
    rows[0] = row(when="2025-05-01 09:00", ratings=(1,) * 9)
    changed = await import_file(write_csv(tmp_path / "may-v2.csv", FULL_HEADER, rows))
    assert changed.imported == 20


def _seven_rows(fixed: bool) -> list[list]:
    """Seven distinct responses; row 5 of the file has a rating 5 until it is fixed."""
    rows = [row(when=f"2025-07-{d:02d} 09:{d:02d}", ratings=((d % 4) + 1,) * 9)
            for d in range(1, 8)]
    if not fixed:
        rows[3] = row(when="2025-07-04 09:04", ratings=(4, 5, 3, 4, 3, 3, 4, 2, 3))
    else:
        rows[3] = row(when="2025-07-04 09:04", ratings=(4, 4, 3, 4, 3, 3, 4, 2, 3))
    return rows


async def counted_rows() -> list[tuple]:
    """(submitted_at, answers) of the stored responses that count (not excluded)."""
    rows = await Response.select(Response.submitted_at, Response.answers).where(
        Response.excluded == False).output(load_json=True)  # noqa: E712
    return sorted((r["submitted_at"], json.dumps(r["answers"], sort_keys=True)) for r in rows)


async def test_a_corrected_file_supersedes_its_earlier_import(org, tmp_path):
    """Regression: fixing a rejected row and importing the corrected file again stored the
    earlier rows a second time (7 distinct rows became 13 counted responses)."""
    from tests.test_aggregates import assert_consistent

    path = write_csv(tmp_path / "skm-juli.csv", FULL_HEADER, _seven_rows(fixed=False))
    first = await import_file(path)
    assert (first.imported, first.rejected, first.superseded) == (6, 1, 0)
    assert first.source == "skm-juli.csv"

    write_csv(path, FULL_HEADER, _seven_rows(fixed=True))
    dry = await import_file(path, dry_run=True)
    assert (dry.imported, dry.superseded) == (7, 6)
    assert await Response.count() == 6

    second = await import_file(path)
    assert (second.imported, second.rejected, second.superseded) == (7, 0, 6)
    # Exactly the rows of the corrected file count; the earlier ones are kept, excluded.
    expected = await import_file(path, dry_run=True)
    assert expected.imported == 0 and expected.already_imported == 7
    assert await Response.count() == 13
    assert await Response.count().where(Response.excluded == False) == 7  # noqa: E712
    reasons = {r["excluded_reason"] for r in await Response.select(
        Response.excluded_reason).where(Response.excluded == True)}  # noqa: E712
    assert len(reasons) == 1 and reasons.pop().startswith("superseded: source 'skm-juli.csv'")
    got = await counted_rows()
    assert len(got) == 7 and len(set(got)) == 7
    assert ("2025-07-04" in str(got[3][0])) and '"prosedur": 4' in got[3][1]
    await assert_consistent()
    stats = await UnitDayStats.select(UnitDayStats.n)
    assert sum(s["n"] for s in stats) == 7

    # The same file again, also from another folder (the source is the file name): no-op.
    before = (await UnitDayStats.select(), await UnitDayScore.select())
    (tmp_path / "elsewhere").mkdir()
    copy = tmp_path / "elsewhere" / "skm-juli.csv"
    copy.write_bytes(path.read_bytes())
    for again in (path, copy):
        report = await import_file(again)
        assert (report.imported, report.already_imported, report.superseded) == (0, 7, 0)
    assert await Response.count() == 13
    assert (await UnitDayStats.select(), await UnitDayScore.select()) == before


async def test_going_back_to_an_earlier_version_reinstates_it(org, tmp_path):
    from tests.test_aggregates import assert_consistent

    v1 = write_csv(tmp_path / "v1.csv", FULL_HEADER, _seven_rows(fixed=False))
    v2 = write_csv(tmp_path / "v2.csv", FULL_HEADER, _seven_rows(fixed=True))
    assert (await import_file(v1, source="juli")).imported == 6
    # A staff exclusion of one row is not undone by re-imports.
    first = await Response.select(Response.id).order_by(Response.id).first()
    await Response.update({Response.excluded: True, Response.excluded_reason: "duplicate"}
                          ).where(Response.id == first["id"])
    from feedback.engine import transaction

    async with transaction():
        row_ = await Response.select(
            Response.unit, Response.submitted_at, Response.answers
        ).where(Response.id == first["id"]).output(load_json=True).first()
        await aggregates.retract(aggregates.deltas(
            [(row_["unit"], row_["submitted_at"].astimezone(WITA).date(), row_["answers"])]))
    await assert_consistent()

    assert (await import_file(v2, source="juli")).superseded == 5
    back = await import_file(v1, source="juli")
    assert (back.imported, back.reinstated, back.superseded) == (0, 5, 7)
    assert await Response.count().where(Response.excluded == False) == 5  # noqa: E712
    staff = await Response.select(Response.excluded_reason).where(Response.id == first["id"])
    assert staff[0]["excluded_reason"] == "duplicate"
    await assert_consistent()


async def test_an_xlsx_saved_again_unchanged_is_already_imported(org, tmp_path):
    path = _xlsx(tmp_path / "a.xlsx", [HEADER, ["pkm-oesapa", date(2025, 1, 6), *[3] * 9],
                                       ["pkm-oesapa", datetime(2025, 1, 6, 9), *[4] * 9]])
    assert (await import_file(path)).imported == 2
    wb = openpyxl.load_workbook(path)
    wb.active["Z1"] = None  # touch it
    wb.save(tmp_path / "b.xlsx")
    assert (tmp_path / "b.xlsx").read_bytes() != path.read_bytes()
    again = await import_file(tmp_path / "b.xlsx")
    assert (again.imported, again.already_imported) == (0, 2)


async def test_a_receipt_clash_with_a_stored_response_is_retried(org, tmp_path, monkeypatch):
    await import_file(write_csv(tmp_path / "one.csv", HEADER,
                                      [["pkm-oesapa", "2025-01-02", *[4] * 9]]))
    (taken,) = [r["receipt"] for r in await stored()]
    real = importer.new_receipts
    calls = []

    def clashing(n):
        calls.append(n)
        codes = real(n)
        if len(calls) == 1:
            codes[1] = taken
        return codes

    monkeypatch.setattr(importer, "new_receipts", clashing)
    report = await import_file(write_csv(tmp_path / "two.csv", HEADER, [
        ["pkm-oesapa", f"2025-01-0{d}", *[3] * 9] for d in range(3, 7)]))
    # The clashing row got a fresh code from the one bulk path (responses.store).
    assert report.imported == 4 and calls == [4]
    got = await stored()
    assert len(got) == 5 and len({r["receipt"] for r in got}) == 5
    await assert_aggregates_match_responses()


async def test_a_database_failure_stores_nothing(org, tmp_path, monkeypatch):
    async def broken(batch):
        raise RuntimeError("disk full")

    monkeypatch.setattr(aggregates, "apply", broken)
    path = write_csv(tmp_path / "a.csv", HEADER, [["pkm-oesapa", "2025-01-02", *[4] * 9]] * 3)
    with pytest.raises(RuntimeError, match="disk full"):
        await import_file(path)
    assert await Response.count() == 0


# ---------------------------------------------------------------------------- unit map, dry run


async def test_unit_map_maps_spreadsheet_names(org, tmp_path):
    unit_map = write_csv(tmp_path / "units.csv", ["Name", "Unit", "catatan"], [
        ["Puskesmas Oesapa", "pkm-oesapa", ""],
        ["PKM  OEBOBO", "pkm-oebobo", "spasi ganda"],
        ["Puskesmas Lama", "pkm-tutup", ""],
    ])
    path = write_csv(tmp_path / "names.csv", HEADER, [
        ["puskesmas oesapa", "2025-03-04", *[4] * 9],
        ["Pkm Oebobo", "2025-03-04", *[3] * 9],
        ["pkm-oesapa", "2025-03-04", *[2] * 9],  # codes still work
        ["UPTD Puskesmas Oebobo", "2025-03-04", *[2] * 9],  # and the unit's own name
        ["Puskesmas Lama", "2025-03-04", *[2] * 9],
        ["Puskesmas Baru", "2025-03-04", *[2] * 9],
    ])
    report = await import_file(path, unit_map=unit_map)
    assert report.per_unit == {"pkm-oesapa": 2, "pkm-oebobo": 2}
    assert [str(r) for r in report.rejections] == [
        f"{path}:6: unit: 'Puskesmas Lama' maps to 'pkm-tutup' in the unit map, which is not "
        "a unit code",
        f"{path}:7: unit: unknown unit 'Puskesmas Baru' (not a unit code and not in the unit "
        "map)",
    ]
    # A mapping can also be given directly.
    direct = await import_file(path, unit_map={"Puskesmas Baru": "pkm-oebobo"},
                               dry_run=True)
    assert direct.imported == 1 and direct.already_imported == 2


async def test_a_bad_unit_map_is_a_file_error(org, tmp_path):
    path = write_csv(tmp_path / "a.csv", HEADER, [["x", "2025-03-04", *[4] * 9]])
    bad = write_csv(tmp_path / "map.csv", ["nama", "unit"], [["Puskesmas Oesapa", "pkm-oesapa"]])
    with pytest.raises(ImportFileError, match=r"map\.csv: unit map needs the columns name,unit"):
        await import_file(path, unit_map=bad)
    twice = write_csv(tmp_path / "map2.csv", ["name", "unit"],
                      [["A", "pkm-oesapa"], ["a", "pkm-oebobo"]])
    with pytest.raises(ImportFileError, match=r"map2\.csv: row 3: 'a' is mapped twice"):
        await import_file(path, unit_map=twice)
    assert await Response.count() == 0


async def test_dry_run_writes_nothing(org, tmp_path):
    path = write_csv(tmp_path / "a.csv", FULL_HEADER, [
        row(), row(ratings=(4, 4, None, None, None, None, 4, 4, 4)), row(unit="nope")])
    report = await import_file(path, dry_run=True)
    assert report.dry_run
    assert (report.imported, report.not_counted, report.rejected, report.already_imported) == (
        2, 1, 1, 0)
    assert await Response.count() == 0
    assert await UnitDayStats.count() == 0 and await UnitDayScore.select() == []
    await import_file(path)
    after = await import_file(path, dry_run=True)
    assert (after.imported, after.already_imported) == (0, 2)


# ---------------------------------------------------------------------------- pure checks


def _catalog() -> Catalog:
    return Catalog.build([UnitInfo(1, "pkm-a", "Puskesmas A", 10, {"umum": 5})], 1)


def _sheet(rows) -> Sheet:
    return Sheet("f.csv", "0" * 64, tuple(FULL_HEADER), [(i + 2, tuple(r))
                                                         for i, r in enumerate(rows)])


def test_read_rows_normalises_the_header(tmp_path):
    path = write_csv(tmp_path / "a.csv", [" UNIT", "Submitted_At ", *ELEMENTS, "Comment"],
                     [["pkm-a", "2025-01-01", *[4] * 9, "baik"], [], ["", ""]])
    sheet = read_rows(path)
    assert sheet.header == ("unit", "submitted_at", *ELEMENTS, "comment")
    assert [n for n, _ in sheet.rows] == [2] and sheet.blank == 2


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), st.integers(-5, 200),
                          st.floats(allow_nan=True), st.none(),
                          st.sampled_from(["4", "1", "", "2025-02-03", "L", "s1", "60+", "umum",
                                           "pkm-a", "Puskesmas A", "2025-02-03 07:30",
                                           "0001-01-01T00:00", "9999-12-31T23:59-14:00"]),
                          st.datetimes(), st.dates()),
                min_size=0, max_size=len(FULL_HEADER) + 2))
def test_check_rows_never_raises(cells):
    valid, rejections = check_rows(_sheet([cells]), _catalog(),
                                   now=datetime(2026, 1, 1, tzinfo=UTC))
    assert (len(valid) == 1) != bool(rejections)
    for r in valid:
        assert set(r.answers) <= set(ELEMENTS)
        assert all(v in (1, 2, 3, 4) for v in r.answers.values())
        assert r.submitted_at.tzinfo is not None
    for r in rejections:
        assert r.row == 2 and r.column and r.reason


@pytest.mark.parametrize(("value", "band"), [
    (19, "<20"), (20, "20-29"), ("29", "20-29"), (30.0, "30-39"), ("59", "50-59"),
    (60, "60+"), ("<20", "<20"), ("50–59", "50-59"), ("60 +", "60+"), ("", None),
])
def test_age_bands(value, band):
    valid, rejections = check_rows(_sheet([row(unit="pkm-a", age=value)]), _catalog())
    assert not rejections and valid[0].age_band == band


# ---------------------------------------------------------------------------- the command


def suara_import(*args: str) -> subprocess.CompletedProcess[str]:
    """`suara import ...` in a subprocess (the command runs its own event loop)."""
    env = dict(os.environ, DATABASE_URL=TEST_DATABASE_URL, SUARA_SECRET="test-secret",
               COLUMNS="200")
    return subprocess.run([sys.executable, "-c", ENTRY_POINT, "import", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


async def test_command_imports_reports_and_exits(org, tmp_path):
    path = write_csv(tmp_path / "skm [2025].csv", FULL_HEADER, [
        row(), row(ratings=(4, 4, None, None, None, None, 4, 4, 4)),
        row(unit="pkm-nowhere"), row(ratings=(4, 3, 9, 4, 3, 3, 4, 2, 3))])
    dry = suara_import(str(path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run" in dry.stderr and "2 would be imported" in dry.stderr
    assert await Response.count() == 0

    done = suara_import(str(path))
    assert done.returncode == 0, done.stderr
    assert f"{path}:4: unit: unknown unit 'pkm-nowhere'" in done.stderr
    assert f"{path}:5: waktu: '9' is outside 1-4" in done.stderr
    assert ("2 imported (1 not counted in the IKM: fewer than 7 of 9 elements answered), "
            "0 already imported, 2 rejected.") in done.stderr
    assert await Response.count() == 2

    again = suara_import(str(path))
    assert again.returncode == 0 and "0 imported, 2 already imported" in again.stderr

    bad = suara_import(str(write_csv(tmp_path / "bad.csv", _header_without("biaya"), [["x"]])))
    assert bad.returncode == 2
    assert "bad.csv: missing required column biaya" in bad.stderr
    assert "Nothing was imported" in bad.stderr

    rejected = suara_import(str(write_csv(tmp_path / "all-bad.csv", HEADER,
                                          [["nope", "2025-01-01", *[4] * 9]])))
    assert rejected.returncode == 1
    assert await Response.count() == 2


async def test_command_unit_map_and_progress_on_a_large_file(org, tmp_path):
    unit_map = write_csv(tmp_path / "map.csv", ["name", "unit"], [["Puskesmas Oesapa",
                                                                    "pkm-oesapa"]])
    rows = [["Puskesmas Oesapa", f"2025-06-{1 + i % 28:02d} {8 + i % 7:02d}:{i % 60:02d}",
             *[(i + k) % 4 + 1 for k in range(9)]] for i in range(6000)]
    path = write_csv(tmp_path / "big.csv", HEADER, rows)
    done = suara_import(str(path), "--unit-map", str(unit_map))
    assert done.returncode == 0, done.stderr
    assert "6000 imported" in done.stderr and "Per unit: pkm-oesapa 6000" in done.stderr
    assert await Response.count() == 6000
    await assert_aggregates_match_responses()
    answers = json.loads((await Response.select(Response.answers).first())["answers"])
    assert len(answers) == 9


async def test_command_source_names_the_file_a_correction_replaces(org, tmp_path):
    v1 = write_csv(tmp_path / "juli.csv", FULL_HEADER, _seven_rows(fixed=False))
    v2 = write_csv(tmp_path / "juli-fixed.csv", FULL_HEADER, _seven_rows(fixed=True))
    assert suara_import(str(v1)).returncode == 0
    done = suara_import(str(v2), "--source", "juli.csv")
    assert done.returncode == 0, done.stderr
    assert "7 imported" in done.stderr
    assert ("Source 'juli.csv': 6 rows of its earlier version were superseded (kept, "
            "excluded from the IKM).") in done.stderr
    assert await Response.count() == 13
    assert await Response.count().where(Response.excluded == False) == 7  # noqa: E712
