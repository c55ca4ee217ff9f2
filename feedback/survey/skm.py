"""The built-in SKM-2017 instrument (PermenPANRB 14/2017) and the respondent profile.

Wording and answer labels are the regulation's, in Indonesian, with English translations.
Elements are keyed by code; the form asks them in the sample questionnaire's order
(sarana before pengaduan), storage and scoring use the codes only.
"""

from __future__ import annotations

from typing import Any

from feedback.tables import Questionnaire
from scoring.ikm import ELEMENTS

SKM_CODE = "skm-2017"
SKM_VERSION = 1

# (code, unsur name id, question id, question en, labels id 1..4, labels en 1..4)
_ELEMENTS: tuple[tuple[str, str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "persyaratan",
        "Persyaratan",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan "
        "jenis pelayanannya?",
        "How well do the service requirements fit the type of service?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not suitable", "Somewhat unsuitable", "Suitable", "Very suitable"),
    ),
    (
        "prosedur",
        "Sistem, Mekanisme, dan Prosedur",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        "How easy is the service procedure at this unit?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
        ("Not easy", "Somewhat difficult", "Easy", "Very easy"),
    ),
    (
        "waktu",
        "Waktu Penyelesaian",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        "How fast was the service delivered?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
        ("Not fast", "Somewhat slow", "Fast", "Very fast"),
    ),
    (
        "biaya",
        "Biaya/Tarif",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        "How fair is the fee or tariff for the service?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
        ("Very expensive", "Rather expensive", "Cheap", "Free"),
    ),
    (
        "produk",
        "Produk Spesifikasi Jenis Pelayanan",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang "
        "tercantum dalam standar pelayanan dengan hasil yang diberikan?",
        "How well does what you received match the published service standard?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not matching", "Somewhat matching", "Matching", "Fully matching"),
    ),
    (
        "kompetensi",
        "Kompetensi Pelaksana",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "How competent were the officers who served you?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
        ("Not competent", "Somewhat incompetent", "Competent", "Very competent"),
    ),
    (
        "perilaku",
        "Perilaku Pelaksana",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
        "kesopanan dan keramahan?",
        "How polite and friendly were the officers?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
        ("Not polite or friendly", "Somewhat impolite", "Polite and friendly",
         "Very polite and friendly"),
    ),
    (
        "pengaduan",
        "Penanganan Pengaduan, Saran dan Masukan",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        "How are complaints and suggestions from service users handled?",
        ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal",
         "Dikelola dengan baik"),
        ("There is none", "Exists but does not work", "Works, but not fully",
         "Well managed"),
    ),
    (
        "sarana",
        "Sarana dan Prasarana",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        "What is the quality of the facilities?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
        ("Poor", "Fair", "Good", "Very good"),
    ),
)

# The sample questionnaire asks sarana before pengaduan.
FORM_ORDER: tuple[str, ...] = (
    "persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
    "sarana", "pengaduan",
)

# Respondent profile (all optional). value -> (label id, label en)
GENDERS = {"L": ("Laki-laki", "Male"), "P": ("Perempuan", "Female")}
AGE_BANDS = {
    "<20": ("Di bawah 20 tahun", "Under 20"),
    "20-29": ("20–29 tahun", "20–29"),
    "30-39": ("30–39 tahun", "30–39"),
    "40-49": ("40–49 tahun", "40–49"),
    "50-59": ("50–59 tahun", "50–59"),
    "60+": ("60 tahun ke atas", "60 and over"),
}
EDUCATION = {
    "SD": ("SD ke bawah", "Primary or less"),
    "SLTP": ("SLTP", "Junior secondary"),
    "SLTA": ("SLTA", "Senior secondary"),
    "D1-D3": ("D1–D3", "Diploma"),
    "S1": ("S1", "Bachelor"),
    "S2": ("S2", "Master"),
    "S3": ("S3", "Doctorate"),
}
OCCUPATIONS = {
    "PNS": ("PNS", "Civil servant"),
    "TNI": ("TNI", "Armed forces"),
    "POLRI": ("POLRI", "Police"),
    "Swasta": ("Swasta", "Private employee"),
    "Wirausaha": ("Wirausaha", "Self-employed"),
    "Lainnya": ("Lainnya", "Other"),
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
    """The JSON stored in `questionnaire.definition` for the built-in instrument."""
    assert tuple(e[0] for e in _ELEMENTS) == ELEMENTS
    return {
        "code": SKM_CODE,
        "version": SKM_VERSION,
        "title": {
            "id": "Survei Kepuasan Masyarakat (PermenPANRB 14/2017)",
            "en": "Public Satisfaction Survey (PermenPANRB 14/2017)",
        },
        "form_order": list(FORM_ORDER),
        "elements": [
            {
                "code": code,
                "name": {"id": name_id, "en": name_id},
                "question": {"id": q_id, "en": q_en},
                "labels": {"id": list(l_id), "en": list(l_en)},
            }
            for code, name_id, q_id, q_en, l_id, l_en in _ELEMENTS
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


