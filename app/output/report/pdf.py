"""The SKM report as an A4 PDF (fpdf2), in DejaVu Sans (vendored in app/output/fonts, so
Indonesian text, en and em dashes and any name print as written).

A cover block on the first page, then one new page per chapter (BAB I–V); every page has
the agency's name at the top and "Halaman i dari N" at the bottom. Tables repeat their
headings on each page they run onto; the element chart is drawn with fpdf2's own
rectangles and lines (vector, no image)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

from feedback.reports import wording as w
from feedback.reports.document import (
    Bullets,
    Document,
    ElementChart,
    Heading,
    Paragraph,
    TableBlock,
)
from feedback.reports.sheets import Sheet

FONTS = Path(__file__).resolve().parent.parent / "fonts"
FAMILY = "DejaVuSans"
ACCENT = (0, 45, 98)  # dark blue
GREY = (90, 90, 90)
LIGHT = (230, 236, 244)
BAR = (11, 79, 138)
BAR_LOW = (160, 74, 0)  # below the grade-B bound
BOUNDS = (("A", 88.31), ("B", 76.61), ("C", 65.00))
TEXT_PT = 10


def cell_text(sheet: Sheet, row: int, column: int) -> str:
    """A cell as printed: Indonesian numbers (1.234; 83,31), the column's empty mark."""
    value = sheet.rows[row][column]
    col = sheet.columns[column]
    if value is None:
        return col.empty
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int):
        return w.number(value, 0) if col.key not in ("no",) else str(value)
    if isinstance(value, float):
        decimals = sheet.decimals(row, column)
        return w.number(value, 2 if decimals is None else decimals)
    return value


class _ReportPDF(FPDF):
    def __init__(self, header_text: str, footer_note: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.header_text = header_text
        self.footer_note = footer_note

    def header(self) -> None:
        self.set_font(FAMILY, "B", 8)
        self.set_text_color(*GREY)
        self.cell(0, 5, self.header_text, align=Align.L, new_x=XPos.LMARGIN,
                  new_y=YPos.NEXT)
        self.set_draw_color(*GREY)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 5, self.footer_note, align=Align.L)
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Halaman {self.page_no()} dari {{nb}}", align=Align.R)
        self.set_text_color(0, 0, 0)


def render_pdf(doc: Document) -> bytes:
    pdf = _ReportPDF(doc.header, "Survei Kepuasan Masyarakat · PermenPANRB 14/2017")
    pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(20, 15, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(f"{doc.title} — {' · '.join(doc.subtitle[:2])}")
    pdf.set_author(doc.header)
    pdf.set_creator("Suara Layanan")
    pdf.set_lang("id")
    pdf.alias_nb_pages()
    pdf.add_page()
    _cover(pdf, doc)
    for chapter in doc.chapters:
        pdf.add_page()
        pdf.start_section(chapter.title)
        pdf.set_font(FAMILY, "B", 14)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, 7, chapter.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)
        for block in chapter.blocks:
            if isinstance(block, Heading):
                _heading(pdf, block.text)
            elif isinstance(block, Paragraph):
                _paragraph(pdf, block.text)
            elif isinstance(block, Bullets):
                _bullets(pdf, block.items)
            elif isinstance(block, TableBlock):
                _table(pdf, block.sheet)
            elif isinstance(block, ElementChart):
                _chart(pdf, block)
    return bytes(pdf.output())


