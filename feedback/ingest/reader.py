"""One reader for every tabular input (responses, organisation, units, KPIs): CSV or XLSX.

A file is a UTF-8 CSV (optional BOM; `,` or `;` separated) or the first sheet of an XLSX
workbook, with a header row (row 1). Column names are matched case-insensitively after
trimming.

* `read_sheet(path)` reads the file: header (normalised) and numbered non-blank rows. A file
  that cannot be read at all raises `ReadError` (missing, a directory, not CSV/XLSX, old
  `.xls`, not UTF-8, an unreadable workbook, empty, an empty header row).
* `check_columns(sheet, required, optional)` checks the header: every required column, no
  unknown or repeated one, and (unless told otherwise) at least one data row.
* `read_table(path, required, optional)` does both.
* `parse_rating(value)` is the one parser of SKM ratings (1-4 or empty) for every file.

Cells are as read: CSV gives text, XLSX gives text, numbers and dates (`cell_text` turns
any of them into trimmed text, `12.0` into `12`). Rows are numbered as in a spreadsheet,
the header being row 1.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from os import PathLike
from pathlib import Path
from typing import Any

__all__ = [
    "BadRating",
    "Progress",
    "ReadError",
    "Rejection",
    "Sheet",
    "cell_text",
    "check_columns",
    "is_empty",
    "parse_rating",
    "read_sheet",
    "read_table",
    "shown",
]

_PROGRESS_EVERY = 2000

# progress(phase, done, total): phase "read" (rows read; total an estimate or None).
Progress = Callable[[str, int, "int | None"], None]


class ReadError(Exception):
    """The file cannot be used at all (structure, format, encoding): nothing of it is used.

    `message` says what is wrong; `row` and `column` locate it when they are known (the
    header is row 1); `kind` is a short machine-readable cause (`not_found`, `empty`,
    `no_rows`, `header`, `format`, `encoding`, `unreadable`)."""

    def __init__(self, path: str | PathLike[str], message: str, *, kind: str = "format",
                 row: int | None = None, column: str | None = None) -> None:
        self.path = str(path)
        self.message = message
        self.kind = kind
        self.row = row
        self.column = column
        super().__init__(f"{self.path}: {message}")


@dataclass(frozen=True)
class Sheet:
    """A file's header and data rows. `header` holds the normalised column names in file
    order ("" for a column without a name); `rows` holds (row number, cells), the header
    being row 1, cells as read (CSV: text; XLSX: text, numbers, dates), trailing empty
    cells dropped. Rows whose cells are all empty are left out (`blank` counts them).
    `widths` gives, for CSV rows whose number of fields differs from the header's, that
    number (a missing or extra delimiter)."""

    path: str
    digest: str  # sha256 of the cell values read (not of the raw bytes)
    header: tuple[str, ...]
    rows: list[tuple[int, tuple[Any, ...]]]
    blank: int = 0
    widths: dict[int, int] = field(default_factory=dict)

    def index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.header) if name}

    def shape_errors(self, cells: Sequence[Any]) -> list[tuple[str, str]]:
        """(column, reason) for a data row that does not fit the header: a value under a
        column without a name, or more cells than the header has columns."""
        width = len(self.header)
        errors = [(f"column {i + 1}", "has a value but no header")
                  for i, name in enumerate(self.header)
                  if not name and i < len(cells) and not is_empty(cells[i])]
        if len(cells) > width:
            errors.append((f"column {width + 1}", f"row has {len(cells)} cells but the header "
                                                  f"has only {width} columns"))
        return errors

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, {column: cell text}) for every data row, named columns only."""
        columns = [(name, i) for i, name in enumerate(self.header) if name]
        for number, cells in self.rows:
            yield number, {name: cell_text(cells[i]) if i < len(cells) else ""
                           for name, i in columns}


@dataclass(frozen=True)
class Rejection:
    """One problem in one data row, printed as `FILE:ROW: column: reason` (the header is
    row 1), the format every command uses for row errors."""

    path: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.row}: {self.column}: {self.reason}"


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as trimmed text; a whole float (an XLSX number) without its `.0`."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def shown(value: Any) -> str:
    """A cell quoted for a message, shortened to 40 characters."""
    text = cell_text(value) if not isinstance(value, str) else value.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _trim(cells: Sequence[Any]) -> tuple[Any, ...]:
    end = len(cells)
    while end and is_empty(cells[end - 1]):
        end -= 1
    return tuple(cells[:end])


