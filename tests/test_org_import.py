"""`suara org import` / `suara org export`: the organisation file (feedback.org.transfer,
feedback.org.hours, app.cli.org)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.ingest.reader import ReadError
from feedback.org import transfer
from feedback.org.counters import clear_counter_cache
from feedback.org.hours import DAYS, HoursError, parse_hours
from feedback.org.transfer import COLUMNS, export_rows, import_org
from feedback.tables import Agency, Counter, Response, Service, Unit
from tests.support import FULL, make_client
from tests.test_cli import suara

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "organisation.csv"


def write(path: Path, rows: list[list[object]], header=COLUMNS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def line(kind, code="", name="", **cells) -> list[str]:
    return [{"kind": kind, "code": code, "name": name, **cells}.get(c, "") for c in COLUMNS]


AGENCY = line("agency", "dinkes", "Dinas Kesehatan")
UNIT = line("unit", "pkm-a", "Puskesmas A", agency="dinkes", peer_group="puskesmas",
            volume="1200", kecamatan="Oebobo", active="1")
COUNTER = line("counter", "LOKETA01", "Loket 1", unit="pkm-a", kiosk="0",
               hours="Mon-Fri 8:00-15:30; Sabtu 08.00-12.00", active="1")
SERVICE = line("service", "umum", "Pemeriksaan umum", name_en="General check-up",
               unit="pkm-a", active="1")


async def snapshot() -> list[tuple]:
    """Everything the organisation file can change, in a comparable form."""
    return [
        await Agency.select(Agency.code, Agency.name).order_by(Agency.code),
        await Unit.select(Unit.code, Unit.name, Unit.agency.code, Unit.peer_group,
                          Unit.monthly_volume, Unit.kecamatan, Unit.active).order_by(Unit.code),
        await Counter.select(Counter.code, Counter.name, Counter.unit.code, Counter.is_kiosk,
                             Counter.opening_hours, Counter.active, Counter.secret
                             ).order_by(Counter.code),
        await Service.select(Service.unit.code, Service.code, Service.name_id,
                             Service.name_en, Service.active).order_by(Service.code),
    ]


def counts(report, kind):
    c = report.counts[kind]
    return c["created"], c["updated"], c["unchanged"]


# ---------------------------------------------------------------------------- good input


async def test_the_example_file_creates_the_organisation_and_is_idempotent(empty_db):
    report = await import_org(EXAMPLE)
    assert not report.rejections
    assert counts(report, "agency") == (2, 0, 0)
    assert counts(report, "unit") == (2, 0, 0)
    assert counts(report, "counter") == (3, 0, 0)
    assert counts(report, "service") == (4, 0, 0)
    assert len(report.new_counters) == 3
    counters = await Counter.select().order_by(Counter.id)
    assert [c["code"] for c in counters] == [code for code, _, _ in report.new_counters]
    for c in counters:  # random public codes and secrets, as the demo's
        assert len(c["code"]) == 8 and c["code"].isalnum() and c["code"].isupper()
        assert len(c["secret"]) == 64 and int(c["secret"], 16) >= 0
    assert len({c["secret"] for c in counters}) == 3
    kiosk = next(c for c in counters if c["name"] == "Kios Ruang Tunggu")
    assert kiosk["is_kiosk"] is True and kiosk["opening_hours"] is None
    loket = next(c for c in counters if c["name"] == "Loket Pendaftaran")
    assert loket["opening_hours"] == "mon-fri 07:30-14:00; sat 07:30-11:00"
    unit = await Unit.select().where(Unit.code == "pkm-oesapa").first()
    assert (unit["monthly_volume"], unit["kecamatan"], unit["peer_group"]) == (
        2400, "Kelapa Lima", "puskesmas")
    before = await snapshot()

    again = await import_org(EXAMPLE)  # counters without a code: matched by unit and name
    assert [counts(again, k) for k in transfer.KINDS] == [(0, 0, 2), (0, 0, 2), (0, 0, 3),
                                                         (0, 0, 4)]
    assert not again.new_counters
    assert await snapshot() == before


async def test_export_then_import_changes_nothing(org, tmp_path):
    """The seeded organisation (made without the file) and one made by a file both round
    trip through CSV and XLSX exports unchanged."""
    await import_org(write(tmp_path / "more.csv", [AGENCY, UNIT, COUNTER, SERVICE]))
    before = await snapshot()
    rows = await export_rows()
    assert {r["kind"] for r in rows} == set(transfer.KINDS)
    path = write(tmp_path / "export.csv", [[r[c] for c in COLUMNS] for r in rows])
    report = await import_org(path)
    assert not report.rejections
    assert all(c["created"] == c["updated"] == 0 for c in report.counts.values())
    assert sum(c["unchanged"] for c in report.counts.values()) == len(rows)
    assert await snapshot() == before

    done = suara("org", "export", "--out", str(tmp_path / "export.xlsx"))
    assert done.returncode == 0, done.stderr
    report = await import_org(tmp_path / "export.xlsx")
    assert not report.rejections
    assert sum(c["unchanged"] for c in report.counts.values()) == len(rows)
    assert await snapshot() == before
    # stdout CSV is exactly the rows
    out = suara("org", "export")
    assert out.returncode == 0, out.stderr
    assert list(csv.reader(io.StringIO(out.stdout))) == [
        list(COLUMNS), *[[r[c] for c in COLUMNS] for r in rows]]


async def test_updates_are_applied_and_reported(org, tmp_path):
    await import_org(write(tmp_path / "a.csv", [AGENCY, UNIT, COUNTER, SERVICE]))
    changed_unit = line("unit", "pkm-a", "UPTD Puskesmas A", agency="dinkes",
                        peer_group="puskesmas", volume="", kecamatan="Oebobo", active="1")
    changed_counter = line("counter", "LOKETA01", "Loket 1", unit="pkm-a", kiosk="ya",
                           hours="", active="1")
    report = await import_org(write(tmp_path / "b.csv",
                                    [AGENCY, changed_unit, changed_counter, SERVICE]))
    assert not report.rejections
    assert counts(report, "unit") == (0, 1, 0) and counts(report, "counter") == (0, 1, 0)
    assert counts(report, "agency") == (0, 0, 1) and counts(report, "service") == (0, 0, 1)
    unit = await Unit.select().where(Unit.code == "pkm-a").first()
    assert unit["name"] == "UPTD Puskesmas A" and unit["monthly_volume"] is None
    counter = await Counter.select().where(Counter.code == "LOKETA01").first()
    assert counter["is_kiosk"] is True and counter["opening_hours"] is None


async def test_columns_left_out_keep_the_stored_values(org, tmp_path):
    await import_org(write(tmp_path / "a.csv", [AGENCY, UNIT, COUNTER, SERVICE]))
    before = await snapshot()
    header = ("kind", "code", "name", "agency", "unit", "peer_group")
    rows = [["agency", "dinkes", "Dinas Kesehatan", "", "", ""],
            ["unit", "pkm-a", "Puskesmas A", "dinkes", "", "puskesmas"],
            ["counter", "LOKETA01", "Loket 1", "", "pkm-a", ""]]
    report = await import_org(write(tmp_path / "b.csv", rows, header=header))
    assert not report.rejections
    assert counts(report, "counter") == (0, 0, 1) and counts(report, "unit") == (0, 0, 1)
    assert await snapshot() == before
    # Only kind, code, name: renames, nothing else changes.
    rows = [["unit", "pkm-a", "Puskesmas A Baru"], ["counter", "LOKETA01", "Loket Satu"]]
    report = await import_org(write(tmp_path / "c.csv", rows, header=REQUIRED_ONLY))
    assert not report.rejections, report.rejections
    assert counts(report, "unit") == (0, 1, 0) and counts(report, "counter") == (0, 1, 0)
    unit = await Unit.select().where(Unit.code == "pkm-a").first()
    counter = await Counter.select().where(Counter.code == "LOKETA01").first()
    assert (unit["name"], unit["peer_group"], unit["monthly_volume"]) == (
        "Puskesmas A Baru", "puskesmas", 1200)
    assert counter["name"] == "Loket Satu"
    assert counter["opening_hours"] == "mon-fri 08:00-15:30; sat 08:00-12:00"


REQUIRED_ONLY = ("kind", "code", "name")


@pytest.mark.parametrize(("header", "cells", "column"), [
    (REQUIRED_ONLY, ["unit", "pkm-new", "Baru"], "agency"),
    (("kind", "code", "name", "agency"), ["unit", "pkm-new", "Baru", "dinkes"], "peer_group"),
    (REQUIRED_ONLY, ["counter", "", "Loket Baru"], "unit"),
    (REQUIRED_ONLY, ["counter", "NEWCODE1", "Loket Baru"], "unit"),
    (("kind", "code", "name", "unit"), ["service", "gigi", "Gigi", "pkm-oesapa"], "name_en"),
    (REQUIRED_ONLY, ["service", "umum", "Umum"], "unit"),
])
async def test_new_items_need_their_columns(org, tmp_path, header, cells, column):
    path = write(tmp_path / "new.csv", [cells], header=header)
    report = await import_org(path)
    assert [(r.row, r.column) for r in report.rejections] == [(2, column)], report.rejections


async def test_a_unit_may_move_to_another_agency(org, tmp_path):
    await import_org(write(tmp_path / "a.csv", [AGENCY, UNIT]))
    other = line("agency", "dlhk", "Dinas Lingkungan Hidup")
    moved = line("unit", "pkm-a", "Puskesmas A", agency="dlhk", peer_group="puskesmas",
                 volume="1200", kecamatan="Oebobo", active="1")
    report = await import_org(write(tmp_path / "b.csv", [moved, other]))
    assert not report.rejections and counts(report, "unit") == (0, 1, 0)
    unit = await Unit.select(Unit.agency.code).where(Unit.code == "pkm-a").first()
    assert unit["agency.code"] == "dlhk"


async def test_dry_run_reports_and_writes_nothing(empty_db):
    report = await import_org(EXAMPLE, dry_run=True)
    assert not report.rejections and not report.written
    assert counts(report, "counter") == (3, 0, 0) and counts(report, "service") == (4, 0, 0)
    assert await Agency.count() == 0 and await Counter.count() == 0


# ---------------------------------------------------------------------------- deactivating


async def test_deactivating_keeps_history_and_hides_the_citizen_page(org, tmp_path):
    async with make_client() as client:
        r = await client.post("/api/v1/responses", json={"counter": org.counter,
                                                         "answers": FULL})
        assert r.status_code == 201, r.text
        assert (await client.get(f"/s/{org.counter}")).status_code == 200
        form = await client.get(f"/s/{org.kiosk}")
        assert "Kesehatan ibu dan anak" in form.text

    rows = [[r[c] for c in COLUMNS] for r in await export_rows()]
    for cells in rows:
        if cells[0] == "counter" and cells[1] == org.counter:
            cells[-1] = "0"
        if cells[0] == "service" and cells[1] == "kia":
            cells[-1] = "tidak"
    report = await import_org(write(tmp_path / "off.csv", rows))
    assert not report.rejections
    assert counts(report, "counter")[1] == 1 and counts(report, "service")[1] == 1
    clear_counter_cache()
    async with make_client() as client:
        gone = await client.get(f"/s/{org.counter}")
        assert gone.status_code == 404 and "Loket tidak ditemukan" in gone.text
        form = await client.get(f"/s/{org.kiosk}")
        assert form.status_code == 200 and "Kesehatan ibu dan anak" not in form.text
        listed = (await client.get("/api/v1/units")).json()
        codes = {c["code"] for a in listed["agencies"] for u in a["units"]
                 for c in u["counters"]}
        assert org.counter not in codes and org.kiosk in codes
    assert await Response.count() == 1  # history stays
    assert await Counter.count() == 3

    # A whole unit: none of its counters has a page, and it leaves the directory.
    for cells in rows:
        if cells[0] == "unit" and cells[1] == org.unit_code:
            cells[-1] = "0"
    assert not (await import_org(write(tmp_path / "unit-off.csv", rows))).rejections
    clear_counter_cache()
    async with make_client() as client:
        assert (await client.get(f"/s/{org.kiosk}")).status_code == 404
        listed = (await client.get("/api/v1/units")).json()
        assert org.unit_code not in {u["code"] for a in listed["agencies"]
                                     for u in a["units"]}
    # Exported as inactive, and exporting/importing again changes nothing.
    exported = await export_rows()
    unit_row = next(r for r in exported if r["code"] == org.unit_code)
    assert unit_row["active"] == "0"


# ---------------------------------------------------------------------------- bad input


BAD_ROWS = {
    "unknown agency": ([AGENCY, line("unit", "pkm-b", "B", agency="nowhere",
                                     peer_group="puskesmas")],
                       3, "agency", "unknown agency 'nowhere'"),
    "unknown unit": ([AGENCY, line("service", "x", "X", name_en="X", unit="pkm-zz")],
                     3, "unit", "unknown unit 'pkm-zz'"),
    "duplicate agency": ([AGENCY, line("agency", "dinkes", "Dinas Kesehatan Kota")],
                         3, "code", "also in row 2"),
    "duplicate unit": ([AGENCY, UNIT, UNIT], 4, "code", "unit 'pkm-a' is also in row 3"),
    "duplicate counter": ([AGENCY, UNIT, COUNTER, COUNTER], 5, "code", "also in row 4"),
    "duplicate new counter": ([AGENCY, UNIT, line("counter", "", "Loket 9", unit="pkm-a"),
                               line("counter", "", "Loket 9", unit="pkm-a")],
                              5, "name", "also in row 4"),
    "duplicate service": ([AGENCY, UNIT, SERVICE, SERVICE], 5, "code", "also in row 4"),
    "bad kiosk flag": ([AGENCY, UNIT, line("counter", "", "K", unit="pkm-a", kiosk="maybe")],
                       4, "kiosk", "'maybe' is not 1 or 0"),
    "bad active flag": ([AGENCY, line("unit", "pkm-b", "B", agency="dinkes",
                                      peer_group="puskesmas", active="2")],
                        3, "active", "'2' is not 1 or 0"),
    "bad hours": ([AGENCY, UNIT, line("counter", "", "K", unit="pkm-a",
                                      hours="mon-fri 15:30-08:00")],
                  4, "hours", "ends before it starts"),
    "bad day": ([AGENCY, UNIT, line("counter", "", "K", unit="pkm-a", hours="xyz 08:00-12:00")],
                4, "hours", "'xyz' is not a day"),
    "long agency name": ([line("agency", "x", "A" * 201)], 2, "name",
                         "201 characters; at most 200"),
    "long counter name": ([AGENCY, UNIT, line("counter", "", "L" * 121, unit="pkm-a")],
                          4, "name", "121 characters; at most 120"),
    "long code": ([line("agency", "a" * 41, "A")], 2, "code", "41 characters; at most 40"),
    "code with a space": ([line("agency", "din kes", "A")], 2, "code", "is not a code"),
    "bad counter code": ([AGENCY, UNIT, line("counter", "AB-1", "K", unit="pkm-a")],
                         4, "code", "is not a counter code"),
    "missing name": ([line("agency", "x", "")], 2, "name", "missing"),
    "missing peer group": ([AGENCY, line("unit", "pkm-b", "B", agency="dinkes")],
                           3, "peer_group", "missing"),
    "missing english name": ([AGENCY, UNIT, line("service", "gigi", "Gigi", unit="pkm-a")],
                             4, "name_en", "missing"),
    "bad volume": ([AGENCY, line("unit", "pkm-b", "B", agency="dinkes",
                                 peer_group="puskesmas", volume="1.000")],
                   3, "volume", "digits only"),
    "unknown kind": ([line("loket", "x", "X")], 2, "kind", "use agency, unit, counter or "
                                                         "service"),
    "column of another kind": ([line("agency", "x", "X", kiosk="1")], 2, "kiosk",
                               "not used for a agency row"),
    "line break in a name": ([line("agency", "x", "Dinas\nKesehatan")], 2, "name",
                             "line break"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
async def test_a_bad_row_rejects_the_whole_file(org, tmp_path, case):
    rows, number, column, reason = BAD_ROWS[case]
    before = await snapshot()
    good = line("agency", "fresh", "A new agency")  # valid, but must not be written
    path = write(tmp_path / "bad.csv", [*rows, good])
    report = await import_org(path)
    lines = [str(r) for r in report.rejections]
    assert any(x.startswith(f"{path}:{number}: {column}: ") and reason in x
               for x in lines), lines
    assert not report.written
    assert await snapshot() == before


async def test_a_counter_cannot_move_to_another_unit(org, tmp_path):
    rows = [line("counter", org.counter, "Loket Pendaftaran", unit="pkm-oebobo")]
    report = await import_org(write(tmp_path / "move.csv", rows))
    assert [str(r) for r in report.rejections] == [
        f"{tmp_path / 'move.csv'}:2: unit: counter {org.counter!r} belongs to unit "
        "'pkm-oesapa': a counter cannot move to another unit (deactivate it with active 0 "
        "and add a new counter)"]


async def test_a_counter_name_shared_by_two_counters_needs_the_code(org, tmp_path):
    await Counter.update({Counter.name: "Loket"}).where(Counter.code.is_in([org.counter,
                                                                           org.kiosk]))
    report = await import_org(write(tmp_path / "c.csv", [line("counter", "", "Loket",
                                                              unit=org.unit_code)]))
    assert "has 2 counters named 'Loket': give the counter's code" in str(report.rejections[0])


STRUCTURAL = {
    "empty": (b"", "is empty"),
    "header only": (b"kind,code,name\n", "no data rows"),
    "wrong header": (b"jenis,kode,nama\nagency,x,X\n", "unknown column 'jenis'"),
    "missing kind": (b"code,name\nx,X\n", "missing required column kind"),
    "repeated column": (b"kind,code,name,Name\nagency,x,X,Y\n", "appears twice"),
    "not utf-8": (b"kind,code,name\nagency,x,Caf\xe9\n", "is not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(STRUCTURAL))
async def test_structural_errors_import_nothing(org, tmp_path, case):
    data, message = STRUCTURAL[case]
    path = tmp_path / "org.csv"
    path.write_bytes(data)
    before = await snapshot()
    with pytest.raises(ReadError) as info:
        await import_org(path)
    assert message in str(info.value) and str(path) in str(info.value)
    assert await snapshot() == before


def test_xlsx_cells_are_read_like_csv(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(list(COLUMNS))
    wb.active.append(["unit", "pkm-a", "A", "", "dinkes", "", "puskesmas", 1200.0, "", "",
                      "", True])
    wb.save(tmp_path / "a.xlsx")
    rows, rejections = transfer._check_sheet(transfer.read_org(tmp_path / "a.xlsx"))
    assert not rejections
    assert rows[0].values["monthly_volume"] == 1200 and rows[0].values["active"] is True


# ---------------------------------------------------------------------------- the command


async def test_command_import_and_exit_codes(empty_db, tmp_path):
    dry = suara("org", "import", str(EXAMPLE), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "counter: 3 would be created" in dry.stderr and "Dry run" in dry.stderr
    assert await Agency.count() == 0
    done = suara("org", "import", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert "service: 4 created, 0 updated, 0 unchanged." in done.stderr
    assert done.stderr.count("New counter ") == 3
    again = suara("org", "import", str(EXAMPLE))
    assert "counter: 0 created, 0 updated, 3 unchanged." in again.stderr

    bad = write(tmp_path / "bad.csv", [AGENCY, line("unit", "pkm-b", "B", agency="nowhere",
                                                    peer_group="puskesmas")])
    refused = suara("org", "import", str(bad))
    assert refused.returncode == 1
    assert f"{bad}:3: agency: unknown agency 'nowhere'" in refused.stderr
    assert "Nothing was imported" in refused.stderr
    (tmp_path / "empty.csv").write_bytes(b"")
    empty = suara("org", "import", str(tmp_path / "empty.csv"))
    assert empty.returncode == 2 and "is empty" in empty.stderr
    assert suara("org", "export", "--out", str(tmp_path / "x.txt")).returncode == 2


# ---------------------------------------------------------------------------- opening hours


@pytest.mark.parametrize(("text", "normal"), [
    ("mon-fri 08:00-15:30; sat 08:00-12:00", "mon-fri 08:00-15:30; sat 08:00-12:00"),
    ("Senin-Kamis 08.00-12.00, 13:00-15:30; Jumat 8:00-11:00;",
     "mon-thu 08:00-12:00,13:00-15:30; fri 08:00-11:00"),
    ("mon,wed,fri 08:00-12:00; tue,thu 08:00-15:00",
     "mon,wed,fri 08:00-12:00; tue,thu 08:00-15:00"),
    ("sat 08:00-12:00; mon-fri 08:00-12:00", "mon-sat 08:00-12:00"),
    ("sun 00:00-24:00", "sun 00:00-24:00"),
])
def test_hours_are_normalised(text, normal):
    assert parse_hours(text) == normal
    assert parse_hours(normal) == normal


@pytest.mark.parametrize("text", [
    "", ";", "mon", "08:00-12:00", "fri-mon 08:00-12:00", "mon 12:00-08:00", "mon 08:00-08:00",
    "mon 08:00-12:00,11:00-13:00", "mon 24:00-24:30", "mon 08:60-09:00", "mon 0800-1200",
    "mon 08:00-12:00; mon 13:00-14:00", "mon-fri 08:00", "mon, 08:00-12:00",
])
def test_bad_hours_are_refused(text):
    with pytest.raises(HoursError):
        parse_hours(text)


_RANGES = st.lists(st.tuples(st.integers(0, 24 * 60 - 1), st.integers(1, 24 * 60)),
                   min_size=1, max_size=3)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(range(7)), _RANGES, min_size=1))
def test_hours_round_trip(week):
    """Any valid week: its normal form parses back to itself."""
    entries = []
    for day, ranges in week.items():
        spans = sorted((a, b) for a, b in ranges if a < b)
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            if not merged or a >= merged[-1][1]:
                merged.append((a, b))
        if merged:
            entries.append(DAYS[day] + " " + ",".join(
                f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in merged))
    if not entries:
        return
    normal = parse_hours("; ".join(entries))
    assert parse_hours(normal) == normal


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(COLUMNS), st.text(max_size=30)))
def test_row_checks_never_raise(cells):
    """Any cells: a checked row or rejections, never an exception."""
    sheet = transfer.Sheet("f.csv", "0" * 64, COLUMNS,
                           [(2, tuple(cells.get(c, "") for c in COLUMNS))])
    rows, rejections = transfer._check_sheet(sheet)
    assert (len(rows) == 1) != bool(rejections)
    for r in rejections:
        assert r.row == 2 and r.column and r.reason
