"""Cases as CSV in SP4N-LAPOR!-style fields, for units that re-enter them there.

Indonesian headers and words whatever the user's language (the file is for SP4N-LAPOR!),
UTF-8 with a byte order mark (Excel then reads it as UTF-8), a header row, one row per case.
Times are WITA, `YYYY-MM-DD HH:MM`. A cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading apostrophe, so a spreadsheet never runs it as a formula.
Never the contact; the comment is masked (`feedback.cases.export`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from app.survey_text import instrument
from feedback.cases.export import ExportCase
from feedback.clock import WITA

HEADER = ("Nomor Tiket", "Tanggal Laporan", "Kanal", "Instansi Tujuan", "Unit", "Kategori",
          "Isi Laporan", "Status", "Tanggal Verifikasi", "Tanggal Tindak Lanjut",
          "Tindak Lanjut", "Tanggal Selesai", "Hasil")
STATUS = {"open": "Belum Diverifikasi", "verified": "Terverifikasi",
          "answered": "Ditindaklanjuti", "closed": "Selesai"}
OUTCOME = {"resolved": "Terselesaikan", "not_resolved": "Tidak terselesaikan",
           "invalid": "Tidak valid", "duplicate": "Duplikat",
           "no_reply": "Ditutup otomatis: pelapor tidak menanggapi"}
CHANNEL = {"qr": "Survei kepuasan (kode QR)", "ticket": "Survei kepuasan (karcis antrean)",
           "kiosk": "Survei kepuasan (kios)", "web": "Survei kepuasan (aplikasi)",
           "import": "Survei kepuasan (impor)"}
DEFAULT_CATEGORY = "Kepuasan layanan"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text (formula injection: OWASP CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(WITA).strftime("%Y-%m-%d %H:%M")


def description(case: ExportCase) -> str:
    """Isi Laporan: the masked comment, else a sentence from the low ratings."""
    if case.comment:
        return case.comment
    skm = instrument("id").elements
    if not case.low_ratings:
        return "Penilaian rendah melalui survei kepuasan masyarakat."
    parts = [f"{skm[e].name} {r} ({skm[e].labels[r - 1]})" for e, r in case.low_ratings]
    return ("Penilaian rendah pada survei kepuasan masyarakat (skala 1–4): "
            + "; ".join(parts) + ".")


def category(case: ExportCase) -> str:
    if case.element is None:
        return DEFAULT_CATEGORY
    return instrument("id").elements[case.element].name


def row(case: ExportCase) -> list[str]:
    receipt = f"{case.receipt[:4]}-{case.receipt[4:]}"
    return [safe_cell(cell) for cell in (
        receipt, _when(case.opened_at), CHANNEL.get(case.channel, case.channel),
        case.agency_name, case.unit_name, category(case), description(case),
        STATUS.get(case.status, case.status), _when(case.verified_at),
        _when(case.answered_at), case.last_reply or "", _when(case.closed_at),
        OUTCOME.get(case.outcome or "", case.outcome or ""))]


def render(cases: Iterable[ExportCase]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for case in cases:
        writer.writerow(row(case))
    return out.getvalue().encode("utf-8-sig")
