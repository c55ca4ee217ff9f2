"""Print-ready PDFs with feedback QR codes: counter posters and one-time ticket stubs.

QR codes are drawn as vector rectangles from the QR matrix (no raster images), so they
print sharp at any size. fpdf2's core fonts only cover latin-1, so every string goes through
:func:`latin1_safe` before it is written. Texts come from the app's catalog (English message
ids, Indonesian by default); a poster repeats its invitation in the other language.
"""

import math
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from app import i18n
from app.output.qr import qr_matrix

CREATOR = "Suara Layanan"
PT_TO_MM = 25.4 / 72
LINE_SPACING = 1.2

# Colours (RGB): black text on white paper, one dark blue accent, light grey cut lines.
BLACK = (0, 0, 0)
WHITE = (255, 255, 255)
ACCENT = (0, 45, 98)
CUT_LINE_GREY = (160, 160, 160)

# Typographic characters that have a natural ASCII spelling.
_REPLACEMENTS = {
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2026": "...", "\u2022": "-", "\u20ac": "EUR", "\u200b": "",
}  # fmt: skip


@dataclass(frozen=True)
class PosterItem:
    agency: str
    unit: str
    counter: str
    url: str
    short_code: str


@dataclass(frozen=True)
class StubItem:
    unit: str
    counter: str
    url: str
    token: str
    expires_at_text: str


@dataclass(frozen=True)
class _Font:
    family: str
    style: str
    max_pt: float
    min_pt: float


# --------------------------------------------------------------------------- text helpers


def latin1_safe(text: str) -> str:
    """Single-line, latin-1 encodable version of ``text`` (transliterated where possible).

    Dashes and curly quotes become ASCII, accented letters outside latin-1 lose their
    accent, whitespace collapses to single spaces, anything else becomes "?".
    """
    return " ".join("".join(_latin1_char(char) for char in text).split())


def _latin1_char(char: str) -> str:
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    if unicodedata.category(char) == "Cc" or unicodedata.category(char).startswith("Z"):
        return " "
    if ord(char) < 256:
        return char
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in decomposed if ord(c) < 256 and not unicodedata.combining(c))
    return kept or "?"


def _line_height(size_pt: float) -> float:
    return size_pt * PT_TO_MM * LINE_SPACING


def _wrap(pdf: FPDF, text: str, width: float, wrapmode: str) -> list[str]:
    """Wrap ``text`` for the current font without drawing anything."""
    return pdf.multi_cell(
        width, text=text, dry_run=True, output=MethodReturnValue.LINES, wrapmode=wrapmode
    )


def _ellipsize(pdf: FPDF, line: str, width: float) -> str:
    while line and pdf.get_string_width(line + "...") > width:
        line = line[:-1]
    return line.rstrip() + "..."


def _fit(
    pdf: FPDF, text: str, width: float, font: _Font, max_lines: int, wrapmode: str = "WORD"
) -> list[str]:
    """Largest font size (set on ``pdf``) at which ``text`` wraps into ``max_lines``.

    At the minimum size the text is cut with "..." so it can never overflow.
    """
    size = font.max_pt
    while True:
        pdf.set_font(font.family, font.style, size)
        lines = _wrap(pdf, text, width, wrapmode)
        if len(lines) <= max_lines or size <= font.min_pt:
            break
        size = max(font.min_pt, size - 0.5)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _ellipsize(pdf, lines[max_lines - 1], width)]
    return lines


def _text_block(
    pdf: FPDF,
    text: str,
    box: tuple[float, float, float],
    font: _Font,
    max_lines: int = 1,
    align: str = "C",
    wrapmode: str = "WORD",
    slot_h: float | None = None,
) -> float:
    """Draw ``text`` fitted into ``box`` = (x, y, width); return the y below the block.

    With ``slot_h`` the lines are centred vertically in a slot of that height.
    """
    x, y, width = box
    lines = _fit(pdf, latin1_safe(text), width, font, max_lines, wrapmode)
    line_h = _line_height(pdf.font_size_pt)
    if slot_h is not None:
        y += max(0.0, (slot_h - line_h * len(lines)) / 2)
    for line in lines:
        pdf.set_xy(x, y)
        pdf.cell(width, line_h, line, align=align)
        y += line_h
    return y


# --------------------------------------------------------------------------- QR drawing


def _dark_runs(row: Sequence[bool]) -> Iterator[tuple[int, int]]:
    """(start, length) of each horizontal run of dark modules in a matrix row."""
    start = None
    for col, dark in enumerate([*row, False]):
        if dark and start is None:
            start = col
        elif not dark and start is not None:
            yield start, col - start
            start = None


