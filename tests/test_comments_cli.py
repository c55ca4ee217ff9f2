"""`suara comments classify` and `retrain`, and staff label corrections
(feedback.comments.labels, feedback.comments.classifier) on the test database."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from app.cli.main import main
from feedback.accounts.audit import CLI_ACTOR, Actor, entries
from feedback.accounts.scope import Scope
from feedback.comments import labels
from feedback.comments.classifier import current_model, training_set
from feedback.comments.tables import CommentLabel, CommentRetrain
from feedback.org.scoped import NotAllowed, NotFound
from feedback.tables import Unit
from scoring.comments import corpus_model, load_corpus
from tests.conftest import TEST_DATABASE_URL
from tests.staff_support import audit_mark
from tests.test_cli import ENTRY_POINT, ROOT
from tests.test_comments_listing import add_responses

KEPALA = Actor(email="kepala@test.id", id=7)
PHONE_COMMENT = "Petugas minta uang rokok, hubungi sy 0812-3456-7890"


def suara(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=TEST_DATABASE_URL, SUARA_SECRET="test-secret")
    return subprocess.run([sys.executable, "-c", ENTRY_POINT, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def read_out(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def classify(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["comments", "classify", *args, "--corpus-only"])
    return code, capsys.readouterr().err


# ---- suara comments classify: files (the shipped corpus model, no database) ----

def test_classify_csv_with_bom_and_semicolons_keeps_rows_and_columns(tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_bytes("\ufeffNo;Comment;Unit\n"
                       "1;pegawai sonde ramah, muka asam;pkm-oesapa\n"
                       "2;;pkm-oebobo\n"
                       '3;"petugas minta uang rokok baru urus cepat; ""kasi doi dolo""";mpp\n'
                       "4;   ;x\n"
                       "5;toilet kotor\n".encode())
    out = tmp_path / "out.csv"
    code, err = classify(capsys, str(source), "--out", str(out))
    assert code == 0, err
    rows = read_out(out)
    assert rows[0] == ["no", "comment", "unit", "element", "sentiment", "urgent"]
    assert [r[:3] for r in rows[1:]] == [
        ["1", "pegawai sonde ramah, muka asam", "pkm-oesapa"],
        ["2", "", "pkm-oebobo"],
        ["3", 'petugas minta uang rokok baru urus cepat; "kasi doi dolo"', "mpp"],
        ["4", "", "x"],
        ["5", "toilet kotor", ""],
    ]
    assert rows[1][3:] == ["perilaku", "negatif", "0"]
    assert rows[2][3:] == ["", "", ""]  # empty comment: empty labels
    assert rows[3][3:] == ["biaya", "negatif", "1"]
    assert rows[4][3:] == ["", "", ""]
    assert rows[5][3:] == ["sarana", "negatif", "0"]
    assert err.strip() == (f"{out}: 5 rows, 3 comments classified (2 empty), 1 urgent; "
                           f"model {corpus_model().model_version}.")


def test_classify_xlsx_and_label_columns_filled_in_place(tmp_path, capsys):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "urgent", "comment", "element"])
    sheet.append([12, "old", "Ruang tunggu panas sekali, AC mati", "x"])
    sheet.append([13, None, "Terima kasih, pelayanan cepat dan ramah", None])
    source = tmp_path / "in.xlsx"
    book.save(source)
    out = tmp_path / "out.csv"
    code, err = classify(capsys, str(source), "--out", str(out))
    assert code == 0, err
    rows = read_out(out)
    assert rows[0] == ["id", "urgent", "comment", "element", "sentiment"]
    assert rows[1] == ["12", "0", "Ruang tunggu panas sekali, AC mati", "sarana", "negatif"]
    assert rows[2][0] == "13" and rows[2][1] == "0" and rows[2][4] == "positif"


def test_same_labels_as_the_model(tmp_path, capsys):
    texts = [e.text for e in load_corpus()[::97]]
    source = tmp_path / "in.csv"
    with open(source, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["comment"], *[[t] for t in texts]])
    out = tmp_path / "out.csv"
    assert classify(capsys, str(source), "--out", str(out))[0] == 0
    expected = [[t, lab.element, lab.sentiment, str(int(lab.urgent))]
                for t, lab in zip(texts, corpus_model().classify(texts), strict=True)]
    assert read_out(out)[1:] == expected


