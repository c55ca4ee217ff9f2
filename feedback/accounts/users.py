"""Staff users: creating, listing, disabling and enabling, password resets, and signing in
(throttled and audited). Every change is written to the audit log in the same transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from feedback.accounts import audit, passwords, sessions, throttle
from feedback.accounts.audit import Actor
from feedback.accounts.scope import ROLES, SCOPE_KIND, Scope
from feedback.accounts.tables import StaffUser
from feedback.engine import transaction
from feedback.tables import Agency, Counter, Unit

LANGS = ("id", "en")
MAX_NAME = 120
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A refused account change. `code`: invalid_email, email_taken, invalid_name,
    unknown_role, scope_required, scope_not_allowed, unknown_scope, password_too_short,
    password_too_long, unknown_user, self_disable, invalid_lang."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class UserInfo:
    id: int
    email: str
    name: str
    role: str
    active: bool
    lang: str
    session_version: int
    scope: Scope
    scope_code: str | None  # counter, unit or agency code of the scope; None for city/admin
    scope_name: str | None
    last_sign_in_at: datetime | None
    created_at: datetime


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _check_email(email: str) -> str:
    email = normalise_email(email)
    if len(email) > 254 or not _EMAIL.match(email):
        raise AccountError("invalid_email")
    return email


def _user_query():
    return StaffUser.select(
        *StaffUser.all_columns(exclude=[StaffUser.password_hash]),
        StaffUser.counter.code.as_alias("counter_code"),
        StaffUser.counter.name.as_alias("counter_name"),
        StaffUser.counter.unit.id.as_alias("counter_unit"),
        StaffUser.counter.unit.name.as_alias("counter_unit_name"),
        StaffUser.counter.unit.agency.id.as_alias("counter_agency"),
        StaffUser.unit.code.as_alias("unit_code"),
        StaffUser.unit.name.as_alias("unit_name"),
        StaffUser.unit.agency.id.as_alias("unit_agency"),
        StaffUser.agency.code.as_alias("agency_code"),
        StaffUser.agency.name.as_alias("agency_name"),
    )


def _info(row: dict[str, Any]) -> UserInfo:
    role = row["role"]
    code = name = None
    if role == "officer":
        scope = Scope(role, counter_id=row["counter"], unit_id=row["counter_unit"],
                      agency_id=row["counter_agency"])
        code = row["counter_code"]
        name = f'{row["counter_unit_name"]} — {row["counter_name"]}'
    elif role == "unit":
        scope = Scope(role, unit_id=row["unit"], agency_id=row["unit_agency"])
        code, name = row["unit_code"], row["unit_name"]
    elif role == "agency":
        scope = Scope(role, agency_id=row["agency"])
        code, name = row["agency_code"], row["agency_name"]
    else:
        scope = Scope(role)
    return UserInfo(
        id=row["id"], email=row["email"], name=row["name"], role=role, active=row["active"],
        lang=row["lang"], session_version=row["session_version"], scope=scope,
        scope_code=code, scope_name=name, last_sign_in_at=row["last_sign_in_at"],
        created_at=row["created_at"],
    )


async def get_user(user_id: int) -> UserInfo | None:
    row = await _user_query().where(StaffUser.id == user_id).first()
    return _info(row) if row else None


async def find_user(email: str) -> UserInfo | None:
    row = await _user_query().where(StaffUser.email == normalise_email(email)).first()
    return _info(row) if row else None


async def list_users() -> list[UserInfo]:
    rows = await _user_query().order_by(StaffUser.role).order_by(StaffUser.email)
    order = {role: i for i, role in enumerate(ROLES)}
    return sorted((_info(r) for r in rows), key=lambda u: (order.get(u.role, 9), u.email))


async def scope_choices() -> dict[str, list[tuple[str, str]]]:
    """Every code a scope can name, per kind: (code, label), for forms."""
    counters = await Counter.select(Counter.code, Counter.name, Counter.unit.name).where(
        Counter.active.eq(True)).order_by(Counter.unit.name).order_by(Counter.name)
    units = await Unit.select(Unit.code, Unit.name).order_by(Unit.name)
    agencies = await Agency.select(Agency.code, Agency.name).order_by(Agency.name)
    return {
        "counter": [(c["code"], f"{c['unit.name']} — {c['name']} ({c['code']})")
                    for c in counters],
        "unit": [(u["code"], f"{u['name']} ({u['code']})") for u in units],
        "agency": [(a["code"], f"{a['name']} ({a['code']})") for a in agencies],
    }


async def resolve_scope(role: str, code: str | None) -> dict[Any, Any]:
    """The scope columns for a role and the code of its scope (counter code for officer,
    unit code for unit, agency code for agency, none for city and admin)."""
    if role not in ROLES:
        raise AccountError("unknown_role", role=role)
    kind = SCOPE_KIND[role]
    code = (code or "").strip()
    values: dict[Any, Any] = {StaffUser.counter: None, StaffUser.unit: None,
                              StaffUser.agency: None}
    if kind is None:
        if code:
            raise AccountError("scope_not_allowed", role=role)
        return values
    if not code:
        raise AccountError("scope_required", role=role, kind=kind)
    table, column = {"counter": (Counter, StaffUser.counter), "unit": (Unit, StaffUser.unit),
                     "agency": (Agency, StaffUser.agency)}[kind]
    # Counter codes are upper case; unit and agency codes as stored.
    wanted = code.upper() if kind == "counter" else code
    row = await table.select(table.id).where(table.code == wanted).first()
    if row is None:
        raise AccountError("unknown_scope", kind=kind, value=code)
    values[column] = row["id"]
    return values


def _check_name(name: str, email: str) -> str:
    name = " ".join((name or "").split())
    if len(name) > MAX_NAME:
        raise AccountError("invalid_name")
    return name or email.split("@")[0]


def _check_password(password: str) -> None:
    try:
        passwords.check_new_password(password)
    except passwords.PasswordRejected as exc:
        raise AccountError(f"password_{exc.code}", min=passwords.MIN_LENGTH) from exc


async def create_user(email: str, *, role: str, scope_code: str | None, password: str,
                      actor: Actor, name: str = "", lang: str = "id",
                      now: datetime | None = None) -> UserInfo:
    now = now or datetime.now(UTC)
    email = _check_email(email)
    name = _check_name(name, email)
    if lang not in LANGS:
        raise AccountError("invalid_lang")
    scope_values = await resolve_scope(role, scope_code)
    _check_password(password)
    hashed = await passwords.hash_async(password)
    async with transaction():
        if await StaffUser.exists().where(StaffUser.email == email):
            raise AccountError("email_taken", email=email)
        user = StaffUser(email=email, name=name, role=role, password_hash=hashed, active=True,
                         session_version=1, password_changed_at=now, created_at=now,
                         lang=lang)
        for column, value in scope_values.items():
            setattr(user, column._meta.name, value)
        await user.save()
        await audit.record(actor, "user_create", "staff_user", email, new={
            "name": name, "role": role, "scope": (scope_code or "").strip() or None,
            "active": True, "lang": lang}, at=now)
    info = await get_user(user.id)
    assert info is not None
    return info


async def _require(email: str) -> dict[str, Any]:
    row = await StaffUser.select().where(StaffUser.email == normalise_email(email)).first()
    if row is None:
        raise AccountError("unknown_user", email=email)
    return row


async def set_active(email: str, active: bool, *, actor: Actor,
                     now: datetime | None = None) -> UserInfo:
    """Disable (every session ends at once) or enable an account. Nobody disables
    themself."""
    now = now or datetime.now(UTC)
    async with transaction():
        row = await _require(email)
        if not active and actor.id is not None and actor.id == row["id"]:
            raise AccountError("self_disable")
        if row["active"] != active:
            changes: dict[Any, Any] = {StaffUser.active: active}
            if not active:
                changes[StaffUser.session_version] = row["session_version"] + 1
            await StaffUser.update(changes).where(StaffUser.id == row["id"])
            await audit.record(actor, "user_enable" if active else "user_disable",
                               "staff_user", row["email"], old={"active": row["active"]},
                               new={"active": active}, at=now)
        if not active:
            await sessions.revoke_user(row["id"])
    info = await get_user(row["id"])
    assert info is not None
    return info


async def set_password(email: str, password: str, *, actor: Actor, action: str = "password_reset",
                       now: datetime | None = None) -> UserInfo:
    """A new password (reset by an admin or the CLI, or changed by its owner): every
    session of the account ends."""
    now = now or datetime.now(UTC)
    _check_password(password)
    hashed = await passwords.hash_async(password)
    async with transaction():
        row = await _require(email)
        await StaffUser.update({
            StaffUser.password_hash: hashed, StaffUser.password_changed_at: now,
            StaffUser.session_version: row["session_version"] + 1,
        }).where(StaffUser.id == row["id"])
        await sessions.revoke_user(row["id"])
        await audit.record(actor, action, "staff_user", row["email"],
                           old={"password_changed_at": _iso(row["password_changed_at"])},
                           new={"password_changed_at": _iso(now)}, at=now)
    info = await get_user(row["id"])
    assert info is not None
    return info


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


# Signing in ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: `user` when it succeeded; `retry_after` when it was
    refused by the throttle; else a failure (the reason is only audited, never shown)."""

    user: UserInfo | None = None
    retry_after: timedelta | None = None
    reason: str | None = None