def _canonical(value: Any) -> Any:
    """A cell for the content digest: text as is, anything else tagged with its type."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime | date | time):
        return [type(value).__name__, value.isoformat()]
    return [type(value).__name__, repr(value)]


class _Digest:
    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, number: int, cells: Sequence[Any], text_only: bool = False) -> None:
        if not text_only:
            cells = [_canonical(c) for c in cells]
        line = json.dumps([number, cells], ensure_ascii=False)
        self._hash.update(line.encode("utf-8", "surrogatepass") + b"\n")

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def read_sheet(path: str | PathLike[str], progress: Progress | None = None,
               what: str = "file") -> Sheet:
    """Header (normalised) and rows of a CSV or XLSX file, without checking columns.
    `what` names the file in messages ("file", "unit map"...)."""
    name = str(path)
    suffix = Path(name).suffix.lower()
    p = Path(name)
    if not p.exists():
        raise ReadError(name, f"{what} not found", kind="not_found")
    if p.is_dir():
        raise ReadError(name, f"{what} is a directory, not a CSV or XLSX file")
    try:
        with open(p, "rb") as fh:
            start = fh.read(8)
    except OSError as exc:
        raise ReadError(name, f"cannot read the {what}: {exc.strerror or exc}",
                        kind="unreadable") from exc
    is_zip = start.startswith(b"PK\x03\x04")
    is_ole = start.startswith(b"\xd0\xcf\x11\xe0")  # old binary Excel (.xls)
    if suffix == ".xlsx":
        if not is_zip:
            raise ReadError(name, "is not a valid XLSX workbook (save it again as .xlsx, "
                                  "or as CSV UTF-8)")
        return _read_xlsx(name, progress)
    if suffix == ".csv":
        if is_zip:
            raise ReadError(name, "looks like an XLSX workbook, not CSV text: name it "
                                  ".xlsx, or save it as CSV UTF-8")
        if is_ole:
            raise ReadError(name, "is an old-format Excel file, not CSV text: save it as "
                                  ".xlsx or CSV UTF-8")
        return _read_csv(name, progress)
    if suffix == ".xls" or is_ole:
        raise ReadError(name, "old-format Excel (.xls) is not supported: save it as "
                              ".xlsx or CSV UTF-8")
    raise ReadError(name, f"is not a CSV or XLSX file (expected a name ending in .csv or "
                          f".xlsx, not {suffix or 'no extension'!r})")


def _read_csv(name: str, progress: Progress | None) -> Sheet:
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        raise ReadError(name, f"cannot read the file: {exc.strerror or exc}",
                        kind="unreadable") from exc
    try:
        text = codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReadError(name, f"is not UTF-8 text (line {line}): save it as 'CSV UTF-8'",
                        kind="encoding", row=line) from exc
    if not text.strip():
        raise ReadError(name, "is empty: expected a header row and data rows", kind="empty")
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in an Indonesian locale save CSV with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _collect(name, records, text.count("\n") + 1, progress,
                    text_only=True, unreadable=(csv.Error,), kind="CSV", widths=True)


def _read_xlsx(name: str, progress: Progress | None) -> Sheet:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(name, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise ReadError(name, f"is not a readable XLSX workbook ({exc})",
                        kind="unreadable") from exc
    try:
        if not workbook.worksheets:
            raise ReadError(name, "the workbook has no sheet", kind="empty")
        sheet = workbook.worksheets[0]
        total = sheet.max_row if isinstance(sheet.max_row, int) else None
        cells = ([_xlsx_value(cell) for cell in row] for row in sheet.iter_rows())
        return _collect(name, cells, total, progress, text_only=False,
                        unreadable=(zipfile.BadZipFile, KeyError, ValueError, OSError),
                        kind="XLSX", empty=f"the first sheet ({sheet.title!r}) is empty")
    finally:
        workbook.close()


def _collect(name: str, records: Iterable[Sequence[Any]], total: int | None,
             progress: Progress | None, *, text_only: bool,
             unreadable: tuple[type[Exception], ...], kind: str,
             empty: str = "is empty", widths: bool = False) -> Sheet:
    """Header, numbered non-blank rows, blank count and content digest of a file's rows,
    whatever its format."""
    digest = _Digest()
    header: tuple[Any, ...] | None = None
    header_width = 0
    rows: list[tuple[int, tuple[Any, ...]]] = []
    odd: dict[int, int] = {}
    blank = 0
    number = 0
    try:
        for number, raw in enumerate(records, start=1):
            cells = _trim(raw)
            if number == 1:
                header, header_width = cells, len(raw)
                digest.add(number, cells)
                continue
            if not cells:
                blank += 1
            else:
                digest.add(number, cells, text_only=text_only)
                rows.append((number, cells))
                if widths and len(raw) != header_width:
                    odd[number] = len(raw)
            if progress is not None and number % _PROGRESS_EVERY == 0:
                progress("read", number, total)
    except unreadable as exc:
        raise ReadError(name, f"row {number + 1}: unreadable {kind} ({exc})",
                        kind="unreadable", row=number + 1) from exc
    if header is None:
        raise ReadError(name, f"{empty}: expected a header row and data rows", kind="empty")
    if progress is not None:
        progress("read", number, number)
    return Sheet(name, digest.hexdigest(), _normalise_header(name, header), rows, blank, odd)


_FORMAT_LITERALS = re.compile(r'\[[^\]]*\]|"[^"]*"|\\.')


def _xlsx_value(cell: Any) -> Any:
    """A cell's value; a date-time cell at midnight formatted without a time is a date."""
    value = getattr(cell, "value", None)
    if isinstance(value, datetime) and value.time() == time(0):
        # Leave out locale tags ([$-421]), quoted text and escapes, then look for h, s, ":".
        fmt = _FORMAT_LITERALS.sub("", getattr(cell, "number_format", "") or "").lower()
        if not any(ch in fmt for ch in "hs:"):
            return value.date()
    return value


