"""`suara score` on small CSV files (no database)."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

import pytest

from app.cli import score as cli_score
from scoring.ikm import ELEMENTS

HEADER = ["unit", "submitted_at", *ELEMENTS, "comment"]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="suara")
    sub = parser.add_subparsers(dest="command", required=True)
    cli_score.add_parser(sub)
    return parser.parse_args(["score", *argv])


def write_csv(path: Path, header: list[str], rows: list[list[object]], bom: bool = False) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(("\ufeff" if bom else "") + buf.getvalue(), encoding="utf-8")
    return path


def responses(tmp_path: Path, bom: bool = False) -> Path:
    rows: list[list[object]] = []
    plan = {
        "DUKCAPIL": [(4, 20), (3, 15)],
        "PUSK-OEBOBO": [(3, 25), (2, 10)],
        "KEL-OEBA": [(3, 12)],
        "SAMSAT": [(2, 20), (3, 15)],
    }
    for unit, groups in plan.items():
        for answer, count in groups:
            for i in range(count):
                rows.append(
                    [
                        unit,
                        "2026-03-01T09:00:00+08:00",
                        *[answer] * 9,
                        "Pelayanan cepat, terima kasih" if i == 0 else "",
                    ]
                )
    # one response with two unanswered elements still counts; one with three does not
    rows.append(["KEL-OEBA", "", 4, 4, 4, 4, 4, 4, 4, "", "", ""])
    rows.append(["KEL-OEBA", "", 1, 1, 1, 1, 1, 1, "", "", "", ""])
    return write_csv(tmp_path / "responses.csv", HEADER, rows, bom=bom)


def units_file(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "units.csv",
        ["unit", "name", "agency", "peer_group", "volume"],
        [
            ["DUKCAPIL", "Dinas Kependudukan", "Pemkot", "dinas", 5000],
            ["PUSK-OEBOBO", "Puskesmas Oebobo", "Dinkes", "puskesmas", 1200],
            ["KEL-OEBA", "Kelurahan Oeba", "Pemkot", "kelurahan", 300],
            ["SAMSAT", "Samsat Kupang", "Bapenda", "", ""],
            ["EMPTY", "Unit tanpa respons", "Pemkot", "", 100],
        ],
    )


def kpis_file(
    tmp_path: Path, extra: list[list[object]] | None = None, header: list[str] | None = None
) -> Path:
    rows: list[list[object]] = [
        ["DUKCAPIL", "ktp_days", 3, 3.5, "lower", 2, ""],
        ["DUKCAPIL", "online_share", 60, 66, "higher", 1, 50],
        ["PUSK-OEBOBO", "immunisation", 95, 90, "higher", 1, ""],
        ["SAMSAT", "queue_minutes", 30, "", "lower", 1, ""],
        ["SAMSAT", "revenue", 100, 80, "higher", 3, ""],
    ]
    return write_csv(
        tmp_path / "kpis.csv",
        header
        or ["unit", "indicator", "target", "actual", "direction", "weight", "previous_actual"],
        rows + (extra or []),
    )


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli_score.run(parse(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "--responses",
        str(responses(tmp_path)),
        "--units",
        str(units_file(tmp_path)),
        "--kpis",
        str(kpis_file(tmp_path)),
        "--format",
        "json",
        "--draws",
        "50",
    ]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert err == ""
    result = json.loads(out)
    assert result["method"] == "suara-2026.2"
    assert result["parameters"]["draws"] == 50
    by = {u["unit"]: u for u in result["units"]}
    assert list(by) == ["DUKCAPIL", "PUSK-OEBOBO", "KEL-OEBA", "SAMSAT", "EMPTY"]
    assert by["DUKCAPIL"]["n"] == 35
    assert by["KEL-OEBA"]["n"] == 13  # the 6-of-9 response is not counted
    assert by["KEL-OEBA"]["status"] == "provisional"
    assert by["EMPTY"]["n"] == 0 and by["EMPTY"]["status"] == "not_scored"
    assert by["DUKCAPIL"]["agency"] == "Pemkot" and by["DUKCAPIL"]["required_sample"] == 357
    # names from the units file; the units file has no agency names
    assert by["DUKCAPIL"]["name"] == "Dinas Kependudukan"
    assert by["EMPTY"]["name"] == "Unit tanpa respons"
    assert by["DUKCAPIL"]["agency_name"] is None
    assert result["period"] is None  # offline: no period
    for u in result["units"]:  # "ranked" only with a rank and an index
        assert (u["status"] == "ranked") == (u["rank"] is not None and u["index"] is not None)
    # ktp_days: (2·3 − 3.5)/3 → 83.3; online_share 100 (capped), flagged? 60 > 50, no
    assert by["DUKCAPIL"]["kpi_scores"]["ktp_days"] == pytest.approx(250 / 3)
    assert by["DUKCAPIL"]["kpi_flags"] == []
    assert by["SAMSAT"]["kpi_coverage"] == pytest.approx(0.75)
    # same seed, same output
    code, again, _ = run(argv, capsys)
    assert code == 0 and json.loads(again) == result


def test_table_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "--responses",
        str(responses(tmp_path)),
        "--units",
        str(units_file(tmp_path)),
        "--kpis",
        str(kpis_file(tmp_path)),
        "--draws",
        "50",
    ]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    for text in (
        "Rank",
        "Interval",
        "IKM",
        "Funnel",
        "Dinas Kependudukan",
        "provisional",
        "not scored",
        "Agencies",
    ):
        assert text in out
    assert err == ""


def test_csv_output_without_units_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "--responses",
        str(responses(tmp_path, bom=True)),
        "--format",
        "csv",
        "--draws",
        "20",
        "--ikm-weight",
        "0.111",
        "--ikm-round",
        "2",
    ]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["unit"] for r in rows] == ["DUKCAPIL", "PUSK-OEBOBO", "KEL-OEBA", "SAMSAT"]
    assert set(cli_score.CSV_COLUMNS) == set(rows[0])
    # DUKCAPIL: NRR = (20·4 + 15·3)/35 for every element; 0.111·NRR rounded to 2 decimals
    nrr = (80 + 45) / 35
    assert float(rows[0]["ikm"]) == pytest.approx(25 * 9 * round(0.111 * nrr, 2))
    # no KPIs: the index is the satisfaction score
    assert rows[0]["index"] == rows[0]["satisfaction"]


def test_w_satisfaction_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "--responses",
        str(responses(tmp_path)),
        "--kpis",
        str(kpis_file(tmp_path)),
        "--format",
        "json",
        "--draws",
        "0",
        "--w-satisfaction",
        "0.8",
        "--seed",
        "7",
    ]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["parameters"]["w_satisfaction"] == 0.8
    assert result["parameters"]["seed"] == 7
    u = result["units"][0]
    assert u["index"] == pytest.approx(0.8 * u["satisfaction"] + 0.2 * u["kpi"])


def expect_error(argv: list[str], capsys: pytest.CaptureFixture[str], *fragments: str) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err


def bad_responses(tmp_path: Path, header: list[str], rows: list[list[object]]) -> list[str]:
    return ["--responses", str(write_csv(tmp_path / "r.csv", header, rows))]


def ok_row(unit: str = "U1", **changes: object) -> list[object]:
    values = {"unit": unit, "submitted_at": "", **dict.fromkeys(ELEMENTS, 3), "comment": ""}
    values.update(changes)
    return [values[h] for h in HEADER]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5", "outside 1–4"),
        ("0", "outside 1–4"),
        ("2.5", "outside 1–4"),
        ("baik", "not a number"),
        ("nan", "outside 1–4"),
    ],
)
def test_bad_rating(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    argv = bad_responses(tmp_path, HEADER, [ok_row(), ok_row(waktu=value)])
    expect_error(argv, capsys, "r.csv", "row 3", "'waktu'", message)


def test_unknown_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = bad_responses(tmp_path, [*HEADER, "kenyamanan"], [[*ok_row(), 3]])
    expect_error(argv, capsys, "r.csv", "row 1", "'kenyamanan'", "unknown column")


def test_missing_element_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = [h for h in HEADER if h != "sarana"]
    argv = bad_responses(tmp_path, header, [ok_row()[:-2] + [""]])
    expect_error(argv, capsys, "r.csv", "row 1", "'sarana'", "missing required column")


def test_ragged_row_and_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = bad_responses(tmp_path, HEADER, [ok_row(), ok_row()[:-3]])
    expect_error(argv, capsys, "r.csv", "row 3", "fields")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    expect_error(["--responses", str(empty)], capsys, "empty.csv", "empty file")
    expect_error(
        ["--responses", str(tmp_path / "missing.csv")], capsys, "missing.csv", "file not found"
    )
    latin = tmp_path / "latin.csv"
    latin.write_bytes(",".join(HEADER).encode() + b"\nU1,,3,3,3,3,3,3,3,3,3,caf\xe9\n")
    expect_error(["--responses", str(latin)], capsys, "latin.csv", "UTF-8")


def test_unknown_unit_in_kpis(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = [["NOPE", "x", 1, 1, "higher", 1, ""]]
    argv = ["--responses", str(responses(tmp_path)), "--kpis", str(kpis_file(tmp_path, extra))]
    expect_error(argv, capsys, "kpis.csv", "row 7", "'unit'", "unknown unit 'NOPE'")


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["SAMSAT", "x", 0, 1, "higher", 1, ""], "target", "positive"),
        (["SAMSAT", "x", -5, 1, "higher", 1, ""], "target", "positive"),
        (["SAMSAT", "x", "abc", 1, "higher", 1, ""], "target", "not a number"),
        (["SAMSAT", "x", 10, 1, "up", 1, ""], "direction", "'higher' or 'lower'"),
        (["SAMSAT", "x", 10, 1, "higher", "heavy", ""], "weight", "not a number"),
        (["SAMSAT", "x", 10, 1, "higher", 0, ""], "weight", "positive"),
        (["SAMSAT", "x", 10, "1,5", "higher", 1, ""], "actual", "decimal separator"),
        (["SAMSAT", "revenue", 10, 1, "higher", 1, ""], "indicator", "duplicate"),
        (["SAMSAT", "waktu", 10, 1, "higher", 1, ""], "indicator", "element code"),
    ],
)
def test_bad_kpi_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: list[object], column: str, message: str
) -> None:
    argv = ["--responses", str(responses(tmp_path)), "--kpis", str(kpis_file(tmp_path, [row]))]
    expect_error(argv, capsys, "kpis.csv", "row 7", f"'{column}'", message)


def test_bad_units_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    units = write_csv(tmp_path / "u.csv", ["unit", "volume"], [["DUKCAPIL", "many"]])
    argv = ["--responses", str(responses(tmp_path)), "--units", str(units)]
    expect_error(argv, capsys, "u.csv", "row 2", "'volume'", "digits only")
    units = write_csv(tmp_path / "u.csv", ["unit", "volume"], [["DUKCAPIL", "1.000"]])
    argv = ["--responses", str(responses(tmp_path)), "--units", str(units)]
    expect_error(argv, capsys, "u.csv", "row 2", "'volume'", "digits only")
    units = write_csv(tmp_path / "u.csv", ["unit"], [["DUKCAPIL"]])
    argv = ["--responses", str(responses(tmp_path)), "--units", str(units)]
    # responses name a unit the units file does not know
    expect_error(argv, capsys, "responses.csv", "'unit'", "unknown unit 'PUSK-OEBOBO'")


def test_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--responses", str(responses(tmp_path)), "--w-satisfaction", "1.5"]
    expect_error(argv, capsys, "w_satisfaction")
    argv = ["--responses", str(responses(tmp_path)), "--draws", "-1"]
    expect_error(argv, capsys, "draws")


def test_parser_defaults() -> None:
    args = parse(["--responses", "r.csv"])
    assert args.format == "table" and args.seed == 0 and args.draws == 2000
    assert args.ikm_weight == "exact" and args.ikm_round is None
    assert args.w_satisfaction == 0.5
    assert args.func is cli_score.run_to_pipe  # run, quiet on a closed pipe


def test_historical_2004_questionnaire_is_scored_with_its_own_rules(tmp_path, capsys):
    """A file with the 14 elements of KepMenPAN 25/2004: weight 1/14 and its grade bounds."""
    from scoring.ikm import ELEMENTS_2004

    rows = [["LAMA", *([3] * 13), 4] for _ in range(12)]  # every element 3, the last 4
    rows.append(["LAMA", *([2] * 10), "", "", "", ""])  # 10 of 14: does not count (< 11)
    path = write_csv(tmp_path / "skm2004.csv", ["unit", *ELEMENTS_2004], rows)
    assert cli_score.run(parse(["--responses", str(path), "--format", "json",
                                "--draws", "0"])) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["parameters"]["regime"] == "2004"
    unit = out["units"][0]
    assert unit["n"] == 12
    assert unit["ikm"] == pytest.approx(25 * (13 * 3 + 4) / 14)  # 76.79
    assert unit["grade"] == "B"  # 2004 bounds: B from 62.51, A from 81.26
    assert set(unit["elements"]) == set(ELEMENTS_2004)
    printed = cli_score.run(parse(["--responses", str(path), "--format", "json", "--draws",
                                   "0", "--ikm-weight", "0.071"]))
    assert printed == 0
    assert json.loads(capsys.readouterr().out)["units"][0]["ikm"] == pytest.approx(
        25 * 0.071 * (13 * 3 + 4))
    wrong = cli_score.run(parse(["--responses", str(path), "--ikm-weight", "0.111"]))
    assert wrong == 2 and "0.111" in capsys.readouterr().err
