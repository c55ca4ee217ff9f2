"""The illustrative Kota Kupang demo organisation: agencies, units (with peer groups,
volumes and the hidden characteristics the simulation uses), services and counters, and
`plan_organisation(seed)`, which draws its counter codes, secrets and volumes (pure: the
same seed gives the same organisation). Names are real places and well-known services; the
figures are not real.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from feedback.org.codes import CODE_ALPHABET, COUNTER_CODE_LENGTH

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