def _normalise_header(name: str, header: tuple[Any, ...] | None) -> tuple[str, ...]:
    if not header:
        raise ReadError(name, "row 1 must be the header row, but it is empty",
                        kind="header", row=1)
    return tuple("" if is_empty(c) else str(c).strip().lower() for c in header)


def check_columns(sheet: Sheet, required: Sequence[str], optional: Sequence[str] = (), *,
                  rows_required: bool = True) -> Sheet:
    """Check the header of a read sheet: no repeated or unknown column, every required
    column present; and, with `rows_required`, at least one data row. Raises ReadError
    (with the row, 1, and the column)."""
    name = sheet.path
    known = set(required) | set(optional)
    seen: set[str] = set()
    for position, column in enumerate(sheet.header, start=1):
        if not column:
            continue
        if column in seen:
            raise ReadError(name, f"column {column!r} appears twice in the header",
                            kind="header", row=1, column=column)
        seen.add(column)
        if column not in known:
            expected = f"expected {', '.join(required)}"
            if optional:
                expected += f" and optionally {', '.join(optional)}"
            raise ReadError(name, f"unknown column {column!r} (column {position} of the "
                                  f"header); {expected}", kind="header", row=1, column=column)
    missing = [c for c in required if c not in seen]
    if missing:
        which = "column" if len(missing) == 1 else "columns"
        raise ReadError(name, f"missing required {which} {', '.join(missing)} in the header "
                              "row", kind="header", row=1, column=missing[0])
    if rows_required and not sheet.rows:
        raise ReadError(name, "has a header but no data rows", kind="no_rows")
    return sheet


def read_table(path: str | PathLike[str], required: Sequence[str],
               optional: Sequence[str] = (), *, progress: Progress | None = None,
               what: str = "file", rows_required: bool = True) -> Sheet:
    """`read_sheet` then `check_columns`. Raises ReadError."""
    return check_columns(read_sheet(path, progress, what), required, optional,
                         rows_required=rows_required)


# ---------------------------------------------------------------------------- ratings


@dataclass(frozen=True, slots=True)
class BadRating:
    """Why a cell is not a rating. `numeric`: the cell is a number, just not 1, 2, 3 or 4
    (0, 5, 2.5, 1e3, nan), as opposed to text such as 'baik'."""

    reason: str
    numeric: bool


_RATINGS = {"1": 1, "2": 2, "3": 3, "4": 4}
# A plain decimal number (ASCII digits, "." or "," as decimal mark): not "1e3", "1_0", "²".
_NUMBER = re.compile(r"[+-]?[0-9]{1,6}(?:[.,][0-9]{0,6})?")


def _is_float(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def parse_rating(value: Any) -> int | None | BadRating:
    """An SKM answer: 1..4, None (empty: not answered) or why it is not one. Accepts the
    digits as text or numbers, also `4.0` and `4,0`; never `1e0`, `'²'` or `True`."""
    if is_empty(value):
        return None
    number: Any = value
    if isinstance(value, str):
        text = value.strip()
        if text in _RATINGS:
            return _RATINGS[text]
        if not _NUMBER.fullmatch(text):
            return BadRating(f"{shown(value)} is not a rating: use 1, 2, 3 or 4, or leave it "
                             "empty", _is_float(text))
        number = float(text.replace(",", "."))
    if isinstance(number, bool) or not isinstance(number, int | float):
        return BadRating(f"{shown(value)} is not a rating: use 1, 2, 3 or 4, or leave it "
                         "empty", False)
    if isinstance(number, float):
        if not number.is_integer():
            return BadRating(f"{shown(value)} is not a whole number: ratings are 1, 2, 3 "
                             "or 4", True)
        number = int(number)
    if not 1 <= number <= 4:
        return BadRating(f"{shown(value)} is outside 1-4", True)
    return number
