"""An illustrative Kota Kupang organisation and simulated SKM responses, for demos.

`load_demo()` fills an EMPTY database (migrated, with the SKM-2017 questionnaire) with:

- agencies and units: Disdukcapil (its counter hall), Dinas Kesehatan (ten UPTD Puskesmas),
  the six kecamatan (each kantor camat and every kelurahan office), DPMPTSP (the Mal
  Pelayanan Publik desks), Dinas PUPR and DLHK (licensing) and the markets;
- services (jenis layanan, Indonesian and English) and counters, some of them kiosks;
- responses over the twelve months before `now`, in WITA office hours, with realistic
  differences between units and between elements, a few incomplete responses, optional
  respondent profiles, comments of every kind (sampled from the labelled corpus: every SKM
  element and `lainnya` with every sentiment, a few urgent ones, a few with personal data
  for the masking; `feedback.demo.comments`) and verified ticket responses (with the
  offline ticket tokens they used);
- from 1,000 responses, a little ballot stuffing (`feedback.demo.stuffing`): one or two
  episodes of about 40 ratings of all 4s within 15 minutes at one counter, 8 to 30 days
  back, which `suara integrity scan --from D --to D` flags;
- the per-unit, per-day aggregates (`unit_day_stats`, `unit_day_score`) and their
  breakdowns (`unit_day_group`): the deltas the submission path would have built
  (`aggregates.deltas_from_arrays` and `group_arrays`, equal to `aggregates.deltas`),
  written with its upserts;
- about ten complaint cases of the last weeks in every state of the workflow, with fake
  contacts (`feedback.demo.cases`).

Everything is drawn from seeded generators: the same seed gives the same organisation
(counter codes and secrets included) whatever the number of responses, and the same
responses for the same number. The organisation is illustrative: names are real places and
well-known services, the figures are not real.

The organisation is planned in `feedback.demo.organisation`, the responses simulated in
`feedback.demo.simulation` (both pure); this module writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from feedback.aggregates import daily as aggregates
from feedback.clock import WITA
from feedback.demo.cases import open_demo_cases
from feedback.demo.organisation import (
    KELURAHAN,
    PlannedAgency,
    PlannedCounter,
    PlannedUnit,
    plan_organisation,
)
from feedback.demo.simulation import Simulation, simulate
from feedback.engine import db, transaction
from feedback.org.codes import CODE_ALPHABET
from feedback.survey.responses import insert as insert_responses
from feedback.survey.responses import row as response_row
from feedback.survey.skm import current_questionnaire_id
from feedback.survey.submit import Policy
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
    cases: int = 0


# ---------------------------------------------------------------------------- loading

_MAX_SQL_VARIABLES = 32_000  # SQLite >= 3.32 allows 32,766; asyncpg at most 32,767


def _batch_size(columns: int, wanted: int) -> int:
    limit = _MAX_SQL_VARIABLES
    engine = db()
    if isinstance(engine, SQLiteEngine) and engine.get_version_sync() < 3.32:
        limit = 999
    return max(1, min(wanted, limit // columns))


async def _insert_chunked(table: type[Table], instances: list,
                          wanted: int) -> None:
    """ORM inserts of Table instances (the small organisation tables)."""
    size = _batch_size(len(table._meta.columns), wanted)
    for start in range(0, len(instances), size):
        await table.insert(*instances[start:start + size])


_CHUNK = 2000


async def load_demo(
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

    async with transaction():
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
        await _insert_chunked(Unit, unit_rows, 500)
        unit_ids = {r["code"]: r["id"] for r in await Unit.select(Unit.id, Unit.code)}

        service_rows = [
            Service(unit=unit_ids[u.code], code=code, name_id=name_id, name_en=name_en)
            for a in plan for u in a.units for code, name_id, name_en in u.services
        ]
        await _insert_chunked(Service, service_rows, 1000)
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
        await _insert_chunked(Counter, counter_rows, 1000)
        counter_ids = {r["code"]: r["id"] for r in await Counter.select(Counter.id, Counter.code)}

        # Responses, a chunk at a time (a million responses need no more memory than 2,000).
        unit_id_of = [unit_ids[u.code] for u in sim.units]
        day_deltas, group_deltas = _day_deltas(sim, unit_id_of, counter_ids, service_ids)
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

        await _write_tokens(sim, counter_ids)
        indicators = await _write_kpis(plan, unit_ids, seed, now)
        # The per-unit-day aggregates, written by the submission path's own upserts.
        await aggregates.apply(day_deltas)
        await aggregates.apply_groups(group_deltas)

    cases = await open_demo_cases(seed, now)  # a few complaints in every state (cases.py)
    return DemoSummary(
        agencies=len(agency_rows), units=len(unit_rows), counters=len(counter_rows),
        services=len(service_rows), responses=len(sim), indicators=indicators,
        cases=cases.opened,
    )


def _day_deltas(sim: Simulation, unit_id_of: Sequence[int], counter_ids: Mapping[str, int],
                service_ids: Mapping[tuple[str, str], int]
                ) -> tuple[dict[tuple[int, date], aggregates.DayDelta], aggregates.GroupArrays]:
    """What the responses add to the daily aggregates and their breakdowns: the deltas
    `aggregates.deltas` would build for them on the submission path (with the group keys
    of `aggregates.group_keys`), computed on the simulation's arrays; the breakdowns stay
    arrays (`aggregates.apply_groups` writes them)."""
    days = (sim.submitted.astype(np.int64) + _WITA_OFFSET) // 86_400 + _EPOCH_ORDINAL
    unit_codes = [u.code for u in sim.units]

    def keys(values: Sequence[Any]) -> np.ndarray:
        return np.array([aggregates.NONE_KEY if v is None else str(v) for v in values])

    groups = {
        "counter": keys([counter_ids[c] for c in sim.counter.tolist()]),
        "service": keys([None if s is None else service_ids[(unit_codes[u], s)]
                         for u, s in zip(sim.unit.tolist(), sim.service.tolist(),
                                         strict=True)]),
        **{dim: keys(sim.profile[dim].tolist())
           for dim in ("gender", "age_band", "education", "occupation")},
    }
    units = np.asarray(unit_id_of)[sim.unit]
    return (aggregates.deltas_from_arrays(units, days, sim.answers),
            aggregates.group_arrays(units, days, sim.answers, groups))


_WITA_OFFSET = 8 * 3600  # WITA is UTC+8 all year (no daylight saving time)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


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


async def _write_tokens(sim: Simulation,
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
    await _insert_chunked(TicketToken, rows, 1000)

