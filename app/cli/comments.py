"""`suara comments`: the comment classifier from the command line.

* `suara comments classify IN.csv|IN.xlsx --out OUT.csv [--corpus-only]` reads a file with
  a `comment` column (CSV UTF-8 with or without BOM, `,` or `;`; or the first sheet of an
  XLSX workbook; `feedback.ingest.reader`) and writes every row back as CSV (UTF-8, `,`),
  with its columns in their order (names as read: trimmed, lower case) and `element`,
  `sentiment`, `urgent` (1/0) added at the end (columns of those names already in the file
  are filled in place). An empty comment gets empty labels; wholly blank rows are left
  out. The model is the one in use (the corpus and the corrections folded in by the last
  retrain, from the database; when the database cannot be read: exit code 1, nothing
  written); `--corpus-only` uses the shipped corpus model without opening the database.
  A file that cannot be read, a missing `comment` column or a row longer than the header
  is one line on stderr, exit code 2, and nothing is written.
* `suara comments retrain [--seed S] [--folds K]` folds the staff corrections stored so far
  into the corpus, prints the cross-validated accuracy and macro-F1 per task and the new
  model version, and records the retrain (audited).
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
from pathlib import Path
from typing import Any

from app.cli.common import console, migrate_first, run_with_database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_FILE = 2
LABEL_COLUMNS = ("element", "sentiment", "urgent")


class InputProblem(Exception):
    """The input cannot be classified at all (one line for stderr)."""


def read_comments(path: str) -> tuple[list[str], list[list[str]], int]:
    """(header, rows as text cells padded to the header, index of `comment`)."""
    from feedback.ingest.reader import ReadError, cell_text, read_sheet

    try:
        sheet = read_sheet(path)
    except ReadError as exc:
        raise InputProblem(str(exc)) from None
    header = list(sheet.header)
    if "comment" not in header:
        raise InputProblem(f"{path}: no 'comment' column (row 1 must name the columns, one "
                           "of them 'comment')")
    if header.count("comment") > 1:
        raise InputProblem(f"{path}: the 'comment' column appears more than once")
    rows = []
    for number, cells in sheet.rows:
        if len(cells) > len(header):
            raise InputProblem(f"{path}:{number}: row has {len(cells)} cells but the header "
                               f"has only {len(header)} columns")
        texts = [cell_text(c) for c in cells]
        rows.append(texts + [""] * (len(header) - len(texts)))
    return header, rows, header.index("comment")


def labelled(header: list[str], rows: list[list[str]], column: int,
             model: Any) -> tuple[list[str], list[list[str]], int]:
    """The header and rows with the label columns filled; and how many were classified."""
    out_header = list(header)
    for name in LABEL_COLUMNS:
        if name not in out_header:
            out_header.append(name)
    where = [out_header.index(name) for name in LABEL_COLUMNS]
    labels = model.classify([row[column] for row in rows])
    out_rows = []
    for row, label in zip(rows, labels, strict=True):
        cells = row + [""] * (len(out_header) - len(row))
        values = ("", "", "") if label is None else (
            label.element, label.sentiment, "1" if label.urgent else "0")
        for i, value in zip(where, values, strict=True):
            cells[i] = value
        out_rows.append(cells)
    return out_header, out_rows, sum(label is not None for label in labels)


def write_csv(path: str, header: list[str], rows: list[list[str]]) -> None:
    """Write the whole file or nothing (a temporary file renamed into place)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".suara-", suffix=".csv", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_classify(args: argparse.Namespace) -> int:
    try:
        header, rows, column = read_comments(args.file)
        out_dir = Path(args.out).parent
        if not out_dir.is_dir():
            raise InputProblem(f"{args.out}: the folder {str(out_dir)!r} does not exist")
        if Path(args.out).is_dir():
            raise InputProblem(f"{args.out}: is a folder, not a file name")
        if Path(args.out).resolve() == Path(args.file).resolve():
            raise InputProblem(f"{args.out}: the output must not overwrite the input")
    except InputProblem as exc:
        console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        return EXIT_BAD_FILE

    def finish(model: Any) -> int:
        out_header, out_rows, classified = labelled(header, rows, column, model)
        try:
            write_csv(args.out, out_header, out_rows)
        except OSError as exc:
            console.print(f"{args.out}: cannot write the file: {exc.strerror or exc}",
                          markup=False, highlight=False, soft_wrap=True)
            return EXIT_BAD_FILE
        urgent = sum(r[out_header.index("urgent")] == "1" for r in out_rows)
        console.print(f"{args.out}: {len(out_rows)} rows, {classified} comments classified "
                      f"({len(out_rows) - classified} empty), {urgent} urgent; model "
                      f"{model.model_version}.", markup=False, highlight=False, soft_wrap=True)
        return EXIT_OK

    if args.corpus_only:
        from scoring.comments import corpus_model

        return finish(corpus_model())

    async def job(engine: Any) -> int:
        from feedback.comments.classifier import current_model

        await migrate_first(engine)
        return finish(await current_model())

    try:
        return run_with_database(job)
    except Exception as exc:  # the database cannot be opened or read
        console.print(f"cannot read the model in use from the database ({type(exc).__name__}: "
                      f"{exc}); nothing was written. --corpus-only classifies without the "
                      "database.", markup=False, highlight=False, soft_wrap=True)
        return EXIT_FAILED


def cmd_retrain(args: argparse.Namespace) -> int:
    if args.folds < 2:
        console.print("--folds must be at least 2", markup=False)
        return EXIT_BAD_FILE

    async def job(engine: Any) -> int:
        from feedback.accounts.audit import CLI_ACTOR
        from feedback.comments.classifier import retrain

        await migrate_first(engine)
        report = await retrain(CLI_ACTOR, seed=args.seed, folds=args.folds)
        lines = [
            f"Corrections folded in: {report.corrections} comments ({report.replaced} of "
            f"them corpus rows relabelled); {report.examples} training examples.",
            f"Stratified {args.folds}-fold cross-validation (seed {report.seed}):",
            f"  {'task':<10} {'accuracy':>9} {'macro-F1':>9}",
        ]
        for task, s in report.scores.items():
            lines.append(f"  {task:<10} {s.accuracy:>9.3f} {s.macro_f1:>9.3f}")
        lines.append(f"Model version {report.model_version} (was {report.previous_version}).")
        for line in lines:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        return EXIT_OK

    return run_with_database(job)


def add_parsers(sub: Any) -> None:
    from scoring.comments import DEFAULT_SEED

    group = sub.add_parser("comments", help="classify citizens' comments; retrain the model")
    commands = group.add_subparsers(dest="comments_command", required=True)
    p = commands.add_parser(
        "classify", help="add element, sentiment and urgent columns to a file of comments",
        description="Read a CSV (UTF-8) or XLSX file with a 'comment' column and write it "
                    "back as CSV with the columns element (an SKM element code or "
                    "'lainnya'), sentiment (negatif, netral, positif) and urgent (1/0).")
    p.add_argument("file", help="input file (.csv UTF-8 or .xlsx) with a 'comment' column")
    p.add_argument("--out", required=True, metavar="OUT.csv", help="output CSV file")
    p.add_argument("--corpus-only", action="store_true",
                   help="use the shipped corpus model; do not open the database")
    p.set_defaults(func=cmd_classify)
    r = commands.add_parser(
        "retrain", help="fold staff label corrections into the model and report its figures",
        description="Train the comment model on the corpus plus every staff correction, "
                    "print the cross-validated accuracy and macro-F1 per task and the new "
                    "model version, and put it in use.")
    r.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    r.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    r.set_defaults(func=cmd_retrain)
