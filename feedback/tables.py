"""Piccolo tables. Times are timezone-aware UTC; `day` columns are calendar days in WITA.

Composite unique indexes (unit+day, ...) are created in the migration with raw SQL,
because SQLite cannot add table constraints after CREATE TABLE."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class Agency(Table):
    """A Perangkat Daerah: Dinas, Badan, Kecamatan."""

    code = Varchar(length=40, unique=True)
    name = Varchar(length=200)


class Unit(Table):
    """A public-facing service unit (UPTD Puskesmas, kelurahan office, MPP desk...)."""

    code = Varchar(length=40, unique=True)
    name = Varchar(length=200)
    agency = ForeignKey(on_delete=OnDelete.restrict, references=Agency, null=False)
    peer_group = Varchar(length=40, index=True)
    kecamatan = Varchar(length=60, null=True, default=None)
    # Transactions served per month, for the required sample (Krejcie & Morgan).
    monthly_volume = Integer(null=True, default=None)
    # An inactive unit keeps its history but is no longer offered (its counters neither).
    active = Boolean(default=True)


class Service(Table):
    """A jenis layanan offered by a unit."""

    unit = ForeignKey(on_delete=OnDelete.restrict, references=Unit, null=False, index=True)
    code = Varchar(length=40)
    name_id = Varchar(length=200)
    name_en = Varchar(length=200)
    active = Boolean(default=True)  # inactive: kept for history, no longer offered


class Counter(Table):
    """A loket / touch point. `code` is public (in the QR URL) and not guessable."""

    code = Varchar(length=16, unique=True)
    unit = ForeignKey(on_delete=OnDelete.restrict, references=Unit, null=False, index=True)
    name = Varchar(length=120)
    # A kiosk is a shared tablet: exempt from the per-device interval.
    is_kiosk = Boolean(default=False)
    # HMAC key (hex) shared with this counter's queue machine for offline tokens.
    secret = Varchar(length=64)
    active = Boolean(default=True)
    # Normalised weekly hours, e.g. "mon-fri 08:00-15:30; sat 08:00-12:00" (WITA);
    # None: not given. See feedback.org.hours.
    opening_hours = Varchar(length=200, null=True, default=None)


class Questionnaire(Table):
    """A versioned questionnaire. `definition` holds elements, wording and labels (id/en)."""

    code = Varchar(length=40)
    version = Integer()
    definition = JSONB()
    created_at = Timestamptz()


class Response(Table):
    """One citizen's answers. Never deleted by staff; excluded with a reason instead."""

    counter = ForeignKey(on_delete=OnDelete.restrict, references=Counter, null=False)
    unit = ForeignKey(on_delete=OnDelete.restrict, references=Unit, null=False)
    questionnaire = ForeignKey(on_delete=OnDelete.restrict, references=Questionnaire, null=False)
    service = ForeignKey(on_delete=OnDelete.restrict, references=Service, null=True, default=None)
    # Answers keyed by element code, e.g. {"persyaratan": 4, "waktu": 2}.
    answers = JSONB()
    answered = SmallInt()  # how many SKM elements were answered
    counted = Boolean()  # counts for the official IKM (>= 7 of 9 answered)
    gender = Varchar(length=1, null=True, default=None)
    age_band = Varchar(length=10, null=True, default=None)
    education = Varchar(length=10, null=True, default=None)
    occupation = Varchar(length=20, null=True, default=None)
    comment = Text(null=True, default=None)
    channel = Varchar(length=10)  # qr, ticket, kiosk, web, import
    lang = Varchar(length=2, default="id")
    submitted_at = Timestamptz()
    receipt = Varchar(length=12, unique=True)
    # Client-supplied idempotency key (form nonce): a double submit never stores twice.
    submission_key = Varchar(length=64, unique=True)
    verified = Boolean(default=False)  # came with a valid one-time ticket token
    token = Varchar(length=64, null=True, default=None)
    device_hash = Varchar(length=32, null=True, default=None)  # salted; never a raw IP
    flags = JSONB(default=[])
    excluded = Boolean(default=False)
    excluded_reason = Text(null=True, default=None)


class ImportSource(Table):
    """A source of imported responses (a file name, or `suara import --source`) and the
    content it was last imported with: importing a corrected file of the same source
    supersedes the rows of the earlier one (feedback.ingest.importer)."""

    source = Varchar(length=200, unique=True)
    digest = Varchar(length=64)  # the content digest of the file last imported
    last_row = Integer(default=0)  # its last row number (its submission keys end there)
    imported_at = Timestamptz()


