"""An illustrative Kota Kupang organisation and simulated SKM responses, for demos.

`load_demo()` fills an EMPTY database (migrated, with the SKM-2017 questionnaire) with:

- agencies and units: Disdukcapil (its counter hall), Dinas Kesehatan (ten UPTD Puskesmas),
  the six kecamatan (each kantor camat and every kelurahan office), DPMPTSP (the Mal
  Pelayanan Publik desks), Dinas PUPR and DLHK (licensing) and the markets;
- services (jenis layanan, Indonesian and English) and counters, some of them kiosks;
- responses over the twelve months before `now`, in WITA office hours, with realistic
  differences between units and between elements, a few incomplete responses, optional
  respondent profiles, short Indonesian comments and verified ticket responses (with the
  offline ticket tokens they used);
- the per-unit, per-day aggregates (`unit_day_stats`, `unit_day_score`), computed with
  `aggregates.deltas` exactly as the submission path would have built them.

Everything is drawn from seeded generators: the same seed gives the same organisation
(counter codes and secrets included) whatever the number of responses, and the same
responses for the same number. The organisation is illustrative: names are real places and
well-known services, the figures are not real.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from feedback.aggregates import daily as aggregates
from feedback.clock import WITA, wita_day
from feedback.engine import transaction
from feedback.survey import skm
from feedback.survey.receipts import new_receipts
from feedback.survey.responses import insert as insert_responses
from feedback.survey.responses import row as response_row
from feedback.survey.skm import current_questionnaire_id
from feedback.survey.submit import Policy
from feedback.survey.tokens import mint_offline
from feedback.tables import (
    Agency,
    Counter,
    Indicator,
    IndicatorValue,
    Response,
    Service,
    TicketToken,
    Unit,
)
from scoring.ikm import ELEMENTS, min_answered

__all__ = [
    "CODE_ALPHABET",
    "DemoError",
    "DemoSummary",
    "KELURAHAN",
    "PlannedAgency",
    "PlannedCounter",
    "PlannedUnit",
    "Simulation",
    "load_demo",
    "plan_organisation",
    "simulate",
]

TOKEN_TTL = Policy().token_ttl  # validity of the demo's ticket tokens

# Public counter codes: no I, O, 0 or 1 (easy to read aloud and to type from a poster).
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
COUNTER_CODE_LENGTH = 8

DAYS_BACK = 365
OFFICE_OPEN_MINUTE = 8 * 60  # 08:00 WITA
WEEKDAY_MINUTES = 7 * 60 + 30  # until 15:30
SATURDAY_MINUTES = 4 * 60  # MPP on Saturday: 08:00-12:00
# Fixed-date national holidays (offices closed). Moving holidays are left out.
HOLIDAYS = ((1, 1), (5, 1), (6, 1), (8, 17), (12, 25))


class DemoError(RuntimeError):
    """The demo cannot be loaded (the database is not empty)."""


@dataclass(frozen=True)
class DemoSummary:
    agencies: int
    units: int
    counters: int
    services: int
    responses: int
    indicators: int = 0


# ---------------------------------------------------------------------------- organisation

# Kecamatan -> kelurahan, as listed in REGULATIONS.md.
KELURAHAN: dict[str, tuple[str, ...]] = {
    "Alak": (
        "Alak", "Batuplat", "Fatufeto", "Mantasi", "Manulai II", "Manutapen", "Naioni",
        "Namosain", "Nunbaun Delha", "Nunbaun Sabu", "Nunhila", "Penkase Oeleta",
    ),
    "Kelapa Lima": ("Kelapa Lima", "Lasiana", "Oesapa", "Oesapa Barat", "Oesapa Selatan"),
    "Kota Raja": (
        "Airnona", "Bakunase", "Bakunase II", "Fontein", "Kuanino", "Naikoten I",
        "Naikoten II", "Nunleu",
    ),
    "Kota Lama": (
        "Air Mata", "Bonipoi", "Fatubesi", "Lai-lai Bisi Kopan", "Merdeka", "Nefonaek", "Oeba",
        "Pasir Panjang", "Solor", "Tode Kisar",
    ),
    "Maulafa": (
        "Belo", "Fatukoa", "Kolhua", "Maulafa", "Naikolan", "Naimata", "Oepura", "Penfui",
        "Sikumana",
    ),
    "Oebobo": (
        "Fatululi", "Kayu Putih", "Liliba", "Oebobo", "Oebufu", "Oetete", "Tuak Daun Merah",
    ),
}

ServiceDef = tuple[str, str, str]  # (code, name id, name en)


@dataclass(frozen=True)
class _CounterDef:
    name: str
    kiosk: bool = False
    services: tuple[str, ...] = ()  # service codes rated here; empty: any of the unit's
    weight: float = 1.0  # share of the unit's responses


@dataclass(frozen=True)
class _UnitDef:
    code: str
    name: str
    peer_group: str
    volume: tuple[int, int]  # monthly transactions, drawn uniformly in [lo, hi]
    services: tuple[ServiceDef, ...]
    counters: tuple[_CounterDef, ...]
    kecamatan: str | None = None
    quality: float | None = None  # fixed latent quality offset; None: drawn at random
    free: float = 0.85  # share of respondents for whom the service was free (biaya = 4)
    queue: bool = False  # has a queue-ticket machine (ticket-verified responses)
    saturday: bool = False  # open on Saturday mornings
    fixed_responses: int | None = None  # a unit with very few responses


@dataclass(frozen=True)
class _AgencyDef:
    code: str
    name: str
    units: tuple[_UnitDef, ...]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


_DUKCAPIL_SERVICES: tuple[ServiceDef, ...] = (
    ("ktp-el", "Perekaman dan Pencetakan KTP-el",
     "Electronic ID card (KTP-el) recording and printing"),
    ("kk", "Penerbitan Kartu Keluarga", "Family card (KK) issuance"),
    ("akta-lahir", "Akta Kelahiran", "Birth certificate"),
    ("akta-mati", "Akta Kematian", "Death certificate"),
    ("pindah-datang", "Surat Keterangan Pindah/Datang", "Moving out / moving in certificate"),
    ("kia", "Kartu Identitas Anak (KIA)", "Child identity card (KIA)"),
    ("akta-kawin", "Akta Perkawinan", "Marriage certificate"),
)

_PUSKESMAS_SERVICES: tuple[ServiceDef, ...] = (
    ("pendaftaran", "Pendaftaran Pasien", "Patient registration"),
    ("poli-umum", "Pemeriksaan Umum", "General outpatient examination"),
    ("kia-kb", "Kesehatan Ibu dan Anak / KB", "Maternal and child health / family planning"),
    ("imunisasi", "Imunisasi", "Immunisation"),
    ("poli-gigi", "Poli Gigi", "Dental clinic"),
    ("farmasi", "Pelayanan Obat (Farmasi)", "Pharmacy"),
    ("lab", "Pemeriksaan Laboratorium", "Laboratory tests"),
)
_PUSKESMAS_COUNTERS = (
    _CounterDef("Pendaftaran", services=("pendaftaran",), weight=1.2),
    _CounterDef("Poli Umum", services=("poli-umum", "kia-kb", "imunisasi", "poli-gigi"),
                weight=1.5),
    _CounterDef("Apotek/Farmasi", services=("farmasi",), weight=1.0),
    _CounterDef("Laboratorium", services=("lab",), weight=0.5),
)

_KELURAHAN_SERVICES: tuple[ServiceDef, ...] = (
    ("sk-domisili", "Surat Keterangan Domisili", "Certificate of domicile"),
    ("pengantar-adminduk", "Surat Pengantar KTP/KK", "Referral letter for ID / family card"),
    ("sktm", "Surat Keterangan Tidak Mampu (SKTM)", "Low-income certificate (SKTM)"),
    ("sku", "Surat Keterangan Usaha", "Business certificate"),
    ("pengantar-nikah", "Surat Pengantar Nikah", "Marriage referral letter"),
    ("sk-kematian", "Surat Keterangan Kematian", "Death notice letter"),
)

_KECAMATAN_SERVICES: tuple[ServiceDef, ...] = (
    ("legalisasi", "Legalisasi Dokumen", "Document legalisation"),
    ("ahli-waris", "Surat Keterangan Ahli Waris", "Certificate of heirs"),
    ("riwayat-tanah", "Surat Keterangan Riwayat Tanah", "Land history certificate"),
    ("izin-keramaian", "Rekomendasi Izin Keramaian", "Recommendation for a public event permit"),
    ("dispensasi-nikah", "Rekomendasi Dispensasi Nikah", "Marriage dispensation recommendation"),
)

_PASAR_SERVICES: tuple[ServiceDef, ...] = (
    ("retribusi", "Retribusi Pelayanan Pasar", "Market service levy"),
    ("los-kios", "Penempatan Los dan Kios", "Stall and kiosk allocation"),
    ("tera-ulang", "Tera Ulang Timbangan", "Scale re-calibration"),
    ("pengaduan-pasar", "Pengaduan Kebersihan dan Keamanan Pasar",
     "Market cleanliness and security complaints"),
)

_ONE_DESK = (_CounterDef("Loket Pelayanan"),)

# (code suffix, desk name, services, monthly volume range, free share, quality, fixed n)
_MPP_DESKS: tuple[tuple[str, str, tuple[ServiceDef, ...], tuple[int, int], float,
                        float | None, int | None], ...] = (
    ("bpjs-kes", "Gerai BPJS Kesehatan", (
        ("jkn-daftar", "Pendaftaran Peserta JKN", "JKN health insurance enrolment"),
        ("jkn-ubah", "Perubahan Data Peserta JKN", "JKN member data changes"),
        ("jkn-info", "Informasi dan Pengaduan JKN", "JKN information and complaints"),
    ), (900, 1500), 0.8, 0.30, None),
    ("bpjs-tk", "Gerai BPJS Ketenagakerjaan", (
        ("jht", "Klaim Jaminan Hari Tua (JHT)", "Old-age savings (JHT) claims"),
        ("bpjstk-daftar", "Pendaftaran Peserta", "Membership registration"),
    ), (400, 800), 0.85, None, None),
    ("samsat", "Samsat (Bapenda Provinsi NTT)", (
        ("pkb", "Pembayaran Pajak Kendaraan Bermotor Tahunan", "Annual vehicle tax payment"),
        ("stnk", "Pengesahan STNK", "Vehicle registration (STNK) validation"),
    ), (1000, 1600), 0.03, -0.30, None),
    ("imigrasi", "Kantor Imigrasi Kelas I TPI Kupang", (
        ("paspor-baru", "Permohonan Paspor Baru", "New passport application"),
        ("paspor-ganti", "Penggantian Paspor", "Passport replacement"),
    ), (300, 600), 0.03, None, None),
    ("bpn", "Kantor Pertanahan Kota Kupang (BPN)", (
        ("cek-sertipikat", "Pengecekan Sertipikat", "Land certificate check"),
        ("balik-nama", "Peralihan Hak (Balik Nama)", "Transfer of land rights"),
        ("info-tanah", "Informasi Pertanahan", "Land information"),
    ), (250, 500), 0.05, -0.20, None),
    ("skck", "Polresta Kupang Kota (SKCK)", (
        ("skck", "Penerbitan SKCK", "Police clearance certificate (SKCK)"),
    ), (600, 1100), 0.05, None, None),
    ("bank-ntt", "Bank NTT", (
        ("rekening", "Pembukaan Rekening", "Opening a bank account"),
        ("bayar-pajak", "Pembayaran Pajak dan Retribusi Daerah", "Paying local taxes and levies"),
    ), (400, 800), 0.5, 0.35, None),
    ("pdam", "Perumda Air Minum Kota Kupang", (
        ("sambungan-baru", "Sambungan Baru", "New water connection"),
        ("pengaduan-air", "Pengaduan Air Tidak Mengalir", "Water supply complaints"),
    ), (300, 600), 0.1, -0.35, None),
    ("pln", "PLN UP3 Kupang", (
        ("pasang-baru", "Pasang Baru dan Tambah Daya", "New connection and power upgrade"),
        ("gangguan", "Pengaduan Gangguan Listrik", "Power outage complaints"),
    ), (300, 600), 0.05, None, None),
    ("pajak", "KPP Pratama Kupang", (
        ("npwp", "Pendaftaran NPWP", "Tax number (NPWP) registration"),
        ("spt", "Bantuan Pelaporan SPT Tahunan", "Help with annual tax returns"),
    ), (250, 500), 0.95, 0.15, None),
    ("dukcapil", "Gerai Disdukcapil", (
        ("ktp-el", "Pencetakan KTP-el", "Electronic ID card (KTP-el) printing"),
        ("kk", "Penerbitan Kartu Keluarga", "Family card (KK) issuance"),
        ("akta-lahir", "Akta Kelahiran", "Birth certificate"),
    ), (600, 1000), 0.9, None, None),
    ("perizinan", "Gerai DPMPTSP Perizinan", (
        ("nib", "Perizinan Berusaha (NIB/OSS)", "Business licensing (NIB/OSS)"),
        ("izin-praktik", "Surat Izin Praktik Tenaga Kesehatan", "Health worker practice permits"),
        ("reklame", "Izin Reklame", "Billboard permits"),
    ), (400, 800), 0.8, 0.20, None),
    ("kemenag", "Kantor Kementerian Agama Kota Kupang", (
        ("haji", "Pendaftaran Haji", "Hajj registration"),
        ("rekom-umrah", "Rekomendasi Paspor Umrah", "Umrah passport recommendation"),
    ), (60, 120), 0.6, None, 21),
    ("bapenda", "Bapenda Kota Kupang (PBB dan BPHTB)", (
        ("pbb", "Pelayanan PBB-P2", "Land and building tax (PBB-P2)"),
        ("bphtb", "Validasi BPHTB", "Land transfer duty (BPHTB) validation"),
    ), (300, 600), 0.15, None, None),
    ("disnaker", "Dinas Tenaga Kerja (Kartu Kuning)", (
        ("ak1", "Kartu Pencari Kerja (AK/I)", "Job seeker card (AK/I)"),
    ), (200, 500), 0.95, 0.10, None),
    ("kejari", "Kejaksaan Negeri Kota Kupang (Tilang)", (
        ("tilang", "Pengambilan Barang Bukti Tilang", "Traffic ticket evidence pick-up"),
    ), (60, 120), 0.1, None, 5),
    ("taspen", "PT Taspen", (
        ("pensiun", "Klaim Pensiun dan Tabungan Hari Tua", "Pension and savings claims"),
    ), (40, 90), 0.95, None, 8),
)

# (name, kecamatan, volume range, quality)
_PUSKESMAS: tuple[tuple[str, str, tuple[int, int], float | None], ...] = (
    ("Oesapa", "Kelapa Lima", (3000, 4000), 0.35),
    ("Pasir Panjang", "Kota Lama", (2000, 3000), None),
    ("Oebobo", "Oebobo", (3000, 4000), 0.15),
    ("Bakunase", "Kota Raja", (2500, 3500), None),
    ("Sikumana", "Maulafa", (2500, 3500), -0.35),
    ("Alak", "Alak", (1800, 2600), None),
    ("Penfui", "Maulafa", (1500, 2500), None),
    ("Kupang Kota", "Kota Lama", (1500, 2500), -0.15),
    ("Naioni", "Alak", (1500, 1800), None),
    ("Manutapen", "Alak", (1500, 2200), None),
)

# Kelurahan with fixed qualities or very few responses (the rest drawn at random).
_KELURAHAN_QUALITY = {"Lasiana": 0.35, "Fatufeto": -0.45, "Oebufu": 0.25, "Oeba": -0.30}
_KELURAHAN_FIXED = {"Naioni": 9, "Penkase Oeleta": 2, "Fatukoa": 17, "Nunbaun Delha": 24}


def _organisation() -> tuple[_AgencyDef, ...]:
    agencies: list[_AgencyDef] = [
        _AgencyDef("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil", (
            _UnitDef(
                "dukcapil-kantor", "Kantor Disdukcapil", "kependudukan", (6000, 7500),
                _DUKCAPIL_SERVICES,
                (
                    _CounterDef("Loket 1 — KTP-el", services=("ktp-el", "kia"), weight=2.5),
                    _CounterDef("Loket 2 — Kartu Keluarga", services=("kk",), weight=1.8),
                    _CounterDef("Loket 3 — Akta Kelahiran", services=("akta-lahir",),
                                weight=1.4),
                    _CounterDef("Loket 4 — Akta Kematian", services=("akta-mati", "akta-kawin"),
                                weight=0.6),
                    _CounterDef("Loket 5 — Pindah Datang", services=("pindah-datang",),
                                weight=0.8),
                    _CounterDef("Kiosk Ruang Tunggu", kiosk=True, weight=1.0),
                ),
                quality=0.08, free=0.9, queue=True,
            ),
        )),
        _AgencyDef("dinkes", "Dinas Kesehatan", tuple(
            _UnitDef(
                f"pkm-{_slug(name)}", f"UPTD Puskesmas {name}", "puskesmas", volume,
                _PUSKESMAS_SERVICES,
                _PUSKESMAS_COUNTERS + (
                    (_CounterDef("Kiosk Ruang Tunggu", kiosk=True, weight=0.8),)
                    if name == "Oebobo" else ()
                ),
                kecamatan=kecamatan, quality=quality, free=0.75, queue=True,
            )
            for name, kecamatan, volume, quality in _PUSKESMAS
        )),
    ]
    camat_quality = {"Alak": -0.25, "Oebobo": 0.2}
    camat_fixed = {"Kota Lama": 27}
    for kecamatan, kelurahan in KELURAHAN.items():
        units = [_UnitDef(
            f"camat-{_slug(kecamatan)}", f"Kantor Camat {kecamatan}", "kecamatan", (150, 400),
            _KECAMATAN_SERVICES, _ONE_DESK, kecamatan=kecamatan,
            quality=camat_quality.get(kecamatan), free=0.9,
            fixed_responses=camat_fixed.get(kecamatan),
        )]
        units += [
            _UnitDef(
                f"kel-{_slug(name)}", f"Kelurahan {name}", "kelurahan", (100, 600),
                _KELURAHAN_SERVICES, _ONE_DESK, kecamatan=kecamatan,
                quality=_KELURAHAN_QUALITY.get(name), free=0.9,
                fixed_responses=_KELURAHAN_FIXED.get(name),
            )
            for name in kelurahan
        ]
        agencies.append(_AgencyDef(f"kec-{_slug(kecamatan)}", f"Kecamatan {kecamatan}",
                                   tuple(units)))
    agencies += [
        _AgencyDef(
            "dpmptsp", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
            tuple(
                _UnitDef(
                    f"mpp-{suffix}", f"MPP — {name}", "mpp", volume, services,
                    (_CounterDef("Loket Pelayanan"),) + (
                        (_CounterDef("Kiosk Survei MPP", kiosk=True, weight=0.5),)
                        if suffix == "perizinan" else ()
                    ),
                    quality=quality, free=free, queue=True, saturday=True,
                    fixed_responses=fixed,
                )
                for suffix, name, services, volume, free, quality, fixed in _MPP_DESKS
            ),
        ),
        _AgencyDef("pupr", "Dinas Pekerjaan Umum dan Penataan Ruang", (
            _UnitDef(
                "pupr-pbg", "Layanan PBG dan SLF", "perizinan", (60, 120), (
                    ("pbg", "Persetujuan Bangunan Gedung (PBG)", "Building approval (PBG)"),
                    ("slf", "Sertifikat Laik Fungsi (SLF)", "Certificate of occupancy (SLF)"),
                    ("krk", "Keterangan Rencana Kota (KRK)", "City planning statement (KRK)"),
                ),
                (_CounterDef("Loket PBG"),), quality=-0.2, free=0.1, fixed_responses=6,
            ),
        )),
        _AgencyDef("dlhk", "Dinas Lingkungan Hidup dan Kebersihan", (
            _UnitDef(
                "dlhk-lingkungan", "Layanan Persetujuan Lingkungan", "perizinan", (30, 60), (
                    ("sppl", "Persetujuan Lingkungan (UKL-UPL/SPPL)",
                     "Environmental approval (UKL-UPL/SPPL)"),
                    ("angkut-sampah", "Layanan Angkutan Sampah", "Waste collection service"),
                ),
                _ONE_DESK, free=0.6, fixed_responses=3,
            ),
        )),
        _AgencyDef("disperindag", "Dinas Perindustrian dan Perdagangan", (
            _UnitDef("pasar-oebobo", "Pasar Oebobo", "pasar", (300, 500), _PASAR_SERVICES,
                     (_CounterDef("Kantor UPT Pasar"),), kecamatan="Oebobo", free=0.15),
            _UnitDef("pasar-oesapa", "Pasar Oesapa", "pasar", (250, 450), _PASAR_SERVICES,
                     (_CounterDef("Kantor UPT Pasar"),), kecamatan="Kelapa Lima",
                     quality=-0.5, free=0.15),
            _UnitDef("pasar-naikoten", "Pasar Kasih Naikoten", "pasar", (300, 500),
                     _PASAR_SERVICES, (_CounterDef("Kantor UPT Pasar"),),
                     kecamatan="Kota Raja", free=0.15),
        )),
    ]
    return tuple(agencies)


@dataclass(frozen=True)
class PlannedCounter:
    code: str
    name: str
    is_kiosk: bool
    secret: str
    services: tuple[str, ...]  # service codes rated at this counter
    weight: float


@dataclass(frozen=True)
class PlannedUnit:
    code: str
    name: str
    peer_group: str
    kecamatan: str | None
    monthly_volume: int
    services: tuple[ServiceDef, ...]
    counters: tuple[PlannedCounter, ...]
    quality: float | None
    free: float
    queue: bool
    saturday: bool
    fixed_responses: int | None


@dataclass(frozen=True)
class PlannedAgency:
    code: str
    name: str
    units: tuple[PlannedUnit, ...] = field(default_factory=tuple)


def plan_organisation(seed: int = 2026) -> tuple[PlannedAgency, ...]:
    """The demo organisation with its seeded counter codes, secrets and volumes (pure)."""
    rng = np.random.default_rng([seed, 1])
    alphabet = np.array(list(CODE_ALPHABET))
    used: set[str] = set()

    def counter_code() -> str:
        while True:
            code = "".join(rng.choice(alphabet, size=COUNTER_CODE_LENGTH))
            if code not in used:
                used.add(code)
                return code

    agencies = []
    for a in _organisation():
        units = []
        for u in a.units:
            volume = int(rng.integers(u.volume[0], u.volume[1] + 1))
            all_services = tuple(s[0] for s in u.services)
            counters = tuple(
                PlannedCounter(
                    code=counter_code(), name=c.name, is_kiosk=c.kiosk,
                    secret=rng.bytes(32).hex(), services=c.services or all_services,
                    weight=c.weight,
                )
                for c in u.counters
            )
            units.append(PlannedUnit(
                code=u.code, name=u.name, peer_group=u.peer_group, kecamatan=u.kecamatan,
                monthly_volume=volume, services=u.services, counters=counters,
                quality=u.quality, free=u.free, queue=u.queue, saturday=u.saturday,
                fixed_responses=u.fixed_responses,
            ))
        agencies.append(PlannedAgency(a.code, a.name, tuple(units)))
    return tuple(agencies)


# ---------------------------------------------------------------------------- simulation

# Latent mean offsets per element (ELEMENTS order): waiting time and facilities lowest,
# officers' behaviour high. Biaya is mostly decided by whether the service was free.
_ELEMENT_OFFSET = np.array([0.05, 0.0, -0.32, 0.10, 0.05, 0.10, 0.22, -0.12, -0.28])
# How likely an element is left unanswered (relative): complaints handling and fees most.
_SKIP_WEIGHT = np.array([1.0, 1.0, 0.8, 1.6, 1.0, 0.8, 0.6, 2.6, 0.8])
_BASE = 3.22
_RESPONDENT_SD = 0.38
_NOISE_SD = 0.46

_PROFILE_P = 0.60
_COMMENT_P = 0.08

_GENDER = (("L", "P"), (0.47, 0.53))
_AGE = (tuple(skm.AGE_BANDS), (0.05, 0.24, 0.28, 0.22, 0.14, 0.07))
_EDU = (tuple(skm.EDUCATION), (0.08, 0.12, 0.40, 0.12, 0.24, 0.035, 0.005))
_OCC = (tuple(skm.OCCUPATIONS), (0.14, 0.02, 0.02, 0.27, 0.25, 0.30))

# Comments, by tone. Negative ones are keyed by the element the respondent rated lowest.
_NEGATIVE: dict[str, tuple[str, ...]] = {
    "persyaratan": (
        "Persyaratan tidak dijelaskan dari awal, jadi harus bolak-balik",
        "Informasi persyaratan di papan pengumuman tidak lengkap",
    ),
    "prosedur": (
        "Alurnya membingungkan, tidak ada petunjuk loket",
        "Disuruh pindah-pindah loket tanpa penjelasan",
    ),
    "waktu": (
        "Antrian terlalu lama",
        "Menunggu hampir tiga jam baru dipanggil",
        "Prosesnya lama, harus datang dua kali",
        "Pelayanan baru mulai jam sembilan, padahal jadwalnya jam delapan",
    ),
    "biaya": (
        "Masih diminta uang administrasi padahal katanya gratis",
        "Biayanya tidak jelas, tolong dipasang daftar tarif",
    ),
    "produk": (
        "Ada salah ketik nama di dokumen, harus diperbaiki lagi",
        "Blanko habis, disuruh kembali minggu depan",
    ),
    "kompetensi": (
        "Petugas tidak bisa menjelaskan prosedur dengan jelas",
        "Sistem sering offline, petugas tidak tahu harus bagaimana",
    ),
    "perilaku": (
        "Petugas kurang ramah",
        "Petugas sibuk main HP saat melayani",
    ),
    "pengaduan": (
        "Tidak tahu harus mengadu ke mana",
        "Kotak saran ada tapi tidak pernah dibuka",
    ),
    "sarana": (
        "Ruang tunggu panas, tolong tambah kipas",
        "Kursi di ruang tunggu kurang, banyak yang berdiri",
        "Toilet kotor dan air tidak mengalir",
        "Tempat parkir sempit",
    ),
}
_NEUTRAL = (
    "Tolong tambah petugas di jam sibuk",
    "Sebaiknya ada layanan online supaya tidak perlu antri",
    "Mohon jam pelayanan diperpanjang sampai sore",
    "Perlu papan informasi alur pelayanan",
    "Pelayanan cukup baik, tapi antrian masih panjang",
    "Semoga ada loket khusus lansia dan disabilitas",
    "Cukup baik, semoga lebih baik lagi",
)
_POSITIVE = (
    "Petugas ramah dan cepat",
    "Pelayanan sangat baik, terima kasih",
    "Prosesnya cepat, tidak sampai setengah jam",
    "Terima kasih, petugas sangat membantu",
    "Pelayanan sudah jauh lebih baik dari tahun lalu",
    "Ruang tunggu bersih dan nyaman",
    "Mantap, pertahankan!",
    "Petugas sabar menjelaskan kepada orang tua saya",
    "Senang ada nomor antrian, jadi tertib",
)
_GROUP_NEGATIVE = {
    "puskesmas": ("Obat yang diresepkan kosong di apotek", "Dokter datang terlambat"),
    "kelurahan": ("Pak Lurah sering tidak di tempat untuk tanda tangan",),
    "pasar": ("Pasar becek dan sampah menumpuk", "Retribusi ditarik tanpa karcis"),
}


def _allocate(units: Sequence[PlannedUnit], total: int, rng: np.random.Generator,
              participation: np.ndarray) -> np.ndarray:
    """Responses per unit: a few units get a fixed small number, the rest share the total
    in proportion to monthly volume times a per-unit participation rate."""
    fixed = np.array([u.fixed_responses or 0 for u in units], dtype=np.int64)
    is_fixed = np.array([u.fixed_responses is not None for u in units])
    if fixed.sum() * 4 > total:  # tiny demos: shrink the fixed ones too
        fixed = np.floor(fixed * total / max(1, 4 * fixed.sum())).astype(np.int64)
    counts = fixed.copy()
    rest = total - int(fixed.sum())
    weights = np.array([u.monthly_volume for u in units], dtype=float) * participation
    weights[is_fixed] = 0.0
    counts += rng.multinomial(rest, weights / weights.sum())
    return counts


def _office_days(now: datetime) -> tuple[np.ndarray, np.ndarray]:
    """WITA dates (as date ordinals) of the weekdays and Saturdays in the window, without
    fixed holidays; the window is the DAYS_BACK whole days up to today (WITA)."""
    today = now.astimezone(WITA).date()
    first = today - timedelta(days=DAYS_BACK - 1)
    weekdays, saturdays = [], []
    for k in range(DAYS_BACK):
        d = first + timedelta(days=k)
        if (d.month, d.day) in HOLIDAYS:
            continue
        if d.weekday() < 5:
            weekdays.append(d.toordinal())
        elif d.weekday() == 5:
            saturdays.append(d.toordinal())
    return np.array(weekdays, dtype=np.int64), np.array(saturdays, dtype=np.int64)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_WITA_OFFSET = 8 * 3600


def _timestamps(n: int, saturday_ok: np.ndarray, now: datetime,
                rng: np.random.Generator) -> np.ndarray:
    """UTC epoch seconds of n visits in WITA office hours within the window, before now."""
    weekdays, saturdays = _office_days(now)
    limit = now.timestamp()
    span = max(1, weekdays[-1] - weekdays[0]) if len(weekdays) else 1

    def day_weights(days: np.ndarray) -> np.ndarray:
        if len(days) == 0:
            return days.astype(float)
        # Uptake grows over the year (a new system); Mondays are busiest, Fridays quieter.
        ramp = 0.55 + 0.65 * (days - days[0]) / span
        dow = np.array([1.25, 1.05, 1.0, 1.0, 0.85, 1.0, 1.0])[(days - 1) % 7]
        w = ramp * dow
        return w / w.sum()

    p_week, p_sat = day_weights(weekdays), day_weights(saturdays)
    # A Saturday morning is about half as busy as a weekday for the desks open then.
    sat_share = 0.5 * len(saturdays) / (len(weekdays) + 0.5 * len(saturdays))
    out = np.empty(n, dtype=np.int64)
    todo = np.arange(n)
    while len(todo):
        k = len(todo)
        on_sat = saturday_ok[todo] & (rng.random(k) < sat_share) & (len(saturdays) > 0)
        day = np.where(on_sat, rng.choice(saturdays, size=k, p=p_sat) if len(saturdays)
                       else 0, rng.choice(weekdays, size=k, p=p_week))
        minutes = np.where(
            on_sat,
            np.floor(rng.beta(1.6, 2.2, size=k) * SATURDAY_MINUTES),
            np.floor(rng.beta(1.8, 3.0, size=k) * WEEKDAY_MINUTES),
        ).astype(np.int64)
        seconds = rng.integers(0, 60, size=k)
        wita_midnight_utc = (day - _EPOCH_ORDINAL) * 86400 - _WITA_OFFSET
        ts = wita_midnight_utc + (OFFICE_OPEN_MINUTE + minutes) * 60 + seconds
        out[todo] = ts
        todo = todo[ts >= limit]  # visits later today than now: draw again
    return out


def _answers(unit_idx: np.ndarray, t_frac: np.ndarray, units: Sequence[PlannedUnit],
             quality: np.ndarray, unit_elem: np.ndarray, trend: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
    """n x 9 answers 1..4, 0 where not answered."""
    n = len(unit_idx)
    e = len(ELEMENTS)
    latent = (
        _BASE + quality[unit_idx, None] + _ELEMENT_OFFSET[None, :] + unit_elem[unit_idx]
        + (trend[unit_idx] * (t_frac - 0.5))[:, None]
        + rng.normal(0.0, _RESPONDENT_SD, size=(n, 1))
        + rng.normal(0.0, _NOISE_SD, size=(n, e))
    )
    answers = np.clip(np.floor(latent + 0.5), 1, 4).astype(np.int8)
    # Biaya: "Gratis" (4) when the service was free for this respondent.
    free = np.array([u.free for u in units])[unit_idx]
    biaya = ELEMENTS.index("biaya")
    answers[:, biaya] = np.where(rng.random(n) < free, 4, answers[:, biaya])
    # Incomplete responses: ~3% skip one or two elements, ~0.5% answer fewer than 7.
    r = rng.random(n)
    n_skip = np.zeros(n, dtype=np.int64)
    few = r < 0.005
    some = (r >= 0.005) & (r < 0.035)
    n_skip[some] = rng.integers(1, 3, size=int(some.sum()))
    # fewer than 7 answered: skip 3..6 (at least 3 answers remain)
    n_skip[few] = rng.integers(e - min_answered() + 1, e - 3 + 1, size=int(few.sum()))
    idx = np.flatnonzero(n_skip)
    if len(idx):
        # Weighted sampling without replacement (Efraimidis-Spirakis keys).
        keys = rng.random((len(idx), e)) ** (1.0 / _SKIP_WEIGHT[None, :])
        order = np.argsort(-keys, axis=1)
        for j, (row, k) in enumerate(zip(idx, n_skip[idx], strict=True)):
            answers[row, order[j, :k]] = 0
    return answers


def _choose(options: tuple[str, ...], p: tuple[float, ...], n: int,
            rng: np.random.Generator) -> np.ndarray:
    p_arr = np.array(p, dtype=float)
    return np.array(options, dtype=object)[rng.choice(len(options), size=n, p=p_arr / p_arr.sum())]


def _comment(answers_row: np.ndarray, group: str, rng: np.random.Generator) -> str:
    given = answers_row[answers_row > 0]
    score = given.mean()
    if score >= 3.4 or (score >= 3.1 and rng.random() < 0.5):
        return _POSITIVE[rng.integers(len(_POSITIVE))]
    if score < 2.8 or rng.random() < 0.4:
        extra = _GROUP_NEGATIVE.get(group, ())
        if extra and rng.random() < 0.3:
            return extra[rng.integers(len(extra))]
        masked = np.where(answers_row > 0, answers_row, 9)
        lowest = np.flatnonzero(masked == masked.min())
        element = ELEMENTS[int(rng.choice(lowest))]
        options = _NEGATIVE[element]
        return options[rng.integers(len(options))]
    return _NEUTRAL[rng.integers(len(_NEUTRAL))]


def _codes(n: int, length: int, alphabet: str, rng: np.random.Generator) -> list[str]:
    """n distinct random codes."""
    letters = np.array(list(alphabet))
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        block = letters[rng.integers(0, len(alphabet), size=(n - len(out), length))]
        for chars in block:
            code = "".join(chars)
            if code not in seen:
                seen.add(code)
                out.append(code)
    return out


@dataclass
class Simulation:
    """Simulated responses in time order, as arrays (built before anything is written)."""

    units: tuple[PlannedUnit, ...]
    unit: np.ndarray  # index into units
    counter: np.ndarray  # counter code
    service: np.ndarray  # service code or None
    answers: np.ndarray  # n x 9, ELEMENTS order, 0 = not answered
    submitted: np.ndarray  # UTC epoch seconds
    channel: np.ndarray
    lang: np.ndarray
    profile: dict[str, np.ndarray]  # gender, age_band, education, occupation (or None)
    comment: np.ndarray  # str or None
    receipt: list[str]
    submission_key: list[str]
    device: np.ndarray  # n x 16 bytes
    token: np.ndarray  # offline ticket token or None
    token_issued: np.ndarray  # UTC epoch seconds the ticket was printed (ticket rows)

    def __len__(self) -> int:
        return len(self.unit)

    def given(self, k: int) -> dict[str, int]:
        return {e: a for e, a in zip(ELEMENTS, self.answers[k].tolist(), strict=True) if a}


def simulate(plan: Sequence[PlannedAgency], responses: int, seed: int,
             now: datetime) -> Simulation:
    """The demo's responses (pure: the same arguments give the same responses)."""
    units = tuple(u for a in plan for u in a.units)
    n_units = len(units)
    # Hidden characteristics of the units: the same for a seed whatever the total.
    hidden = np.random.default_rng([seed, 2])
    quality = hidden.normal(0.0, 0.22, size=n_units)
    for i, u in enumerate(units):
        if u.quality is not None:
            quality[i] = u.quality
    unit_elem = hidden.normal(0.0, 0.15, size=(n_units, len(ELEMENTS)))
    trend = hidden.normal(0.05, 0.18, size=n_units)  # latent change over the year
    participation = hidden.lognormal(0.0, 0.35, size=n_units)

    rng = np.random.default_rng([seed, 3, responses])
    counts = _allocate(units, responses, rng, participation)
    unit_idx = np.repeat(np.arange(n_units), counts)
    n = len(unit_idx)

    saturday_ok = np.array([u.saturday for u in units])[unit_idx]
    ts = _timestamps(n, saturday_ok, now, rng)
    order = np.argsort(ts, kind="stable")
    ts, unit_idx = ts[order], unit_idx[order]
    window_start = now.timestamp() - DAYS_BACK * 86400
    t_frac = np.clip((ts - window_start) / (DAYS_BACK * 86400), 0.0, 1.0)

    answers = _answers(unit_idx, t_frac, units, quality, unit_elem, trend, rng)

    # Counter and service per response.
    counter_of = np.empty(n, dtype=object)
    service_of = np.full(n, None, dtype=object)
    is_kiosk = np.zeros(n, dtype=bool)
    for i, u in enumerate(units):
        rows = np.flatnonzero(unit_idx == i)
        if not len(rows):
            continue
        w = np.array([c.weight for c in u.counters])
        picks = rng.choice(len(u.counters), size=len(rows), p=w / w.sum())
        with_service = rng.random(len(rows)) < 0.88
        for j, c in enumerate(u.counters):
            sel = rows[picks == j]
            counter_of[sel] = c.code
            is_kiosk[sel] = c.is_kiosk
            # Popular services first: weights 1, 1/2, 1/3...
            sw = 1.0 / np.arange(1, len(c.services) + 1)
            chosen = rng.choice(len(c.services), size=len(sel), p=sw / sw.sum())
            named = with_service[picks == j]
            service_of[sel[named]] = np.array(c.services, dtype=object)[chosen[named]]

    queue = np.array([u.queue for u in units])[unit_idx]
    ticket = ~is_kiosk & queue & (rng.random(n) < 0.18)
    channel = np.where(is_kiosk, "kiosk", np.where(ticket, "ticket", "qr"))
    lang = np.where(rng.random(n) < 0.02, "en", "id")

    with_profile = rng.random(n) < _PROFILE_P
    profile = {}
    for name, (options, p) in (("gender", _GENDER), ("age_band", _AGE),
                               ("education", _EDU), ("occupation", _OCC)):
        values = _choose(options, p, n, rng)
        keep = with_profile & (rng.random(n) >= 0.05)
        profile[name] = np.where(keep, values, None)

    comment = np.full(n, None, dtype=object)
    for k in np.flatnonzero(rng.random(n) < _COMMENT_P):
        comment[k] = _comment(answers[k], units[unit_idx[k]].peer_group, rng)

    receipts = new_receipts(n, rng)
    keys = _codes(n, 32, "0123456789abcdef", rng)
    devices = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)

    # Verified responses used an offline ticket token printed by the queue machine
    # 3 minutes to 2 hours before the rating.
    secrets_by_code = {c.code: c.secret for u in units for c in u.counters}
    token = np.full(n, None, dtype=object)
    issued = np.zeros(n, dtype=np.int64)
    seen: set[str] = set()
    for k in np.flatnonzero(ticket):
        issued[k] = ts[k] - int(rng.integers(3, 120)) * 60
        moment = datetime.fromtimestamp(int(issued[k]), UTC)
        while True:
            code = mint_offline(secrets_by_code[counter_of[k]], counter_of[k], moment,
                                int(rng.integers(0, 1 << 24)))
            if code not in seen:
                break
        seen.add(code)
        token[k] = code

    return Simulation(
        units=units, unit=unit_idx, counter=counter_of, service=service_of, answers=answers,
        submitted=ts, channel=channel, lang=lang, profile=profile, comment=comment,
        receipt=receipts, submission_key=keys, device=devices, token=token,
        token_issued=issued,
    )