async def sign_in(email: str, password: str, *, network: str, now: datetime | None = None
                  ) -> SignIn:
    now = now or datetime.now(UTC)
    email = normalise_email(email)[:254]
    account = throttle.account_key(email)
    net = throttle.network_key(network)
    limits = [throttle.Limit(account, throttle.ACCOUNT_LIMIT),
              throttle.Limit(net, throttle.NETWORK_LIMIT)]
    row = await StaffUser.select(StaffUser.id, StaffUser.password_hash, StaffUser.active
                                 ).where(StaffUser.email == email).first() if email else None
    actor = Actor(email=email or "-", id=row["id"] if row else None, network=network)
    wait = await throttle.blocked(limits, now)
    if wait is not None:
        await audit.record(actor, "sign_in_failed", "staff_user", email or "-",
                           new={"reason": "throttled"}, at=now)
        return SignIn(retry_after=wait, reason="throttled")
    ok = await passwords.verify_async(row["password_hash"] if row else None, password)
    reason = None
    if row is None:
        reason = "unknown_email"
    elif not ok:
        reason = "wrong_password"
    elif not row["active"]:
        reason = "disabled"
    if reason is not None:
        await throttle.add_failure([account, net], now)
        await audit.record(actor, "sign_in_failed", "staff_user", email or "-",
                           new={"reason": reason}, at=now)
        return SignIn(reason=reason)
    assert row is not None
    changes: dict[Any, Any] = {StaffUser.last_sign_in_at: now}
    if passwords.needs_rehash(row["password_hash"]):
        changes[StaffUser.password_hash] = await passwords.hash_async(password)
    async with transaction():
        await StaffUser.update(changes).where(StaffUser.id == row["id"])
        await throttle.clear(account)
        await audit.record(actor, "sign_in", "staff_user", email, new={"outcome": "ok"},
                           at=now)
    # Housekeeping at each sign-in: sessions and throttle windows that have run out.
    await sessions.purge(now)
    await throttle.purge(now)
    user = await get_user(row["id"])
    return SignIn(user=user)


