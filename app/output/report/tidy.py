"""The SKM report's tables as one tidy CSV (UTF-8, header row): `table,row,column,value`,
one line per cell. `table` is the table's key (as the XLSX sheet names), `row` its row
number from 1, `column` the column's key; `value` is the cell: whole numbers as digits,
other numbers in full precision with a decimal point (83.3125), text as written, empty for
no value."""

from __future__ import annotations

import csv
import io

from feedback.reports.document import Document
from feedback.reports.sheets import Cell

HEADER = ("table", "row", "column", "value")


def _value(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def render_csv(doc: Document) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for sheet in doc.sheets:
        for r, row in enumerate(sheet.rows, 1):
            for column, value in zip(sheet.columns, row, strict=True):
                writer.writerow((sheet.key, r, column.key, _value(value)))
    return out.getvalue().encode("utf-8")