# ---------------------------------------------------------------------------- loading

_MAX_SQL_VARIABLES = 32_000  # SQLite >= 3.32 allows 32,766; asyncpg at most 32,767


def _batch_size(engine: Engine, columns: int, wanted: int) -> int:
    limit = _MAX_SQL_VARIABLES
    if isinstance(engine, SQLiteEngine) and engine.get_version_sync() < 3.32:
        limit = 999
    return max(1, min(wanted, limit // columns))


async def _insert_chunked(engine: Engine, table: type[Table], instances: list,
                          wanted: int) -> None:
    """ORM inserts of Table instances (the small organisation tables)."""
    size = _batch_size(engine, len(table._meta.columns), wanted)
    for start in range(0, len(instances), size):
        await table.insert(*instances[start:start + size])


_CHUNK = 2000


async def load_demo(
    engine: Engine,
    responses: int = 50_000,
    seed: int = 2026,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> DemoSummary:
    """Load the demo organisation and `responses` simulated responses into an empty,
    migrated database, in one transaction. `progress(k)` is told each time k more
    responses are stored. Raises DemoError if the database already has agencies."""
    if isinstance(responses, bool) or not isinstance(responses, int) or responses < 0:
        raise ValueError(f"responses must be a non-negative integer, got {responses!r}")
    now = datetime.now(UTC) if now is None else now
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    plan = plan_organisation(seed)
    sim = simulate(plan, responses, seed, now)
    # What the responses add to the daily aggregates, keyed by unit index until units have ids.
    day_deltas = aggregates.deltas(
        (int(sim.unit[k]), wita_day(datetime.fromtimestamp(int(sim.submitted[k]), UTC)),
         sim.given(k))
        for k in range(len(sim))
    )

    async with transaction(engine):
        existing = await Agency.count()
        if existing:
            raise DemoError(
                f"the database already has {existing} agencies: the demo is only loaded "
                "into an empty database"
            )
        questionnaire_id = await current_questionnaire_id()

        agency_rows = [Agency(code=a.code, name=a.name) for a in plan]
        await Agency.insert(*agency_rows)
        agency_ids = {r["code"]: r["id"] for r in await Agency.select(Agency.id, Agency.code)}

        unit_rows = [
            Unit(code=u.code, name=u.name, agency=agency_ids[a.code], peer_group=u.peer_group,
                 kecamatan=u.kecamatan, monthly_volume=u.monthly_volume)
            for a in plan for u in a.units
        ]
        await _insert_chunked(engine, Unit, unit_rows, 500)
        unit_ids = {r["code"]: r["id"] for r in await Unit.select(Unit.id, Unit.code)}

        service_rows = [
            Service(unit=unit_ids[u.code], code=code, name_id=name_id, name_en=name_en)
            for a in plan for u in a.units for code, name_id, name_en in u.services
        ]
        await _insert_chunked(engine, Service, service_rows, 1000)
        code_of_unit = {v: k for k, v in unit_ids.items()}
        service_ids = {
            (code_of_unit[r["unit"]], r["code"]): r["id"]
            for r in await Service.select(Service.id, Service.unit, Service.code)
        }

        counter_rows = [
            Counter(code=c.code, unit=unit_ids[u.code], name=c.name, is_kiosk=c.is_kiosk,
                    secret=c.secret, active=True)
            for a in plan for u in a.units for c in u.counters
        ]
        await _insert_chunked(engine, Counter, counter_rows, 1000)
        counter_ids = {r["code"]: r["id"] for r in await Counter.select(Counter.id, Counter.code)}

        # Responses, a chunk at a time (a million responses need no more memory than 2,000).
        unit_id_of = [unit_ids[u.code] for u in sim.units]
        for start in range(0, len(sim), _CHUNK):
            records = []
            for k in range(start, min(start + _CHUNK, len(sim))):
                unit = sim.units[sim.unit[k]]
                answers = sim.given(k)
                service = sim.service[k]
                token = sim.token[k]
                records.append(response_row(
                    counter_id=counter_ids[sim.counter[k]], unit_id=unit_id_of[sim.unit[k]],
                    questionnaire_id=questionnaire_id,
                    service_id=None if service is None else service_ids[(unit.code, service)],
                    answers=answers, gender=sim.profile["gender"][k],
                    age_band=sim.profile["age_band"][k], education=sim.profile["education"][k],
                    occupation=sim.profile["occupation"][k], comment=sim.comment[k],
                    channel=str(sim.channel[k]), lang=str(sim.lang[k]),
                    submitted_at=datetime.fromtimestamp(int(sim.submitted[k]), UTC),
                    receipt=sim.receipt[k], submission_key=sim.submission_key[k],
                    verified=token is not None, token=token,
                    device_hash=sim.device[k].tobytes().hex(),
                ))
            await insert_responses(records)
            if progress is not None:
                progress(len(records))

        await _write_tokens(engine, sim, counter_ids)
        indicators = await _write_kpis(plan, unit_ids, seed, now)
        # The per-unit-day aggregates, written by the submission path's own upserts.
        await aggregates.apply({(unit_id_of[unit], day): delta
                                for (unit, day), delta in day_deltas.items()})

    return DemoSummary(
        agencies=len(agency_rows), units=len(unit_rows), counters=len(counter_rows),
        services=len(service_rows), responses=len(sim), indicators=indicators,
    )


# Illustrative performance indicators per peer group: (name, direction, target, weight).
_KPI_TEMPLATES: dict[str, tuple[tuple[str, str, float, float], ...]] = {
    "puskesmas": (("Cakupan imunisasi dasar lengkap (%)", "higher", 95, 2),
                  ("Kunjungan ibu hamil K4 (%)", "higher", 90, 1),
                  ("Waktu tunggu pendaftaran (menit)", "lower", 30, 1)),
    "kelurahan": (("Surat keterangan selesai tepat waktu (%)", "higher", 90, 2),
                  ("Pengaduan ditindaklanjuti dalam 5 hari kerja (%)", "higher", 85, 1)),
    "kecamatan": (("Surat keterangan selesai tepat waktu (%)", "higher", 90, 2),
                  ("Rata-rata hari proses rekomendasi", "lower", 5, 1)),
    "kependudukan": (("KTP-el tercetak dalam 1 hari (%)", "higher", 90, 2),
                     ("Akta kelahiran selesai tepat waktu (%)", "higher", 95, 1),
                     ("Waktu tunggu (menit)", "lower", 45, 1)),
    "mpp": (("Layanan selesai sesuai SOP (%)", "higher", 95, 2),
            ("Waktu tunggu (menit)", "lower", 20, 1)),
    "perizinan": (("Izin terbit tepat waktu (%)", "higher", 90, 2),
                  ("Rata-rata hari proses izin", "lower", 10, 1)),
    "pasar": (("Retribusi tertagih (%)", "higher", 90, 2),
              ("Pengaduan kebersihan (kasus)", "lower", 12, 1)),
}


async def _write_kpis(plan: Sequence[PlannedAgency], unit_ids: Mapping[str, int], seed: int,
                      now: datetime) -> int:
    """Targets and actuals for last year and this year (and its semesters); a few units have
    not reported this year's actuals yet, and a few set a target below last year's actual."""
    rng = np.random.default_rng([seed, 7])
    year = now.astimezone(WITA).year
    periods = (str(year - 1), str(year), f"{year}-S1", f"{year}-S2")
    values: list[IndicatorValue] = []
    count = 0
    for unit in (u for a in plan for u in a.units):
        templates = _KPI_TEMPLATES.get(unit.peer_group, ())
        skill = float(rng.normal(0.0, 0.08))
        unreported = rng.random() < 0.08
        for name, direction, target, weight in templates:
            indicator = Indicator(unit=unit_ids[unit.code], code=name, name=name,
                                  direction=direction, weight=weight)
            await indicator.save()
            count += 1
            for period in periods:
                achieved = float(np.clip(0.9 + skill + rng.normal(0, 0.05), 0.5, 1.15))
                if direction == "higher":
                    actual = round(min(target * achieved, 100.0 if "%" in name else 1e9), 1)
                else:
                    actual = round(target * (2 - achieved), 1)
                period_target = target
                if period == str(year) and rng.random() < 0.1:
                    period_target = round(target * 0.9, 1)  # a lowered, unambitious target
                missing = unreported and period != str(year - 1)
                values.append(IndicatorValue(indicator=indicator.id, period=period,
                                             target=period_target,
                                             actual=None if missing else actual,
                                             updated_at=now))
    await IndicatorValue.insert(*values)
    return count


async def _write_tokens(engine: Engine, sim: Simulation,
                        counter_ids: dict[str, int]) -> None:
    """The offline ticket tokens the verified responses used, stored as on first use."""
    used = np.flatnonzero(sim.token != None)  # noqa: E711
    if not len(used):
        return
    response_ids = {
        r["receipt"]: r["id"]
        for r in await Response.select(Response.id, Response.receipt)
        .where(Response.verified == True)  # noqa: E712
    }
    records = []
    for k in used:
        issued = datetime.fromtimestamp(int(sim.token_issued[k]) // 60 * 60, UTC)
        records.append([
            sim.token[k], counter_ids[sim.counter[k]], "offline", issued,
            issued + TOKEN_TTL, datetime.fromtimestamp(int(sim.submitted[k]), UTC),
            response_ids[sim.receipt[k]],
        ])
    rows = [TicketToken(code=code, counter=counter, kind=kind, created_at=created,
                        expires_at=expires, used_at=used, response=response)
            for code, counter, kind, created, expires, used, response in records]
    await _insert_chunked(engine, TicketToken, rows, 1000)