class TicketToken(Table):
    """A one-time token. Server-minted tokens are stored when minted; offline (HMAC)
    tokens are stored when first used, so a second use finds them."""

    code = Varchar(length=64, unique=True)
    counter = ForeignKey(on_delete=OnDelete.restrict, references=Counter, null=False)
    kind = Varchar(length=8)  # server | offline
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    response = ForeignKey(on_delete=OnDelete.restrict, references=Response, null=True, default=None)


class DeviceSeen(Table):
    """Last submission per (counter, device hash): the device interval limit."""

    key = Varchar(length=64, unique=True)
    last_at = Timestamptz()


class RateWindow(Table):
    """Fixed-window request counters shared by every worker process."""

    key = Varchar(length=80, unique=True)
    window = Integer()
    hits = Integer()


class UnitDayStats(Table):
    """Per unit and WITA day, over counted responses: n, the sums of respondent scores
    (s = mean of a respondent's answers) and their squares, and per element how many
    answered 1..4 (columns `<element>_<answer>`). Kept up to date on every submission."""

    unit = ForeignKey(on_delete=OnDelete.restrict, references=Unit, null=False)
    day = Date()
    n = Integer(default=0)
    persyaratan_1 = Integer(default=0)
    persyaratan_2 = Integer(default=0)
    persyaratan_3 = Integer(default=0)
    persyaratan_4 = Integer(default=0)
    prosedur_1 = Integer(default=0)
    prosedur_2 = Integer(default=0)
    prosedur_3 = Integer(default=0)
    prosedur_4 = Integer(default=0)
    waktu_1 = Integer(default=0)
    waktu_2 = Integer(default=0)
    waktu_3 = Integer(default=0)
    waktu_4 = Integer(default=0)
    biaya_1 = Integer(default=0)
    biaya_2 = Integer(default=0)
    biaya_3 = Integer(default=0)
    biaya_4 = Integer(default=0)
    produk_1 = Integer(default=0)
    produk_2 = Integer(default=0)
    produk_3 = Integer(default=0)
    produk_4 = Integer(default=0)
    kompetensi_1 = Integer(default=0)
    kompetensi_2 = Integer(default=0)
    kompetensi_3 = Integer(default=0)
    kompetensi_4 = Integer(default=0)
    perilaku_1 = Integer(default=0)
    perilaku_2 = Integer(default=0)
    perilaku_3 = Integer(default=0)
    perilaku_4 = Integer(default=0)
    pengaduan_1 = Integer(default=0)
    pengaduan_2 = Integer(default=0)
    pengaduan_3 = Integer(default=0)
    pengaduan_4 = Integer(default=0)
    sarana_1 = Integer(default=0)
    sarana_2 = Integer(default=0)
    sarana_3 = Integer(default=0)
    sarana_4 = Integer(default=0)


class UnitDayScore(Table):
    """Per unit and WITA day: histogram of respondent scores as (answered, total) pairs,
    s = total / answered. What the rank-interval bootstrap resamples."""

    unit = ForeignKey(on_delete=OnDelete.restrict, references=Unit, null=False)
    day = Date()
    answered = SmallInt()
    total = SmallInt()
    count = Integer(default=0)


