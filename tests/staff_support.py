"""Helpers for staff-side tests: accounts per role on the small organisation, signing in
through the real form (with its CSRF token), and reading a page's CSRF token."""

from __future__ import annotations

import re
from typing import Any

from feedback.accounts import users
from feedback.accounts.audit import CLI_ACTOR
from feedback.accounts.tables import AuditLog

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="_csrf_token" value="([^"]*)"')

# role -> (e-mail, scope code) on tests.support.seed_small_org's organisation
ROLE_ACCOUNTS: dict[str, tuple[str, str | None]] = {
    "officer": ("officer@test.id", "OESAPA01"),
    "unit": ("unit@test.id", "pkm-oesapa"),
    "agency": ("agency@test.id", "dinkes"),
    "city": ("city@test.id", None),
    "admin": ("admin@test.id", None),
}


async def make_user(role: str, email: str | None = None, scope: str | None = None,
                    password: str = PASSWORD) -> users.UserInfo:
    default_email, default_scope = ROLE_ACCOUNTS[role]
    return await users.create_user(email or default_email, role=role,
                                   scope_code=scope if scope is not None else default_scope,
                                   password=password, actor=CLI_ACTOR, name=f"Test {role}")


async def make_all_roles() -> dict[str, users.UserInfo]:
    return {role: await make_user(role) for role in ROLE_ACCOUNTS}


def token_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


async def csrf(client: Any, path: str = "/staf/masuk") -> str:
    page = await client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return token_of(page.text)


async def sign_in(client: Any, email: str, password: str = PASSWORD, **form: str) -> Any:
    token = await csrf(client)
    return await client.post("/staf/masuk", data={"email": email, "password": password,
                                                  "_csrf_token": token, **form})


async def signed_in_as(client: Any, role: str) -> str:
    """Sign in as the role's test account; the CSRF token for further forms."""
    done = await sign_in(client, ROLE_ACCOUNTS[role][0])
    assert done.status_code == 303, done.text[-500:]
    return client.cookies.get("sl_csrf")  # the form token equals the cookie's value


async def audit_mark() -> int:
    """The newest audit row id now (the log is never wiped: tests look at rows after it)."""
    row = await AuditLog.select(AuditLog.id).order_by(AuditLog.id, ascending=False).first()
    return row["id"] if row else 0
