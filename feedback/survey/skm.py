"""The built-in SKM-2017 instrument (PermenPANRB 14/2017) and the respondent profile.

Wording and answer labels are the regulation's, in Indonesian: this is their source. Other
languages are the app's business (its translation catalog, keyed by the codes below); the
domain holds no translations. Elements are keyed by code; the form asks them in the sample
questionnaire's order (sarana before pengaduan), storage and scoring use the codes only.
"""

from __future__ import annotations

from typing import Any

from feedback.tables import Questionnaire
from scoring.ikm import ELEMENTS

SKM_CODE = "skm-2017"
SKM_VERSION = 1
TITLE = "Survei Kepuasan Masyarakat (PermenPANRB 14/2017)"

# (code, unsur name, question, answer labels 1..4)
_ELEMENTS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "persyaratan",
        "Persyaratan",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan "
        "jenis pelayanannya?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    (
        "prosedur",
        "Sistem, Mekanisme, dan Prosedur",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    ),
    (
        "waktu",
        "Waktu Penyelesaian",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    ),
    (
        "biaya",
        "Biaya/Tarif",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    ),
    (
        "produk",
        "Produk Spesifikasi Jenis Pelayanan",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang "
        "tercantum dalam standar pelayanan dengan hasil yang diberikan?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    (
        "kompetensi",
        "Kompetensi Pelaksana",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    ),
    (
        "perilaku",
        "Perilaku Pelaksana",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
        "kesopanan dan keramahan?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
    ),
    (
        "pengaduan",
        "Penanganan Pengaduan, Saran dan Masukan",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal",
         "Dikelola dengan baik"),
    ),
    (
        "sarana",
        "Sarana dan Prasarana",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
    ),
)

# The sample questionnaire asks sarana before pengaduan.
FORM_ORDER: tuple[str, ...] = (
    "persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
    "sarana", "pengaduan",
)

# Respondent profile (all optional): stored value -> label
GENDERS = {"L": "Laki-laki", "P": "Perempuan"}
AGE_BANDS = {
    "<20": "Di bawah 20 tahun",
    "20-29": "20–29 tahun",
    "30-39": "30–39 tahun",
    "40-49": "40–49 tahun",
    "50-59": "50–59 tahun",
    "60+": "60 tahun ke atas",
}
EDUCATION = {
    "SD": "SD ke bawah",
    "SLTP": "SLTP",
    "SLTA": "SLTA",
    "D1-D3": "D1–D3",
    "S1": "S1",
    "S2": "S2",
    "S3": "S3",
}
OCCUPATIONS = {
    "PNS": "PNS",
    "TNI": "TNI",
    "POLRI": "POLRI",
    "Swasta": "Swasta",
    "Wirausaha": "Wirausaha",
    "Lainnya": "Lainnya",
}
PROFILE_FIELDS = {
    "gender": GENDERS,
    "age_band": AGE_BANDS,
    "education": EDUCATION,
    "occupation": OCCUPATIONS,
}

MAX_COMMENT_CHARS = 1000
CHANNELS = ("qr", "ticket", "kiosk", "web", "import")


def skm_2017_definition() -> dict[str, Any]:
    """The JSON stored in `questionnaire.definition` for the built-in instrument: the official
    Indonesian text by language code (other languages come from the app's catalog)."""
    assert tuple(e[0] for e in _ELEMENTS) == ELEMENTS
    return {
        "code": SKM_CODE,
        "version": SKM_VERSION,
        "title": {"id": TITLE},
        "form_order": list(FORM_ORDER),
        "elements": [
            {
                "code": code,
                "name": {"id": name},
                "question": {"id": question},
                "labels": {"id": list(labels)},
            }
            for code, name, question, labels in _ELEMENTS
        ],
    }


async def current_questionnaire_id() -> int:
    row = await (
        Questionnaire.select(Questionnaire.id)
        .where(Questionnaire.code == SKM_CODE)
        .order_by(Questionnaire.version, ascending=False)
        .first()
    )
    if row is None:
        raise RuntimeError("the SKM-2017 questionnaire is missing; run the migrations/seed")
    return row["id"]


