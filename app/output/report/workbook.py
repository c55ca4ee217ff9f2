"""The SKM report's tables as an XLSX workbook (openpyxl): one sheet per table, named by
the table's key (`ringkasan`, `kanal`, `instrumen`, `profil`, `unsur`, ...), headings in the
first row, numbers stored as numbers (shown with the table's decimals)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from feedback.reports.document import Document
from feedback.reports.sheets import Sheet

HEAD_FILL = PatternFill("solid", fgColor="E6ECF4")


def _format(decimals: int | None) -> str:
    return "0" if decimals == 0 else "0." + "0" * (2 if decimals is None else decimals)


def _sheet(book: Workbook, sheet: Sheet, first: bool) -> None:
    ws = book.active if first else book.create_sheet()
    assert ws is not None
    ws.title = sheet.key[:31]
    ws.append([c.heading for c in sheet.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(sheet.rows):
        ws.append(list(row))
        for c, value in enumerate(row):
            cell = ws.cell(row=r + 2, column=c + 1)
            if isinstance(value, float):
                cell.number_format = _format(sheet.decimals(r, c))
            elif isinstance(value, str) and len(value) > 40:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for c, column in enumerate(sheet.columns):
        letter = ws.cell(row=1, column=c + 1).column_letter
        longest = max([len(column.heading), *(len(str(row[c])) for row in sheet.rows
                                              if row[c] is not None)])
        ws.column_dimensions[letter].width = min(70, max(8, longest + 2))
    ws.freeze_panes = "A2"


def render_xlsx(doc: Document) -> bytes:
    book = Workbook()
    for i, sheet in enumerate(doc.sheets):
        _sheet(book, sheet, i == 0)
    book.properties.title = f"{doc.title} — {' · '.join(doc.subtitle[:2])}"
    book.properties.creator = "Suara Layanan"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
