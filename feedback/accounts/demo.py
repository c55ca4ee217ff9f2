"""One demo account per role for the demo city, with random passwords (shown once)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from feedback.accounts import users
from feedback.accounts.audit import Actor
from feedback.accounts.tables import StaffUser
from feedback.tables import Agency, Counter, Unit

DEMO_DOMAIN = "demo.suara.id"
DEMO_AGENCY = "dinkes"  # Dinas Kesehatan
DEMO_ACTOR = Actor(email="demo")


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    scope_code: str | None


async def _demo_scopes() -> dict[str, str | None]:
    """officer: a non-kiosk counter of the first puskesmas of Dinas Kesehatan; unit: that
    puskesmas; agency: Dinas Kesehatan."""
    agency = await Agency.select(Agency.id, Agency.code).where(Agency.code == DEMO_AGENCY
                                                               ).first()
    if agency is None:
        agency = await Agency.select(Agency.id, Agency.code).order_by(Agency.id).first()
    if agency is None:
        raise LookupError("no organisation: load the demo data first")
    unit = await Unit.select(Unit.id, Unit.code).where(
        (Unit.agency == agency["id"]) & Unit.active.eq(True)).order_by(Unit.code).first()
    if unit is None:
        raise LookupError(f"agency {agency['code']} has no unit")
    counter = await Counter.select(Counter.code).where(
        (Counter.unit == unit["id"]) & Counter.active.eq(True)
    ).order_by(Counter.is_kiosk).order_by(Counter.id).first()
    if counter is None:
        raise LookupError(f"unit {unit['code']} has no counter")
    return {"officer": counter["code"], "unit": unit["code"], "agency": agency["code"],
            "city": None, "admin": None}


async def create_demo_accounts() -> list[DemoAccount]:
    """Create officer@, unit@, agency@, city@ and admin@demo.suara.id with fresh random
    passwords; accounts that already exist are left alone (and not returned)."""
    scopes = await _demo_scopes()
    made = []
    for role, code in scopes.items():
        email = f"{role}@{DEMO_DOMAIN}"
        if await StaffUser.exists().where(StaffUser.email == email):
            continue
        password = secrets.token_urlsafe(12)  # 16 characters, 96 bits
        names = {"officer": "Petugas Loket (demo)", "unit": "Kepala Unit (demo)",
                 "agency": "Kepala Dinas (demo)", "city": "Bagian Organisasi (demo)",
                 "admin": "Administrator (demo)"}
        await users.create_user(email, role=role, scope_code=code, password=password,
                                actor=DEMO_ACTOR, name=names[role])
        made.append(DemoAccount(role=role, email=email, password=password, scope_code=code))
    return made