async def record_sign_out(user: UserInfo | Any, network: str | None,
                          now: datetime | None = None) -> None:
    await audit.record(Actor(email=user.email, id=user.id, network=network), "sign_out",
                       "staff_user", user.email, at=now)


async def change_own_password(user_id: int, current: str, new: str, *, network: str,
                              now: datetime | None = None) -> SignIn:
    """A signed-in user changes their own password: the current one is checked (failures
    count toward the account's sign-in throttle and are audited); every session of the
    account ends (the caller starts a fresh one). Raises AccountError for a new password
    that breaks the rules."""
    now = now or datetime.now(UTC)
    row = await StaffUser.select(StaffUser.email, StaffUser.password_hash).where(
        StaffUser.id == user_id).first()
    if row is None:
        raise AccountError("unknown_user", email=str(user_id))
    account = throttle.account_key(row["email"])
    actor = Actor(email=row["email"], id=user_id, network=network)
    wait = await throttle.blocked([throttle.Limit(account, throttle.ACCOUNT_LIMIT)], now)
    if wait is not None:
        return SignIn(retry_after=wait, reason="throttled")
    if not await passwords.verify_async(row["password_hash"], current):
        await throttle.add_failure([account], now)
        await audit.record(actor, "password_change_failed", "staff_user", row["email"],
                           new={"reason": "wrong_password"}, at=now)
        return SignIn(reason="wrong_password")
    user = await set_password(row["email"], new, actor=actor, action="password_change",
                              now=now)
    return SignIn(user=user)
