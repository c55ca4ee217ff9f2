"""The one CSV/XLSX reader and rating parser (feedback.ingest.reader), as used by
`suara import`, `suara score`, `suara kpis` and `suara org import`."""

from __future__ import annotations

import argparse
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.cli import score as cli_score
from feedback.ingest import importer
from feedback.ingest.reader import (
    BadRating,
    ReadError,
    parse_rating,
    read_sheet,
    read_table,
)
from scoring.ikm import ELEMENTS


def _xlsx(path: Path, rows) -> Path:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


@pytest.mark.parametrize(("value", "expected"), [
    ("1", 1), (" 4 ", 4), (3, 3), (2.0, 2), ("4.0", 4), ("4,0", 4), ("", None), (None, None),
    ("  ", None),
])
def test_ratings_accepted(value, expected):
    assert parse_rating(value) == expected


@pytest.mark.parametrize(("value", "numeric"), [
    ("0", True), ("5", True), ("2.5", True), ("nan", True), ("1e0", True), (-1, True),
    ("baik", False), ("²", False), (True, False), ("4 4", False),
])
def test_ratings_refused(value, numeric):
    bad = parse_rating(value)
    assert isinstance(bad, BadRating) and bad.numeric is numeric and bad.reason


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=8), st.sampled_from(["1", "4", "4.0", "4,0", "1e0", "nan",
                                                      "+3", "03", "5", "0", ""])))
def test_score_and_import_agree_on_every_rating(text):
    """One parser: a cell is a rating for `suara import` exactly when it is one for
    `suara score` (before, score took '1e0' and refused '4,0')."""
    imported = importer._rating(text)
    try:
        scored = cli_score._rating("r.csv", 2, "waktu", text)
    except cli_score.InputError:
        scored = "refused"
    if isinstance(imported, str):
        assert scored == "refused"
    else:
        assert scored == imported


def test_read_table_checks_the_header(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Kind, CODE ,name\nagency,x,X\n", encoding="utf-8")
    sheet = read_table(path, ("kind", "code"), ("name",))
    assert sheet.header == ("kind", "code", "name")
    assert list(sheet.records()) == [(2, {"kind": "agency", "code": "x", "name": "X"})]
    with pytest.raises(ReadError) as info:
        read_table(path, ("kind", "code", "active"))
    assert (info.value.row, info.value.column) == (1, "name")  # unknown before missing
    with pytest.raises(ReadError) as info:
        read_table(path, ("kind", "code", "name", "active"))
    assert info.value.column == "active" and "missing required column" in info.value.message
    path.write_text("kind,code\n", encoding="utf-8")
    with pytest.raises(ReadError) as info:
        read_table(path, ("kind", "code"))
    assert info.value.kind == "no_rows"
    assert read_table(path, ("kind", "code"), rows_required=False).rows == []


def test_csv_rows_with_a_missing_separator_are_noted(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("a,b,c\n1,2,3\n1,2\n1,2,3,\n,,\n", encoding="utf-8")
    sheet = read_sheet(path)
    assert [n for n, _ in sheet.rows] == [2, 3, 4] and sheet.blank == 1
    assert sheet.widths == {3: 2, 4: 4}


def test_score_reads_xlsx_files(tmp_path, capsys):
    """`suara score` uses the shared reader, so a workbook is scored like the CSV."""
    rows = [["unit", *ELEMENTS]] + [["U1", *[4] * 9]] * 3 + [["U2", *[3] * 9]] * 3
    xlsx = _xlsx(tmp_path / "r.xlsx", rows)
    csv_path = tmp_path / "r.csv"
    csv_path.write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n",
                        encoding="utf-8")
    outputs = []
    for path in (xlsx, csv_path):
        parser = argparse.ArgumentParser()
        cli_score.add_parser(parser.add_subparsers())
        args = parser.parse_args(["score", "--responses", str(path), "--format", "csv",
                                  "--draws", "50"])
        assert cli_score.run(args) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and "U1" in outputs[0]
    bad = _xlsx(tmp_path / "bad.xlsx", [["unit", *ELEMENTS], ["U1", *[4] * 8, "baik"]])
    parser = argparse.ArgumentParser()
    cli_score.add_parser(parser.add_subparsers())
    args = parser.parse_args(["score", "--responses", str(bad)])
    assert cli_score.run(args) == 2
    err = capsys.readouterr().err
    assert "bad.xlsx: row 2, column 'sarana'" in err and "not a number" in err
