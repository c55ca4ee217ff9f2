"""The tables of the SKM report, shared by every output: the PDF prints them, the XLSX has
one sheet per table, the CSV has them all in tidy form.

Cells are numbers as numbers (`int`, `float`), text, or None (no value); a column's
`decimals` (or a row's, in `Sheet.row_decimals`) says how a float is printed."""

from __future__ import annotations

from dataclasses import dataclass

from feedback.reports import wording as w
from feedback.reports.model import ReportContent

Cell = str | int | float | None


@dataclass(frozen=True)
class Column:
    key: str  # machine name (the CSV's `column`)
    heading: str  # printed heading (Indonesian)
    decimals: int | None = None  # floats: printed with this many decimals
    width: float = 1.0  # relative width in the PDF
    empty: str = "–"  # printed for a cell without a value


@dataclass(frozen=True)
class Sheet:
    key: str  # machine name: the CSV's `table`, the XLSX sheet's name
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    # Per row, the decimals of its floats when they differ from the column's (summary).
    row_decimals: tuple[int | None, ...] = ()
    font_pt: float | None = None  # the PDF's table text size when not the usual (wide tables)

    def decimals(self, row: int, column: int) -> int | None:
        if row < len(self.row_decimals) and self.row_decimals[row] is not None:
            return self.row_decimals[row]
        return self.columns[column].decimals


HIDDEN = "tidak ditampilkan (< {k})"


def _n(value: float | int | None, decimals: int = 2) -> str:
    return w.number(value, decimals)


# Tables ------------------------------------------------------------------------------------
def summary_sheet(c: ReportContent) -> Sheet:
    rows: list[tuple[Cell, ...]] = [
        ("Unit/Perangkat Daerah" if c.scope_kind == "unit" else "Nama", c.name),
        ("Perangkat Daerah", c.agency_name),
        ("Periode", c.period_label),
        ("Hari pertama (WITA)", c.period.first.isoformat()),
        ("Hari terakhir (WITA)", c.period.last.isoformat()),
        ("Populasi (transaksi dalam periode)", c.population),
        ("Sampel minimum (Krejcie–Morgan)", c.required_sample),
        ("Responden", c.n),
        ("Jumlah NRR tertimbang", c.weighted_sum),
        ("IKM", c.ikm),
        ("Mutu pelayanan", c.grade),
        ("Kinerja unit pelayanan", c.grade_label),
    ]
    if c.publication is not None:
        rows.append(("Versi terbitan", c.publication.version))
        rows.append(("Sesuai hasil terbitan", "ya" if c.publication.matches else "tidak"))
    return Sheet("ringkasan", "Ringkasan", (
        Column("uraian", "Uraian", width=1.4), Column("nilai", "Nilai", decimals=2)),
        tuple(rows), row_decimals=tuple(3 if label == "Jumlah NRR tertimbang" else None
                                        for label, _ in rows))


def channel_sheet(c: ReportContent) -> Sheet:
    return Sheet("kanal", "Responden menurut kanal", (
        Column("kanal", "Kanal", width=0.6), Column("keterangan", "Keterangan", width=1.6),
        Column("jumlah", "Jumlah"), Column("persen", "Persen", decimals=1)),
        tuple((ch.channel, ch.label, ch.n, None if ch.share is None else 100 * ch.share)
              for ch in c.channels))


def instrument_sheet(c: ReportContent) -> Sheet:
    return Sheet("instrumen", "Instrumen: sembilan unsur SKM", (
        Column("no", "No", width=0.3), Column("kode", "Kode", width=0.8),
        Column("unsur", "Unsur", width=1.4), Column("pertanyaan", "Pertanyaan", width=2.8)),
        tuple((i, e.code, e.name, e.question) for i, e in enumerate(c.instrument, 1)))


def profile_sheet(c: ReportContent) -> Sheet:
    hidden = HIDDEN.format(k=c.min_group)
    rows: list[tuple[Cell, ...]] = []
    if c.profile.suppressed or not c.profile.rows:
        for dim, title in w.PROFILE_TITLES.items():
            rows.append((title, dim, None, None, None, hidden))
    else:
        for r in c.profile.rows:
            if r.shown:
                rows.append((w.PROFILE_TITLES[r.dimension], r.key, r.label, r.n,
                             None if r.share is None else 100 * r.share, None))
            else:
                rows.append((w.PROFILE_TITLES[r.dimension], r.key, r.label, None, None,
                             hidden))
    return Sheet("profil", "Profil responden", (
        Column("pertanyaan", "Pertanyaan"), Column("kode", "Kode", width=0.6),
        Column("kategori", "Kategori", width=1.2), Column("jumlah", "Jumlah", width=0.6),
        Column("persen", "Persen", decimals=1, width=0.6),
        Column("keterangan", "Keterangan", width=1.2, empty="")), tuple(rows))