class UnitDayGroup(Table):
    """Per unit, WITA day and breakdown, over counted responses: n and per element how many
    answered 1..4 (the columns of `unit_day_stats`). `dim` is `counter` (key: the counter's
    id), `service` (the service's id), `gender`, `age_band`, `education` or `occupation`
    (the profile code); `-` is the key of responses without one. Kept up to date with
    `unit_day_stats` (feedback.aggregates.daily), read by feedback.aggregates.groups."""

    unit = ForeignKey(on_delete=OnDelete.restrict, references=Unit, null=False)
    day = Date()
    dim = Varchar(length=12)
    key = Varchar(length=40)
    n = Integer(default=0)
    persyaratan_1 = Integer(default=0)
    persyaratan_2 = Integer(default=0)
    persyaratan_3 = Integer(default=0)
    persyaratan_4 = Integer(default=0)
    prosedur_1 = Integer(default=0)
    prosedur_2 = Integer(default=0)
    prosedur_3 = Integer(default=0)
    prosedur_4 = Integer(default=0)
    waktu_1 = Integer(default=0)
    waktu_2 = Integer(default=0)
    waktu_3 = Integer(default=0)
    waktu_4 = Integer(default=0)
    biaya_1 = Integer(default=0)
    biaya_2 = Integer(default=0)
    biaya_3 = Integer(default=0)
    biaya_4 = Integer(default=0)
    produk_1 = Integer(default=0)
    produk_2 = Integer(default=0)
    produk_3 = Integer(default=0)
    produk_4 = Integer(default=0)
    kompetensi_1 = Integer(default=0)
    kompetensi_2 = Integer(default=0)
    kompetensi_3 = Integer(default=0)
    kompetensi_4 = Integer(default=0)
    perilaku_1 = Integer(default=0)
    perilaku_2 = Integer(default=0)
    perilaku_3 = Integer(default=0)
    perilaku_4 = Integer(default=0)
    pengaduan_1 = Integer(default=0)
    pengaduan_2 = Integer(default=0)
    pengaduan_3 = Integer(default=0)
    pengaduan_4 = Integer(default=0)
    sarana_1 = Integer(default=0)
    sarana_2 = Integer(default=0)
    sarana_3 = Integer(default=0)
    sarana_4 = Integer(default=0)


class UnitMonthGroup(Table):
    """`unit_day_group` summed per WITA calendar month (`month`: its first day), kept in the
    same transaction: a period's whole months are read here and only its partial months
    from the days, so a breakdown over a year reads about twelve rows per key, however
    dense the days are (feedback.aggregates.groups)."""

    unit = ForeignKey(on_delete=OnDelete.restrict, references=Unit, null=False)
    month = Date()
    dim = Varchar(length=12)
    key = Varchar(length=40)
    n = Integer(default=0)
    persyaratan_1 = Integer(default=0)
    persyaratan_2 = Integer(default=0)
    persyaratan_3 = Integer(default=0)
    persyaratan_4 = Integer(default=0)
    prosedur_1 = Integer(default=0)
    prosedur_2 = Integer(default=0)
    prosedur_3 = Integer(default=0)
    prosedur_4 = Integer(default=0)
    waktu_1 = Integer(default=0)
    waktu_2 = Integer(default=0)
    waktu_3 = Integer(default=0)
    waktu_4 = Integer(default=0)
    biaya_1 = Integer(default=0)
    biaya_2 = Integer(default=0)
    biaya_3 = Integer(default=0)
    biaya_4 = Integer(default=0)
    produk_1 = Integer(default=0)
    produk_2 = Integer(default=0)
    produk_3 = Integer(default=0)
    produk_4 = Integer(default=0)
    kompetensi_1 = Integer(default=0)
    kompetensi_2 = Integer(default=0)
    kompetensi_3 = Integer(default=0)
    kompetensi_4 = Integer(default=0)
    perilaku_1 = Integer(default=0)
    perilaku_2 = Integer(default=0)
    perilaku_3 = Integer(default=0)
    perilaku_4 = Integer(default=0)
    pengaduan_1 = Integer(default=0)
    pengaduan_2 = Integer(default=0)
    pengaduan_3 = Integer(default=0)
    pengaduan_4 = Integer(default=0)
    sarana_1 = Integer(default=0)
    sarana_2 = Integer(default=0)
    sarana_3 = Integer(default=0)
    sarana_4 = Integer(default=0)


class Indicator(Table):
    """A unit's performance indicator (indikator kinerja)."""

    unit = ForeignKey(on_delete=OnDelete.restrict, references=Unit, null=False)
    code = Varchar(length=80)
    name = Varchar(length=300)
    direction = Varchar(length=6)  # higher | lower
    weight = Float(default=1.0)


class IndicatorValue(Table):
    """Target and actual of an indicator for a period key ("2026", "2026-S1", "2026-Q2",
    "2026-03")."""

    indicator = ForeignKey(on_delete=OnDelete.restrict, references=Indicator, null=False)
    period = Varchar(length=10)
    target = Float()
    actual = Float(null=True, default=None)
    updated_at = Timestamptz()


class IndicatorAudit(Table):
    """Every change to a target or actual: who, when, what it was and what it became."""

    indicator_value = ForeignKey(
        on_delete=OnDelete.restrict, references=IndicatorValue, null=False
    )
    changed_at = Timestamptz()
    changed_by = Varchar(length=120)
    field = Varchar(length=20)
    old_value = Float(null=True, default=None)
    new_value = Float(null=True, default=None)
