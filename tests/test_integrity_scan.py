"""`suara integrity scan` and `suara served import` on the database (feedback.integrity,
app.cli.integrity, app.cli.served): stuffing injected into the demo's traffic is flagged
end to end, results are stored with the model version and features, only counted,
not-excluded responses are screened, served counts are imported all or nothing."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from app.cli.main import main
from feedback.clock import WITA
from feedback.demo.load import load_demo
from feedback.engine import transaction
from feedback.integrity.scan import run_scan
from feedback.integrity.served import import_served
from feedback.integrity.tables import IntegrityFlag, IntegrityScan, ServedCount
from feedback.survey.responses import insert as insert_responses
from feedback.survey.responses import row as response_row
from feedback.survey.skm import current_questionnaire_id
from feedback.tables import Counter, Response
from scoring.integrity import FEATURES
from tests.support import FULL
from tests.test_cli import suara

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # Monday 14:00 WITA
ALL_FOUR = dict.fromkeys(FULL, 4)


async def add(counter: str, times: list[datetime], *, devices: list[str | None] | None = None,
              answers: dict | None = None, token: bool = False, comment: str | None = None,
              tag: str = "x") -> list[int]:
    """Store responses at a counter at the given UTC times; returns their ids."""
    c = (await Counter.select(Counter.id, Counter.unit).where(Counter.code == counter))[0]
    qid = await current_questionnaire_id()
    records = []
    for k, when in enumerate(times):
        device = devices[k % len(devices)] if devices else f"{tag}-dev-{k}"
        records.append(response_row(
            counter_id=c["id"], unit_id=c["unit"], questionnaire_id=qid, service_id=None,
            answers=answers or ALL_FOUR, channel="ticket" if token else "qr", lang="id",
            submitted_at=when, receipt=f"{tag[:4].upper()}{k:06d}", comment=comment,
            submission_key=f"{tag}-{counter}-{k}-{when.timestamp()}", verified=token,
            token=f"{tag}-tok-{k}" if token else None, device_hash=device))
    async with transaction():
        stored = await insert_responses(records)
    assert len(stored) == len(records)
    return sorted(stored.values())


def wita(y, m, d, h, minute=0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=WITA).astimezone(UTC)


# ---------------------------------------------------------------------------- the demo


@pytest.fixture
async def demo(empty_db):
    await load_demo(responses=20_000, seed=2026, now=NOW)
    counts: dict[int, int] = {}
    for r in await Response.select(Response.counter).where(
            Response.submitted_at >= NOW - timedelta(days=7)):
        counts[r["counter"]] = counts.get(r["counter"], 0) + 1
    busiest = max(counts, key=counts.__getitem__)
    code = (await Counter.select(Counter.code).where(Counter.id == busiest))[0]["code"]
    return code


async def test_stuffing_in_the_demo_is_flagged_by_the_cli(demo):
    """40 ratings of all 4s within 15 minutes from 3 devices at the demo's busiest counter
    on Wednesday 10:05-10:20 WITA, on top of its normal day: flagged first, with `burst`."""
    start = wita(2026, 11, 25, 10, 5)
    times = [start + timedelta(seconds=22 * k) for k in range(40)]
    stuffed = await add(demo, times, devices=["hp-1", "hp-2", "hp-3"], tag="stuff")

    done = suara("integrity", "scan", "--from", "2026-11-23", "--to", "2026-11-29")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"counter_hours", "flagged"}
    assert out["counter_hours"] > 200
    top = out["flagged"][0]
    assert set(top) == {"counter", "hour", "reasons", "anomaly_score", "responses"}
    assert top["counter"] == demo
    assert top["hour"] == "2026-11-25T10:00:00+08:00"
    assert "burst" in top["reasons"]
    assert top["responses"] >= 40
    scores = [f["anomaly_score"] for f in out["flagged"]]
    assert scores == sorted(scores, reverse=True)
    # clean counter-hours flagged in the demo's week: few
    assert len(out["flagged"]) - 1 <= 0.005 * out["counter_hours"] + 1

    # Stored with the model version, the features and the evidence.
    scan = (await IntegrityScan.select().order_by(IntegrityScan.id, ascending=False)
            .output(load_json=True))[0]
    assert scan["counter_hours"] == out["counter_hours"]
    assert scan["flagged"] == len(out["flagged"])
    assert scan["features"] == list(FEATURES)
    assert "random_state=2026" in scan["model_version"]
    assert scan["params"]["burst_p"] == 0.001
    assert scan["trigger"] == "cli"
    assert scan["window_from"] == wita(2026, 11, 23, 0)
    assert scan["window_to"] == wita(2026, 11, 30, 0)
    flag = (await IntegrityFlag.select().where(IntegrityFlag.scan == scan["id"])
            .order_by(IntegrityFlag.anomaly_score, ascending=False).output(load_json=True))[0]
    assert set(stuffed) <= set(flag["response_ids"])
    assert flag["hour"] == wita(2026, 11, 25, 10)
    assert flag["reasons"] == top["reasons"]
    assert flag["anomaly_score"] == top["anomaly_score"]
    assert set(flag["features"]) == set(FEATURES)
    assert flag["features"]["share_all_four"] > 0.8
    assert flag["evidence"]["burst"]["p"] < 0.001

    # The same as a table.
    done = suara("integrity", "scan", "--from", "2026-11-25", "--to", "2026-11-25",
                 "--format", "table")
    assert done.returncode == 0, done.stderr
    first = next(line for line in done.stdout.splitlines() if demo in line)
    assert "2026-11-25 10:00" in first
    assert "burst" in first
    assert re.search(r"│\s+40\s+│\s+0\.\d{4}\s+│", first)  # responses, anomaly score
    assert "counter-hours scanned" in done.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(done.stdout)

    # Excluded by a reviewer, they are no longer screened.
    await Response.update({Response.excluded: True}).where(Response.id.is_in(stuffed))
    again = await run_scan(wita(2026, 11, 23, 0), wita(2026, 11, 30, 0))
    assert not any(f.counter == demo and f.hour == wita(2026, 11, 25, 10) for f in
                   again.flagged)


# ---------------------------------------------------------------------------- windows


async def test_default_window_is_the_last_7_days(org):
    now = datetime.now(UTC)
    recent = now - timedelta(days=2)
    await add(org.counter, [recent, recent + timedelta(seconds=5)], devices=["same"],
              tag="recent", answers=FULL)
    old = now - timedelta(days=8)
    await add(org.counter, [old, old + timedelta(seconds=5)], devices=["same"], tag="old",
              answers=FULL)
    done = suara("integrity", "scan")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["counter_hours"] == 1
    (flag,) = out["flagged"]
    assert flag["counter"] == org.counter
    assert flag["reasons"] == ["fast_repeat"]
    assert flag["responses"] == 2
    hour = recent.astimezone(WITA).replace(minute=0, second=0, microsecond=0)
    assert flag["hour"] == hour.isoformat()
    assert flag["hour"].endswith("+08:00")


async def test_only_counted_not_excluded_responses_are_screened(org):
    when = wita(2026, 11, 24, 9, 10)
    few = {k: v for k, v in list(FULL.items())[:6]}  # 6 of 9: not counted
    await add(org.counter, [when, when + timedelta(seconds=3)], devices=["d"], answers=few,
              tag="few")
    ids = await add(org.counter, [when + timedelta(seconds=60), when + timedelta(seconds=62)],
                    devices=["e"], tag="excl")
    await Response.update({Response.excluded: True}).where(Response.id.is_in(ids))
    report = await run_scan(wita(2026, 11, 24, 0), wita(2026, 11, 25, 0))
    assert report.counter_hours == 0
    assert report.flagged == []
    await Response.update({Response.excluded: False}).where(Response.id.is_in(ids))
    report = await run_scan(wita(2026, 11, 24, 0), wita(2026, 11, 25, 0))
    assert [(f.counter, f.reasons, f.responses) for f in report.flagged] == \
        [(org.counter, ("fast_repeat",), 2)]


async def test_outside_hours_and_near_duplicates_from_the_database(org):
    await Counter.update({Counter.opening_hours: "mon-fri 08:00-15:30"}).where(
        Counter.code == org.counter)
    saturday = wita(2026, 11, 28, 10, 0)
    await add(org.counter, [saturday], tag="sat", answers=FULL)
    tuesday = wita(2026, 11, 24, 9, 0)
    await add(org.other_counter, [tuesday + timedelta(minutes=7 * k) for k in range(3)],
              comment="Pelayanan sangat memuaskan, petugas ramah sekali", tag="dup",
              answers=FULL)
    report = await run_scan(wita(2026, 11, 23, 0), wita(2026, 11, 30, 0))
    found = {(f.counter, f.hour): f.reasons for f in report.flagged}
    assert found == {(org.counter, wita(2026, 11, 28, 10).astimezone(WITA)): ("outside_hours",),
                     (org.other_counter, tuesday.astimezone(WITA)):
                         ("near_duplicate_comments",)}


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "2026-13-01"), "--from '2026-13-01' is not a date"),
    (("--to", "yesterday"), "--to 'yesterday' is not a date"),
    (("--from", "2026-11-30", "--to", "2026-11-01"), "must be before --to"),
    (("--from", "1999-12-31"), "is before 2000"),
    (("--from", "2026-11-01T25:00"), "is not a date"),
])
async def test_bad_dates_are_one_line_and_exit_2(org, args, message, capsys):
    before = await IntegrityScan.count()
    assert main(["integrity", "scan", *args]) == 2  # refused before the database is opened
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err
    assert err.startswith("suara integrity scan: ")
    assert await IntegrityScan.count() == before


async def test_bad_date_from_the_command_line(org):
    done = suara("integrity", "scan", "--from", "2026-02-30")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("suara integrity scan: --from '2026-02-30' is not a date "
                           "(YYYY-MM-DD) or an ISO 8601 date-time\n")


async def test_bad_format_is_refused(org):
    done = suara("integrity", "scan", "--format", "xml")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


# ---------------------------------------------------------------------------- served


def served_csv(path: Path, rows: list[list[object]],
               header=("counter", "hour", "served")) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


async def stored_served() -> list[tuple]:
    rows = await ServedCount.select(ServedCount.counter.code, ServedCount.hour,
                                    ServedCount.served).order_by(ServedCount.hour)
    return [(r["counter.code"], r["hour"], r["served"]) for r in rows]


async def test_served_import_stores_and_replaces(org, tmp_path):
    path = served_csv(tmp_path / "served.csv", [
        [org.counter, "2026-11-24T09:00", 12],
        [org.counter, "2026-11-24 10:00+08:00", 0],
        [org.other_counter.lower(), "2026-11-24T01:00:00+00:00", 7],  # 09:00 WITA
    ])
    done = suara("served", "import", str(path))
    assert done.returncode == 0, done.stderr
    assert "3 counter-hours stored, 0 replaced" in done.stderr
    assert await stored_served() == [
        (org.counter, wita(2026, 11, 24, 9), 12),
        (org.other_counter, wita(2026, 11, 24, 9), 7),
        (org.counter, wita(2026, 11, 24, 10), 0),
    ] or sorted(await stored_served()) == sorted([
        (org.counter, wita(2026, 11, 24, 9), 12),
        (org.other_counter, wita(2026, 11, 24, 9), 7),
        (org.counter, wita(2026, 11, 24, 10), 0),
    ])
    again = served_csv(tmp_path / "again.csv", [[org.counter, "2026-11-24T09:00", 15]])
    report = await import_served(again)
    assert (report.stored, report.replaced, report.rejections) == (0, 1, [])
    assert (org.counter, wita(2026, 11, 24, 9), 15) in await stored_served()
    assert await ServedCount.count() == 3


async def test_served_import_from_xlsx_datetime_cells(org, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Counter", "Hour", "Served"])
    sheet.append([org.counter, datetime(2026, 11, 24, 11, 0), 9])
    path = tmp_path / "served.xlsx"
    book.save(path)
    report = await import_served(path)
    assert report.rejections == []
    assert await stored_served() == [(org.counter, wita(2026, 11, 24, 11), 9)]


async def test_served_import_bad_rows_write_nothing(org, tmp_path):
    path = served_csv(tmp_path / "bad.csv", [
        [org.counter, "2026-11-24T09:00", 12],  # fine, but the file has errors
        ["NOPE0001", "2026-11-24T09:00", 3],
        [org.counter, "2026-11-24T09:30", 3],
        [org.counter, "2099-01-01T09:00", 3],
        [org.counter, "2026-11-24T10:00", -1],
        [org.counter, "2026-11-24T11:00", "banyak"],
        [org.counter, "2026-11-24", 3],
        [org.counter, "", ""],
        [org.counter, "2026-11-24 09:00", 4],  # the same hour as row 2
    ])
    done = suara("served", "import", str(path))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    expected = [
        f"{path}:3: counter: 'NOPE0001' is not a known counter code",
        f"{path}:4: hour: '2026-11-24T09:30' is not the start of an hour (WITA)",
        f"{path}:5: hour: '2099-01-01T09:00' is in the future",
        f"{path}:6: served: '-1' is not a whole number of transactions (0 or more)",
        f"{path}:7: served: 'banyak' is not a whole number of transactions (0 or more)",
        f"{path}:8: hour: '2026-11-24' has no hour",
        f"{path}:9: hour: missing",
        f"{path}:9: served: missing",
        f"{path}:10: hour: {org.counter} 2026-11-24 09:00 is given twice (also row 2)",
    ]
    for line, start in zip(lines, expected, strict=False):
        assert line.startswith(start), (line, start)
    assert len([line for line in lines if re.match(re.escape(f"{path}:") + r"\d", line)]) \
        == len(expected)
    assert "8 of 9 rows rejected. Nothing was imported." in done.stderr
    assert await ServedCount.count() == 0


@pytest.mark.parametrize(("name", "content", "message"), [
    ("none.csv", None, "file not found"),
    ("cols.csv", "counter,hour\nX,2026-11-24T09:00\n", "missing required column served"),
    ("empty.csv", "", "is empty"),
    ("old.xls", "x", "old-format Excel"),
])
async def test_served_import_unreadable_file_is_exit_2(org, tmp_path, name, content,
                                                       message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    done = suara("served", "import", str(path))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Nothing was imported." in done.stderr
    assert await ServedCount.count() == 0


async def test_above_served_from_imported_counts(org, tmp_path):
    hour = wita(2026, 11, 24, 9, 0)
    await add(org.counter, [hour + timedelta(minutes=10 * k) for k in range(5)], tag="srv",
              answers=FULL)
    await import_served(served_csv(tmp_path / "s.csv", [[org.counter, "2026-11-24T09:00", 3],
                                                        [org.counter, "2026-11-24T10:00", 50]]))
    report = await run_scan(wita(2026, 11, 24, 0), wita(2026, 11, 25, 0))
    (flag,) = report.flagged
    assert (flag.counter, flag.reasons) == (org.counter, ("above_served",))
    assert flag.evidence["above_served"] == {"responses": 5, "served": 3}
    await import_served(served_csv(tmp_path / "t.csv", [[org.counter, "2026-11-24T09:00", 5]]))
    assert (await run_scan(wita(2026, 11, 24, 0), wita(2026, 11, 25, 0))).flagged == []