def element_sheet(c: ReportContent) -> Sheet:
    return Sheet("unsur", "Nilai per unsur", (
        Column("no", "No", width=0.3), Column("kode", "Kode", width=0.9),
        Column("unsur", "Unsur", width=2.0), Column("nrr", "NRR", decimals=3, width=0.6),
        Column("nrr_tertimbang", "NRR tertimbang (× 1/9)", decimals=3, width=0.9),
        Column("nilai_ikm", "Nilai (25 × NRR)", decimals=2, width=0.8),
        Column("mutu", "Mutu", width=0.4)),
        tuple((i, e.code, e.name, e.nrr, e.weighted, e.ikm, e.grade)
              for i, e in enumerate(c.elements, 1)))


def unit_sheet(c: ReportContent) -> Sheet:
    columns = [Column("kode", "Kode", width=0.9), Column("unit", "Unit", width=2.2)]
    if c.scope_kind == "city":
        columns.append(Column("perangkat_daerah", "Perangkat Daerah", width=1.8))
    columns += [Column("n", "n", width=0.5), Column("ikm", "IKM", decimals=2, width=0.6),
                Column("mutu", "Mutu", width=0.4)]
    rows = []
    for u in c.units:
        row: list[Cell] = [u.code, u.name]
        if c.scope_kind == "city":
            row.append(u.parent)
        rows.append((*row, u.n, u.ikm, u.grade))
    return Sheet("unit", "IKM per unit pelayanan", tuple(columns), tuple(rows))


def agency_sheet(c: ReportContent) -> Sheet:
    return Sheet("perangkat_daerah", "IKM per perangkat daerah", (
        Column("kode", "Kode", width=0.9), Column("perangkat_daerah", "Perangkat Daerah",
                                                   width=2.6),
        Column("n", "n", width=0.5), Column("ikm", "IKM", decimals=2, width=0.6),
        Column("mutu", "Mutu", width=0.4)),
        tuple((a.code, a.name, a.n, a.ikm, a.grade) for a in c.agencies))


def comparison_sheet(c: ReportContent) -> Sheet | None:
    cmp = c.comparison
    if cmp is None:
        return None
    rows: list[tuple[Cell, ...]] = [
        ("Responden (n)", "n", cmp.n_before, c.n, c.n - cmp.n_before),
        ("IKM", "ikm", cmp.ikm_before, c.ikm,
         None if cmp.ikm_before is None else c.ikm - cmp.ikm_before),
    ]
    for e in cmp.elements:
        rows.append((f"NRR {e.name}", e.code, e.before, e.now,
                     None if e.before is None or e.now is None else e.now - e.before))
    return Sheet("perbandingan", f"Perbandingan dengan {cmp.label}", (
        Column("uraian", "Uraian", width=2.2), Column("kode", "Kode", width=0.8),
        Column("sebelumnya", cmp.label, decimals=3), Column("sekarang", c.period_label,
                                                             decimals=3),
        Column("selisih", "Selisih", decimals=3)), tuple(rows),
        row_decimals=(0, 2))  # n, then the IKM with 2 decimals; NRRs with 3


def comment_sheet(c: ReportContent) -> Sheet | None:
    if not c.comments:
        return None
    return Sheet("komentar", "Komentar terbaru (disamarkan)", (
        Column("no", "No", width=0.3), Column("waktu", "Waktu (WITA)", width=1.0),
        Column("komentar", "Komentar", width=4.0)),
        tuple((i, f"{m.submitted_at:%Y-%m-%d %H:%M}", m.text)
              for i, m in enumerate(c.comments, 1)))


def follow_up_sheet(c: ReportContent) -> Sheet:
    return Sheet("rtl", "Rencana tindak lanjut: usulan prioritas", (
        Column("no", "No", width=0.3), Column("prioritas_unsur", "Prioritas Unsur", width=1.8),
        Column("program_kegiatan", "Program/Kegiatan", width=1.8, empty=""),
        Column("waktu", "Waktu", width=0.7, empty=""),
        Column("penanggung_jawab", "Penanggung Jawab", width=1.2, empty="")),
        tuple((p.no, f"{p.name} (NRR {_n(p.nrr, 3)}; {_n(p.ikm)})", None, None, None)
              for p in c.priorities))