def _cover(pdf: FPDF, doc: Document) -> None:
    pdf.ln(30)
    pdf.set_font(FAMILY, "B", 18)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 9, doc.title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(6)
    for i, line in enumerate(doc.subtitle):
        pdf.set_font(FAMILY, "B" if i == 0 else "", 14 if i == 0 else 11)
        pdf.multi_cell(0, 7, line, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    pdf.ln(10)
    summary = doc.sheets[0]
    _table(pdf, summary)


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(FAMILY, "B", 11)
    pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.set_font(FAMILY, "", TEXT_PT)
    pdf.multi_cell(0, 5, text, align=Align.J, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _bullets(pdf: FPDF, items: tuple[str, ...]) -> None:
    pdf.set_font(FAMILY, "", TEXT_PT)
    for item in items:
        pdf.set_x(pdf.l_margin)
        pdf.cell(6, 5, "•")
        pdf.multi_cell(0, 5, item, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.5)
    pdf.ln(1.5)


def _table(pdf: FPDF, sheet: Sheet) -> None:
    if pdf.will_page_break(25):
        pdf.add_page()
    pdf.set_font(FAMILY, "B", 9)
    pdf.multi_cell(0, 5, sheet.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", sheet.font_pt or 8.5)
    numeric = [any(isinstance(r[i], int | float) and not isinstance(r[i], bool)
                   for r in sheet.rows) and c.key not in ("nilai",)
               for i, c in enumerate(sheet.columns)]
    align = tuple("RIGHT" if is_number else "LEFT" for is_number in numeric)
    with pdf.table(
        col_widths=tuple(c.width for c in sheet.columns), text_align=align,
        headings_style=FontFace(family=FAMILY, emphasis="BOLD", fill_color=LIGHT),
        cell_fill_color=(247, 249, 252), cell_fill_mode=TableCellFillMode.ROWS,
        line_height=4.6, padding=1.2, first_row_as_headings=True,
    ) as table:
        head = table.row()
        for col in sheet.columns:
            head.cell(col.heading)
        for r in range(len(sheet.rows)):
            row = table.row()
            for c in range(len(sheet.columns)):
                row.cell(cell_text(sheet, r, c))
    pdf.ln(3)


def _chart(pdf: FPDF, chart: ElementChart) -> None:
    bar_h, gap = 6.0, 2.0
    label_w = 62.0
    height = 14 + len(chart.bars) * (bar_h + gap) + 8
    if pdf.will_page_break(height):
        pdf.add_page()
    pdf.set_font(FAMILY, "B", 9)
    pdf.multi_cell(0, 5, chart.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    top = pdf.get_y() + 3
    left = pdf.l_margin + label_w
    width = pdf.w - pdf.r_margin - left - 12

    def x_of(value: float) -> float:
        return left + (min(max(value, 25.0), 100.0) - 25.0) / 75.0 * width

    pdf.set_font(FAMILY, "", 7.5)
    for i, (name, value) in enumerate(chart.bars):
        y = top + i * (bar_h + gap)
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_w - 2, bar_h, _fit(pdf, name, label_w - 2), align=Align.R)
        if value is None:
            pdf.set_xy(left, y)
            pdf.cell(20, bar_h, "–")
            continue
        pdf.set_fill_color(*(BAR_LOW if value < 76.61 else BAR))
        pdf.rect(left, y, max(0.2, x_of(value) - left), bar_h, style="F")
        pdf.set_xy(x_of(value) + 1, y)
        pdf.cell(12, bar_h, w.number(value, 2))
    bottom = top + len(chart.bars) * (bar_h + gap)
    pdf.set_draw_color(*GREY)
    pdf.line(left, top - 1, left, bottom)
    pdf.set_line_width(0.3)
    for letter, bound in BOUNDS:
        x = x_of(bound)
        pdf.set_dash_pattern(dash=1, gap=1)
        pdf.line(x, top - 1, x, bottom)
        pdf.set_dash_pattern()
        pdf.set_xy(x - 10, bottom)
        pdf.cell(20, 4, f"{letter} {w.number(bound, 2)}", align=Align.C)
    pdf.set_line_width(0.2)
    pdf.set_xy(left - 5, bottom)
    pdf.cell(10, 4, "25", align=Align.C)
    pdf.set_xy(x_of(100) - 5, bottom)
    pdf.cell(10, 4, "100", align=Align.C)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_y(bottom + 6)
    pdf.set_font(FAMILY, "", 8)
    pdf.multi_cell(0, 4, "Batang jingga: di bawah batas mutu B (76,61). Garis putus-putus: "
                   "batas mutu A, B dan C.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"
