"""Indonesian wording of the SKM report: numbers, dates, periods and the fixed texts.

The report is Indonesian only (it is filed with the regulator's structure), so its texts
live here beside the domain's other official Indonesian wording (feedback.survey.skm)."""

from __future__ import annotations

from datetime import date, datetime

from feedback.performance.periods import Period

CITY_NAME = "Pemerintah Kota Kupang"
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
GRADE_WORDS = {"A": "Sangat Baik", "B": "Baik", "C": "Kurang Baik", "D": "Tidak Baik"}
CHANNEL_LABELS = {"qr": "Kode QR di loket", "ticket": "Kode pada karcis antrean",
                  "kiosk": "Kios (tablet) di unit", "web": "Situs web / aplikasi",
                  "import": "Kuesioner kertas (diimpor)"}
PROFILE_TITLES = {"gender": "Jenis kelamin", "age_band": "Umur", "education": "Pendidikan",
                  "occupation": "Pekerjaan"}
LEGAL_BASIS = (
    "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik;",
    "Peraturan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi Nomor 14 Tahun "
    "2017 tentang Pedoman Penyusunan Survei Kepuasan Masyarakat Unit Penyelenggara "
    "Pelayanan Publik.",
)
PURPOSE = (
    "Survei Kepuasan Masyarakat (SKM) mengukur kepuasan masyarakat atas pelayanan yang "
    "diterimanya sebagai bahan untuk menilai kinerja penyelenggaraan pelayanan publik dan "
    "menetapkan kebijakan peningkatan kualitas pelayanan.",
    "Laporan ini menyajikan Indeks Kepuasan Masyarakat (IKM) beserta nilai setiap unsur "
    "pelayanan, mengidentifikasi unsur yang masih lemah, dan mengusulkan prioritas rencana "
    "tindak lanjut sebagaimana diwajibkan oleh peraturan.",
)


def number(value: float | int | None, decimals: int = 2) -> str:
    """Indonesian number: 1.234,56; "–" when there is no value."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def percent(share: float | None) -> str:
    return "–" if share is None else number(100 * share, 1) + " %"


def day(value: date) -> str:
    """1 Januari 2026."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def moment(value: datetime) -> str:
    """1 Januari 2026 pukul 10.30 WITA (value in WITA)."""
    return f"{day(value.date())} pukul {value:%H.%M} WITA"


def period_label(period: Period) -> str:
    """Tahun 2026, Semester I 2026, Triwulan II 2026, Maret 2026, or a range of days."""
    key = period.key
    if ".." in key:
        return f"{day(period.first)} s.d. {day(period.last)}"
    if len(key) == 4:
        return f"Tahun {key}"
    year, part = key.split("-")
    if part.startswith("S"):
        return f"Semester {'I' if part == 'S1' else 'II'} {year}"
    if part.startswith("Q"):
        return f"Triwulan {('I', 'II', 'III', 'IV')[int(part[1]) - 1]} {year}"
    return f"{MONTHS[int(part) - 1]} {year}"