def _draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of ``data`` (quiet zone included) as a ``size`` mm square."""
    matrix = qr_matrix(data)
    module = size / len(matrix)
    pdf.set_fill_color(*WHITE)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(*BLACK)
    for row_index, row in enumerate(matrix):
        for start, length in _dark_runs(row):
            pdf.rect(x + start * module, y + row_index * module, length * module, module, "F")


def _draw_code(
    pdf: FPDF, text: str, box: tuple[float, float, float], font: _Font, one_line_min_pt: float
) -> None:
    """Monospace code (URL, token) centred in a two-line slot below ``box``'s y.

    One line if it fits at ``one_line_min_pt`` or larger, so it is easy to type; otherwise
    wrapped at any character onto two lines.
    """
    slot_h = 2 * _line_height(font.max_pt)
    pdf.set_font(font.family, font.style, one_line_min_pt)
    if pdf.get_string_width(latin1_safe(text)) <= box[2]:
        one_line = _Font(font.family, font.style, font.max_pt, one_line_min_pt)
        _text_block(pdf, text, box, one_line, slot_h=slot_h)
    else:
        _text_block(pdf, text, box, font, max_lines=2, wrapmode="CHAR", slot_h=slot_h)


# --------------------------------------------------------------------------- documents


def _new_document(title: str, lang: str, created_at: datetime | None) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator(CREATOR)
    pdf.set_author(CREATOR)
    pdf.set_lang(lang)
    if created_at is not None:
        pdf.set_creation_date(created_at)
    pdf.set_auto_page_break(False)
    pdf.c_margin = 0
    pdf.set_text_color(*BLACK)
    return pdf


def _require_items(items: Sequence[object], kind: str) -> None:
    if not items:
        raise ValueError(f"at least one {kind} is required")


# --------------------------------------------------------------------------- posters

POSTER_MARGIN = 15.0
POSTER_QR_SYMBOL_MM = 125.0  # dark symbol width, quiet zone not included
SHORT_CODE_WIDTH = 40.0  # right end of the footer line; the centred footer text ends before

_AGENCY_FONT = _Font("helvetica", "", 12, 9)
_UNIT_FONT = _Font("helvetica", "B", 30, 16)
_COUNTER_FONT = _Font("helvetica", "", 20, 12)
_HEADING_FONT = _Font("helvetica", "B", 22, 14)
_URL_FONT = _Font("courier", "B", 13, 7)
_URL_ONE_LINE_MIN_PT = 9
_STEP_FONT = _Font("helvetica", "", 14, 10)
_OTHER_LANGUAGE_FONT = _Font("helvetica", "I", 11, 8)
_FOOTER_FONT = _Font("helvetica", "B", 10, 8)
_SHORT_CODE_FONT = _Font("courier", "", 9, 6)


@dataclass(frozen=True)
class _PosterText:
    heading: str
    steps: tuple[str, ...]
    other_language: str  # the invitation in the poster's second language
    footer: str
    title: str


def _poster_text(lang: str) -> _PosterText:
    _ = i18n.gettext(lang)
    other_lang = "en" if lang == "id" else "id"
    other = i18n.gettext(other_lang)  # (a variable: a literal here would be extracted)
    return _PosterText(
        heading=_("How was our service today?"),
        steps=(
            _("1. Scan the QR code with your phone's camera."),
            _("2. Answer 9 short questions (less than 30 seconds)."),
            _("3. No name, no login - your rating is anonymous."),
        ),
        other_language=other(
            i18n.N_("Rate our service: scan the code. Anonymous, takes 30 seconds.")
        ),
        footer=f"Suara Layanan - {_('City Government of Kupang')}",
        title=_("QR rating posters - Suara Layanan"),
    )


def render_posters(
    items: Sequence[PosterItem], *, created_at: datetime | None = None, lang: str = "id"
) -> bytes:
    """A4 portrait PDF with one poster page per counter, in ``lang`` (Indonesian by default)
    with one line in the other language.

    Pass ``created_at`` to fix the PDF creation date (byte-identical output for equal input).
    """
    _require_items(items, "poster item")
    lang = i18n.pick(lang)
    text = _poster_text(lang)
    _ = i18n.gettext(lang)
    pdf = _new_document(text.title, lang, created_at)
    for item in items:
        if not item.url:
            raise ValueError(f"poster for {item.unit!r} / {item.counter!r} has no URL")
        pdf.add_page()
        _draw_poster(pdf, item, text, _)
    return bytes(pdf.output())


def _draw_poster(
    pdf: FPDF, item: PosterItem, text: _PosterText, _: Callable[..., str]
) -> None:
    width = pdf.w - 2 * POSTER_MARGIN
    qr_top = _draw_poster_header(pdf, item, width, text.heading) + 2
    qr_bottom = _draw_poster_bottom(pdf, item, width, text, _) - 2
    _draw_poster_qr(pdf, item.url, qr_top, qr_bottom)


def _draw_poster_header(pdf: FPDF, item: PosterItem, width: float, heading: str) -> float:
    """Accent bar, agency, unit, counter and heading; return the y below them."""
    x = POSTER_MARGIN
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, pdf.w, 6, style="F")
    y = _text_block(pdf, item.agency.upper(), (x, 12, width), _AGENCY_FONT, max_lines=2)
    y = _text_block(pdf, item.unit, (x, y + 3, width), _UNIT_FONT, max_lines=3)
    y = _text_block(pdf, item.counter, (x, y + 1, width), _COUNTER_FONT, max_lines=2)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(pdf.w / 2 - 20, y + 4, pdf.w / 2 + 20, y + 4)
    return _text_block(pdf, heading, (x, y + 8, width), _HEADING_FONT)


def _draw_poster_bottom(
    pdf: FPDF, item: PosterItem, width: float, text: _PosterText, _: Callable[..., str]
) -> float:
    """URL, steps, other-language line and footer, stacked up from the page bottom.

    Returns the y of the top of this block (the lowest y the QR code may use).
    """
    x = POSTER_MARGIN
    footer_y = pdf.h - POSTER_MARGIN - _line_height(_FOOTER_FONT.max_pt)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(x, footer_y - 2, x + width, footer_y - 2)
    pdf.set_text_color(*ACCENT)
    _text_block(pdf, text.footer, (x, footer_y, width), _FOOTER_FONT)
    pdf.set_text_color(*BLACK)
    if item.short_code:
        code_box = (x + width - SHORT_CODE_WIDTH, footer_y, SHORT_CODE_WIDTH)
        code = _("Code %(code)s", code=item.short_code)
        _text_block(pdf, code, code_box, _SHORT_CODE_FONT, align="R")

    other_y = footer_y - 6 - _line_height(_OTHER_LANGUAGE_FONT.max_pt)
    _text_block(pdf, text.other_language, (x, other_y, width), _OTHER_LANGUAGE_FONT)

    step_h = _line_height(_STEP_FONT.max_pt) + 1
    steps_y = other_y - 4 - step_h * len(text.steps)
    _draw_steps(pdf, text.steps, steps_y, step_h, width)

    url_y = steps_y - 6 - 2 * _line_height(_URL_FONT.max_pt)
    _draw_code(pdf, item.url, (x, url_y, width), _URL_FONT, _URL_ONE_LINE_MIN_PT)
    return url_y


def _draw_steps(
    pdf: FPDF, steps: Sequence[str], y: float, step_h: float, max_width: float
) -> None:
    """Left-aligned numbered steps, centred as a block on the page."""
    pdf.set_font(_STEP_FONT.family, _STEP_FONT.style, _STEP_FONT.max_pt)
    block_w = min(max_width, max(pdf.get_string_width(latin1_safe(s)) for s in steps))
    x = (pdf.w - block_w) / 2
    for index, step in enumerate(steps):
        _text_block(pdf, step, (x, y + index * step_h, block_w), _STEP_FONT, align="L")


def _draw_poster_qr(pdf: FPDF, url: str, top: float, bottom: float) -> None:
    """QR code centred between the header and the bottom block."""
    modules = len(qr_matrix(url))
    symbol_modules = modules - 8
    size = min(POSTER_QR_SYMBOL_MM * modules / symbol_modules, bottom - top)
    _draw_qr(pdf, url, (pdf.w - size) / 2, top + (bottom - top - size) / 2, size)


# --------------------------------------------------------------------------- stubs

STUB_COLUMNS = 3
STUB_ROWS = 5
STUBS_PER_PAGE = STUB_COLUMNS * STUB_ROWS
STUB_PAGE_MARGIN = 8.0
STUB_PADDING = 3.5
STUB_QR_MM = 30.0

_STUB_UNIT_FONT = _Font("helvetica", "B", 9, 6.5)
_STUB_COUNTER_FONT = _Font("helvetica", "", 8, 6)
_STUB_INSTRUCTION_FONT = _Font("helvetica", "B", 8, 6.5)
_STUB_BADGE_FONT = _Font("helvetica", "B", 8, 8)
_STUB_VALID_FONT = _Font("helvetica", "", 7, 5.5)
_STUB_TOKEN_FONT = _Font("courier", "B", 11, 5.5)
_STUB_TOKEN_ONE_LINE_MIN_PT = 7.5


def render_stubs(
    items: Sequence[StubItem], *, created_at: datetime | None = None, lang: str = "id"
) -> bytes:
    """A4 sheets of cut-out one-time ticket stubs, 3 x 5 per page, with dashed cut lines, in
    ``lang`` (Indonesian by default).

    Pass ``created_at`` to fix the PDF creation date (byte-identical output for equal input).
    """
    _require_items(items, "stub item")
    lang = i18n.pick(lang)
    _ = i18n.gettext(lang)
    pdf = _new_document(_("One-time rating tickets - Suara Layanan"), lang, created_at)
    for page_start in range(0, len(items), STUBS_PER_PAGE):
        page_items = items[page_start : page_start + STUBS_PER_PAGE]
        pdf.add_page()
        for index, item in enumerate(page_items):
            if not item.url:
                raise ValueError(f"stub {item.token!r} has no URL")
            _draw_stub(pdf, item, _stub_origin(pdf, index), _)
        _draw_cut_lines(pdf, len(page_items))
    return bytes(pdf.output())


def _stub_size(pdf: FPDF) -> tuple[float, float]:
    return (
        (pdf.w - 2 * STUB_PAGE_MARGIN) / STUB_COLUMNS,
        (pdf.h - 2 * STUB_PAGE_MARGIN) / STUB_ROWS,
    )


def _stub_origin(pdf: FPDF, index: int) -> tuple[float, float]:
    width, height = _stub_size(pdf)
    row, col = divmod(index, STUB_COLUMNS)
    return STUB_PAGE_MARGIN + col * width, STUB_PAGE_MARGIN + row * height


def _draw_stub(
    pdf: FPDF, item: StubItem, origin: tuple[float, float], _: Callable[..., str]
) -> None:
    """One stub; the names get a fixed-height slot so all stubs line up."""
    stub_w = _stub_size(pdf)[0]
    x = origin[0] + STUB_PADDING
    width = stub_w - 2 * STUB_PADDING
    y = origin[1] + STUB_PADDING
    unit_slot_h = 2 * _line_height(_STUB_UNIT_FONT.max_pt)
    _text_block(pdf, item.unit, (x, y, width), _STUB_UNIT_FONT, 2, slot_h=unit_slot_h)
    y += unit_slot_h
    _text_block(pdf, item.counter, (x, y, width), _STUB_COUNTER_FONT)
    qr_y = y + _line_height(_STUB_COUNTER_FONT.max_pt) + 0.5
    _draw_qr(pdf, item.url, x - 1, qr_y, STUB_QR_MM)
    side = (x + STUB_QR_MM + 0.5, qr_y + 2.5, width - STUB_QR_MM - 0.5)
    _draw_stub_side(pdf, item, side, _)
    token_box = (x, qr_y + STUB_QR_MM, width)
    _draw_code(pdf, item.token, token_box, _STUB_TOKEN_FONT, _STUB_TOKEN_ONE_LINE_MIN_PT)


def _draw_stub_side(
    pdf: FPDF, item: StubItem, box: tuple[float, float, float], _: Callable[..., str]
) -> None:
    """Instruction, one-time badge and validity next to the stub's QR code."""
    x, y, width = box
    instruction = _("Scan to rate our service")
    y = _text_block(pdf, instruction, (x, y, width), _STUB_INSTRUCTION_FONT, 3, "L")
    badge_h = _line_height(_STUB_BADGE_FONT.max_pt) + 1.2
    pdf.set_fill_color(*BLACK)
    pdf.rect(x, y + 1.5, width, badge_h, style="F")
    pdf.set_text_color(*WHITE)
    _text_block(pdf, _("SINGLE USE"), (x, y + 2.1, width), _STUB_BADGE_FONT)
    pdf.set_text_color(*BLACK)
    validity = _("Valid until %(time)s", time=item.expires_at_text)
    _text_block(pdf, validity, (x, y + badge_h + 3, width), _STUB_VALID_FONT, 3, "L")


def _draw_cut_lines(pdf: FPDF, count: int) -> None:
    """Dashed lines around the used stubs only (rows are filled left to right)."""
    stub_w, stub_h = _stub_size(pdf)
    rows = math.ceil(count / STUB_COLUMNS)
    per_row = [min(STUB_COLUMNS, count - row * STUB_COLUMNS) for row in range(rows)]
    left, top = STUB_PAGE_MARGIN, STUB_PAGE_MARGIN
    pdf.set_draw_color(*CUT_LINE_GREY)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1.5, gap=1.5)
    for boundary in range(rows + 1):
        above = per_row[boundary - 1] if boundary > 0 else 0
        below = per_row[boundary] if boundary < rows else 0
        y = top + boundary * stub_h
        pdf.line(left, y, left + max(above, below) * stub_w, y)
    for boundary in range(STUB_COLUMNS + 1):
        spanned = sum(1 for cols in per_row if cols >= max(boundary, 1))
        x = left + boundary * stub_w
        pdf.line(x, top, x, top + spanned * stub_h)
    pdf.set_dash_pattern()