@pytest.mark.parametrize("name, content, message", [
    ("in.csv", b"no,text\n1,pegawai ramah\n", "no 'comment' column"),
    ("in.csv", b"comment,comment\na,b\n", "'comment' column appears more than once"),
    ("in.csv", "comment\nr\xe9sum\xe9\n".encode("latin-1"), "UTF-8"),
    ("in.csv", b"", "empty"),
    ("in.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "xls"),
    ("in.xlsx", b"comment\nnot a workbook\n", "XLSX"),
    ("in.csv", b"no,comment\n1,ok,extra\n", "row has 3 cells but the header has only 2"),
])
def test_unreadable_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, name,
                                                             content, message):
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / "out.csv"
    code, err = classify(capsys, str(source), "--out", str(out))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert message.lower() in err.lower()
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_missing_file_folder_and_overwriting_the_input(tmp_path, capsys):
    out = tmp_path / "out.csv"
    out.write_text("keep me\n", encoding="utf-8")
    code, err = classify(capsys, str(tmp_path / "nope.csv"), "--out", str(out))
    assert code == 2 and "not found" in err and len(err.strip().splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "keep me\n"  # an existing file is not touched
    source = tmp_path / "in.csv"
    source.write_text("comment\nbagus\n", encoding="utf-8")
    code, err = classify(capsys, str(source), "--out", str(tmp_path / "no" / "out.csv"))
    assert code == 2 and "does not exist" in err
    code, err = classify(capsys, str(source), "--out", str(source))
    assert code == 2 and "must not overwrite the input" in err
    assert source.read_text(encoding="utf-8") == "comment\nbagus\n"


def test_header_only_file_writes_the_header(tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("comment,unit\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code, err = classify(capsys, str(source), "--out", str(out))
    assert code == 0, err
    assert read_out(out) == [["comment", "unit", "element", "sentiment", "urgent"]]


# ---- staff corrections ----

async def _scopes(org) -> dict[str, Scope]:
    agency = (await Unit.select(Unit.agency).where(Unit.id == org.unit_id).first())["agency"]
    return {
        "unit": Scope("unit", unit_id=org.unit_id, agency_id=agency),
        "agency": Scope("agency", agency_id=agency),
        "other_agency": Scope("agency", agency_id=agency + 1000),
        "officer": Scope("officer", counter_id=org.counter_id, unit_id=org.unit_id,
                         agency_id=agency),
        "city": Scope("city"),
        "admin": Scope("admin"),
    }


async def test_correct_label_is_scoped_validated_and_audited(org):
    own, other, silent = await add_responses(org, [
        (0, PHONE_COMMENT, {}, False, None),
        (5, "Unit lain: antre lama", {}, False, "other"),
        (10, None, {}, False, None),
    ])
    scopes = await _scopes(org)
    mark = await audit_mark()

    correction, changed = await labels.correct_label(KEPALA, scopes["unit"], own, "biaya",
                                                     "negatif", True)
    assert changed
    assert (correction.response_id, correction.element, correction.sentiment,
            correction.urgent, correction.corrected_by) == (own, "biaya", "negatif", True,
                                                            "kepala@test.id")
    rows = await entries(object_type="response", object_key=str(own), after_id=mark)
    assert len(rows) == 1
    assert rows[0]["action"] == "comment.label" and rows[0]["actor"] == "kepala@test.id"
    assert rows[0]["old"] is None
    assert rows[0]["new"] == {"element": "biaya", "sentiment": "negatif", "urgent": True}

    # the same labels again: nothing written
    again, changed = await labels.correct_label(KEPALA, scopes["unit"], own, "biaya",
                                                "negatif", True)
    assert not changed and again == correction
    assert len(await entries(object_type="response", after_id=mark)) == 1

    # the agency corrects a unit of its agency: old and new in the audit
    boss = Actor(email="kadis@test.id", id=8)
    newer, changed = await labels.correct_label(boss, scopes["agency"], other, "waktu",
                                                "negatif", False)
    assert changed and newer.response_id == other
    newest, _ = await labels.correct_label(boss, scopes["agency"], own, "perilaku",
                                           "negatif", True)
    audit = await entries(object_type="response", object_key=str(own), after_id=mark)
    assert audit[0]["old"] == {"element": "biaya", "sentiment": "negatif", "urgent": True}
    assert audit[0]["new"] == {"element": "perilaku", "sentiment": "negatif", "urgent": True}
    assert (await labels.current_correction(own)) == newest
    count = await CommentLabel.count()
    assert count == 3

    # refused: nothing written, nothing audited
    for role in ("officer", "city", "admin"):
        with pytest.raises(NotAllowed):
            await labels.correct_label(KEPALA, scopes[role], own, "biaya", "negatif", True)
    with pytest.raises(NotFound):  # another unit of the same agency, for a unit user
        await labels.correct_label(KEPALA, scopes["unit"], other, "biaya", "negatif", True)
    with pytest.raises(NotFound):
        await labels.correct_label(boss, scopes["other_agency"], own, "biaya", "negatif", True)
    with pytest.raises(NotFound):
        await labels.correct_label(KEPALA, scopes["unit"], own + 999_999, "biaya", "negatif",
                                   True)
    for element, sentiment, urgent in (("jam", "negatif", True), ("biaya", "marah", True),
                                       ("biaya", "negatif", "ya")):
        with pytest.raises(ValueError):
            await labels.correct_label(KEPALA, scopes["unit"], own, element, sentiment,
                                       urgent)
    with pytest.raises(ValueError, match="no comment"):
        await labels.correct_label(KEPALA, scopes["unit"], silent, "biaya", "negatif", True)
    assert await CommentLabel.count() == count
    assert len(await entries(object_type="response", after_id=mark)) == 3


async def test_corrections_fold_into_the_training_set_masked(org):
    corpus = load_corpus()
    known = corpus[0]
    own, again = await add_responses(org, [
        (0, PHONE_COMMENT, {}, False, None),
        (5, known.text, {}, False, None),
    ])
    scopes = await _scopes(org)
    assert (await training_set()).examples == corpus  # no corrections yet
    await labels.correct_label(KEPALA, scopes["unit"], own, "waktu", "netral", False)
    await labels.correct_label(KEPALA, scopes["unit"], own, "biaya", "negatif", True)
    await labels.correct_label(KEPALA, scopes["unit"], again, "lainnya", "netral", False)

    corrected = await labels.corrected_comments()
    assert [(c.response_id, c.element) for c in corrected] == [(own, "biaya"),
                                                               (again, "lainnya")]
    assert corrected[0].text == ("Petugas minta uang rokok, hubungi sy "
                                 "[nomor telepon disamarkan]")
    training = await training_set()
    assert training.corrections == 2 and training.replaced == 1
    assert len(training.examples) == len(corpus) + 1
    assert training.examples[0].text == known.text
    assert (training.examples[0].element, training.examples[0].sentiment) == ("lainnya",
                                                                              "netral")
    assert training.examples[-1].text == corrected[0].text and training.examples[-1].urgent
    assert "0812" not in "".join(e.text for e in training.examples[len(corpus):])
    # up to an earlier correction: only the first one, as it was then
    first = (await CommentLabel.select(CommentLabel.id).order_by(CommentLabel.id).first())["id"]
    early = await training_set(first)
    assert early.corrections == 1 and early.examples[-1].element == "waktu"
    # no retrain yet: the model in use is the corpus model
    assert (await current_model()).model_version == corpus_model().model_version


async def test_retrain_cli_folds_corrections_in_and_classify_uses_it(org, tmp_path):
    own, other = await add_responses(org, [
        (0, "antrean di loket pendaftaran kacau, nomor dilompati", {}, False, None),
        (5, "petugas kasi tunjuk pake dagu sa", {}, False, None),
    ])
    scopes = await _scopes(org)
    await labels.correct_label(KEPALA, scopes["unit"], own, "prosedur", "negatif", False)
    await labels.correct_label(KEPALA, scopes["unit"], other, "perilaku", "negatif", False)
    mark = await audit_mark()

    done = suara("comments", "retrain", "--folds", "3")
    assert done.returncode == 0, done.stderr
    text = done.stderr
    assert "Corrections folded in: 2 comments (0 of them corpus rows relabelled); " \
           f"{len(load_corpus()) + 2} training examples." in text
    assert "Stratified 3-fold cross-validation" in text
    for task in ("element", "sentiment", "urgent"):
        assert any(line.split()[:1] == [task] for line in text.splitlines()), task
    stored = await CommentRetrain.select().first()
    assert stored["corrections"] == 2 and stored["examples"] == len(load_corpus()) + 2
    scores = stored["scores"]
    scores = json.loads(scores) if isinstance(scores, str) else scores
    assert set(scores) == {"element", "sentiment", "urgent"}
    assert all(0.5 < scores[task]["macro_f1"] <= 1 for task in scores)
    version = stored["model_version"]
    assert f"Model version {version} (was {corpus_model().model_version})." in text
    audit = await entries(object_type="comment_model", after_id=mark)
    assert len(audit) == 1 and audit[0]["actor"] == CLI_ACTOR.email
    assert audit[0]["action"] == "comment.retrain"
    assert audit[0]["new"]["model_version"] == version
    assert audit[0]["new"]["corrections"] == 2

    # the model in use now includes the corrections; a later correction waits for a retrain
    assert (await current_model()).model_version == version
    await labels.correct_label(KEPALA, scopes["unit"], own, "waktu", "negatif", False)
    assert (await current_model()).model_version == version

    source = tmp_path / "in.csv"
    source.write_text("comment\npegawai ramah\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    classified = suara("comments", "classify", str(source), "--out", str(out))
    assert classified.returncode == 0, classified.stderr
    assert f"model {version}." in classified.stderr
    assert read_out(out)[1][1:] == ["perilaku", "positif", "0"]


def test_classify_without_a_database_is_exit_1_nothing_written(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("comment\nbagus\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    env = dict(os.environ, DATABASE_URL="postgresql://postgres:x@127.0.0.1:1/none",
               SUARA_SECRET="test-secret")
    done = subprocess.run([sys.executable, "-c", ENTRY_POINT, "comments", "classify",
                           str(source), "--out", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "cannot read the model in use from the database" in done.stderr
    assert "--corpus-only" in done.stderr
    assert not out.exists()


def test_retrain_refuses_one_fold(capsys):
    assert main(["comments", "retrain", "--folds", "1"]) == 2
    assert "--folds must be at least 2" in capsys.readouterr().err


def test_output_is_plain_utf8_csv(tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("comment\nPelayanan memuaskan 👍 terima kasih\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert classify(capsys, str(source), "--out", str(out))[0] == 0
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows[1][0] == "Pelayanan memuaskan 👍 terima kasih"
