"""A handful of complaint cases in the demo, so that a fresh demo shows the case workflow.

`open_demo_cases(seed, now)` picks low-rated responses from the demo's last `WINDOW_DAYS`
days (any element rated 1, or an IKM-scale score below 65: the opening rule of a complaint
with contact), gives each a (fictitious, clearly fake) contact and opens its case at the
response's time, then takes the staff steps of one scenario per case at their own (past)
times, and finally runs the overdue sweep at `now`:

| scenario | age (working days) | what happened |
|---|---|---|
| fresh | 0–2 | open, verification still due |
| late | 4–7 | open past its verification deadline: the sweep lifted it to the agency |
| verified | 2–7 | verified the next working day |
| answered | 2–9 | verified and answered: the reply waits for the citizen |
| forwarded | 2–7 | forwarded by the agency to the demo's own puskesmas, then verified |
| escalated | 2–7 | escalated by the unit to the agency, with a reason |
| resolved | 4–30 | answered, then closed as resolved |
| invalid | 2–30 | closed at verification as invalid |
| follow_up_missed | 9–30 | verified, no follow-up: the sweep lifted it to the city |
| no_reply | 12–30 | answered; the citizen never answered: the sweep closed it (no_reply) |

Candidates of the demo agency (Dinas Kesehatan, the demo accounts' agency) come first, those
with a comment before those without. Each scenario takes a seeded-random candidate whose
age fits (none fits: the scenario is left out), so the same seed and the same responses
give the same cases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import numpy as np

from feedback.accounts.audit import Actor
from feedback.accounts.scope import Scope
from feedback.cases import clocks, work
from feedback.cases.events import open_case
from feedback.cases.tables import CaseContact, CaseFile
from feedback.clock import WITA, wita_day
from feedback.engine import transaction
from feedback.tables import Agency, Response, Unit

WINDOW_DAYS = 45
DEMO_AGENCY = "dinkes"
DEMO_DOMAIN = "demo.suara.id"
CONSENT_VERSION = "demo"  # the demo's contacts were not given by anyone
# (name, youngest, oldest) in working days between the opening day and today (WITA)
# (a step k working days after the opening needs an age above k: it is never in the future)
SCENARIOS = (("fresh", 0, 2), ("late", 4, 7), ("verified", 2, 7), ("answered", 2, 9),
             ("forwarded", 2, 7), ("escalated", 2, 7), ("resolved", 4, 30),
             ("invalid", 2, 30), ("follow_up_missed", 9, 30), ("no_reply", 12, 30))
REPLY = ("Terima kasih atas masukan Bapak/Ibu. Kami sudah menambah petugas di loket "
         "pendaftaran pada jam sibuk (08.00–11.00) dan memasang papan alur layanan. "
         "Mohon kabari kami bila masih terjadi.")
CLOSE_RESOLVED = "Petugas tambahan sudah bertugas; antrean pagi kini rata-rata 20 menit."
CLOSE_INVALID = "Keluhan ini tentang layanan instansi lain; warga sudah kami arahkan."
ESCALATE = "Perbaikan ruang tunggu memerlukan anggaran dinas."
FORWARD = "Layanan ini ditangani Puskesmas tujuan."


@dataclass(frozen=True)
class DemoCases:
    opened: int
    scenarios: dict[str, str]  # scenario -> receipt


def is_low(answers: dict[str, Any]) -> bool:
    """Any element rated 1, or an IKM-scale score (mean × 25) below 65."""
    values = [int(v) for v in answers.values() if v not in (None, "")]
    return bool(values) and (min(values) == 1 or sum(values) / len(values) * 25 < 65)


def _at(cal: Any, opened: datetime, working_days: int, hour: int = 10) -> datetime:
    """10:00 WITA on the `working_days`-th working day after the opening day."""
    day = cal.add_working_days(wita_day(opened), working_days)
    return datetime.combine(day, time(hour), tzinfo=WITA)


async def _candidates(now: datetime) -> list[dict[str, Any]]:
    rows = await Response.select(
        Response.id, Response.receipt, Response.counter, Response.unit, Response.answers,
        Response.comment, Response.submitted_at, Response.unit.agency.as_alias("agency_id"),
    ).where((Response.submitted_at >= now - timedelta(days=WINDOW_DAYS))
            & (Response.submitted_at <= now)
            & (Response.excluded == False)  # noqa: E712
            ).order_by(Response.submitted_at).order_by(Response.id)
    taken = {r["response_id"] for r in await CaseFile.select(CaseFile.response_id)}
    out = []
    for row in rows:
        answers = row["answers"]
        if isinstance(answers, str):
            answers = json.loads(answers)
        if row["id"] not in taken and is_low(answers):
            row["comment"] = (row["comment"] or "").strip()
            out.append(row)
    return out


async def open_demo_cases(seed: int, now: datetime) -> DemoCases:
    """Open and work the demo's cases (module docstring); nothing when no response fits."""
    cal = await clocks.calendar()
    today = wita_day(now)
    agency = await Agency.select(Agency.id).where(Agency.code == DEMO_AGENCY).first()
    home_agency = agency["id"] if agency else None
    home = await Unit.select(Unit.id, Unit.code, Unit.agency).where(
        (Unit.agency == home_agency) & Unit.active.eq(True)).order_by(Unit.code).first()
    rng = np.random.default_rng([seed, 10])
    candidates = await _candidates(now)
    age = {r["id"]: cal.working_days_between(wita_day(r["submitted_at"]), today)
           for r in candidates}
    chosen: dict[str, dict[str, Any]] = {}
    used: set[int] = set()
    for name, youngest, oldest in SCENARIOS:
        fits = [r for r in candidates if r["id"] not in used
                and youngest <= age[r["id"]] <= oldest]
        if name == "forwarded" and home is not None:  # comes from another unit
            fits = [r for r in fits if r["unit"] != home["id"]]
        tiers = ([r for r in fits if r["agency_id"] == home_agency and r["comment"]],
                 [r for r in fits if r["agency_id"] == home_agency],
                 [r for r in fits if r["comment"]], fits)
        pool = next((tier for tier in tiers if tier), [])
        if pool:
            pick = pool[int(rng.integers(len(pool)))]
            chosen[name] = pick
            used.add(pick["id"])
    for number, (name, row) in enumerate(chosen.items()):
        opened = row["submitted_at"]
        async with transaction():
            await open_case(response_id=row["id"], receipt=row["receipt"],
                            counter_id=row["counter"], unit_id=row["unit"],
                            agency_id=row["agency_id"], reason="low_rating",
                            opened_at=opened, cal=cal)
            await CaseContact.insert(CaseContact(
                response_id=row["id"], kind="phone", value=f"+62812000{number:05d}",
                consent_version=CONSENT_VERSION, consented_at=opened))
        await _play(name, row, home, cal)
    await work.sweep(now)
    return DemoCases(len(chosen), {name: row["receipt"] for name, row in chosen.items()})


