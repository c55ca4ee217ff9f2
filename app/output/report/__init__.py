"""The official SKM report as a file: PDF (`pdf`), XLSX (`workbook`) or tidy CSV (`tidy`),
all from one laid-out document (feedback.reports.document)."""

from __future__ import annotations

from collections.abc import Callable

from app.output.report.pdf import render_pdf
from app.output.report.tidy import render_csv
from app.output.report.workbook import render_xlsx
from feedback.reports.document import Document

FORMATS: dict[str, tuple[Callable[[Document], bytes], str]] = {
    "pdf": (render_pdf, "application/pdf"),
    "xlsx": (render_xlsx,
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": (render_csv, "text/csv; charset=utf-8"),
}


def render(doc: Document, fmt: str) -> bytes:
    """The document in `fmt` (pdf, xlsx or csv). Raises KeyError for another format."""
    return FORMATS[fmt][0](doc)


def file_name(scope_kind: str, code: str | None, period_key: str, fmt: str) -> str:
    """SKM-<code>-<period>.<fmt>, e.g. SKM-pkm-oesapa-2026-S1.pdf (SKM-kota-… for the
    city); a range of days is written first_last."""
    who = "kota" if scope_kind == "city" else (code or scope_kind)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in who)
    return f"SKM-{safe}-{period_key.replace('..', '_')}.{fmt}"