async def _play(name: str, row: dict[str, Any], home: dict[str, Any] | None,
                cal: Any) -> None:
    """The staff steps of one scenario, each at its own time after the opening."""
    receipt, opened = row["receipt"], row["submitted_at"]
    unit_scope = Scope("unit", unit_id=row["unit"], agency_id=row["agency_id"])
    agency_scope = Scope("agency", agency_id=row["agency_id"])
    unit = Actor(email=f"unit@{DEMO_DOMAIN}")
    agency = Actor(email=f"agency@{DEMO_DOMAIN}")
    if name in ("verified", "follow_up_missed"):
        await work.verify(receipt, unit, unit_scope, _at(cal, opened, 1))
    elif name in ("answered", "no_reply"):
        await work.verify(receipt, unit, unit_scope, _at(cal, opened, 1, 9))
        await work.reply(receipt, REPLY, unit, unit_scope, _at(cal, opened, 1, 14))
    elif name == "resolved":
        await work.reply(receipt, REPLY, unit, unit_scope, _at(cal, opened, 1))
        await work.close(receipt, "resolved", CLOSE_RESOLVED, unit, unit_scope,
                         _at(cal, opened, 3))
    elif name == "invalid":
        await work.close(receipt, "invalid", CLOSE_INVALID, unit, unit_scope,
                         _at(cal, opened, 1))
    elif name == "escalated":
        await work.escalate(receipt, ESCALATE, unit, unit_scope, _at(cal, opened, 1, 9))
        await work.verify(receipt, unit, unit_scope, _at(cal, opened, 1, 11))
    elif name == "forwarded" and home is not None:
        target = Scope("unit", unit_id=home["id"], agency_id=home["agency"])
        if home["agency"] == row["agency_id"]:
            await work.forward(receipt, home["code"], FORWARD, agency, agency_scope,
                               _at(cal, opened, 1, 9))
        else:
            await work.forward(receipt, home["code"], FORWARD, Actor(f"city@{DEMO_DOMAIN}"),
                               Scope("city"), _at(cal, opened, 1, 9))
        await work.verify(receipt, Actor(f"unit@{DEMO_DOMAIN}"), target,
                          _at(cal, opened, 1, 11))
