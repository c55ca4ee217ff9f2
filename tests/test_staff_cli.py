"""`suara users ...` through the real entry point, and the demo accounts."""

from __future__ import annotations

import os
import subprocess
import sys

from feedback.accounts import audit, users
from feedback.accounts.demo import create_demo_accounts
from tests.conftest import TEST_DATABASE_URL
from tests.staff_support import audit_mark, sign_in
from tests.support import make_client
from tests.test_cli import ENTRY_POINT, ROOT

PASSWORD = "a long cli password"


def suara(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=TEST_DATABASE_URL, SUARA_SECRET="test-secret")
    return subprocess.run([sys.executable, "-c", ENTRY_POINT, *args], cwd=ROOT, env=env,
                          input=stdin if stdin is not None else "", capture_output=True,
                          text=True, timeout=120)


async def test_users_add_list_disable_reset(org):
    mark = await audit_mark()
    added = suara("users", "add", "Kepala@Test.id", "--role", "unit", "--scope", "pkm-oesapa",
                  "--name", "Maria Kepala", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "Created kepala@test.id: unit (pkm-oesapa)." in added.stderr
    admin = suara("users", "add", "admin@test.id", "--role", "admin", "--password-stdin",
                  stdin=PASSWORD + "\n")
    assert admin.returncode == 0, admin.stderr
    officer = suara("users", "add", "loket@test.id", "--role", "officer", "--scope",
                    "oesapa01", "--password-stdin", stdin=PASSWORD + "\n")
    assert officer.returncode == 0, officer.stderr  # counter codes in any case

    async with make_client() as client:
        assert (await sign_in(client, "kepala@test.id", PASSWORD)).status_code == 303
        listed = suara("users", "list")
        assert listed.returncode == 0, listed.stderr
        lines = {line.split("│")[1].strip(): line for line in listed.stdout.splitlines()
                 if line.startswith("│")}
        assert set(lines) == {"kepala@test.id", "admin@test.id", "loket@test.id"}
        assert "Maria Kepala" in lines["kepala@test.id"]
        assert "pkm-oesapa" in lines["kepala@test.id"] and "yes" in lines["kepala@test.id"]
        assert "never" in lines["admin@test.id"]
        assert "never" not in lines["kepala@test.id"]  # signed in just now (WITA time)
        assert "OESAPA01" in lines["loket@test.id"]

        disabled = suara("users", "disable", "kepala@test.id")
        assert disabled.returncode == 0 and "sessions are ended" in disabled.stderr
        assert (await client.get("/staf")).status_code == 303  # revoked
        assert "no" in suara("users", "list").stdout.split("kepala@test.id")[1].split("\n")[0]
        assert suara("users", "enable", "kepala@test.id").returncode == 0
        assert (await sign_in(client, "kepala@test.id", PASSWORD)).status_code == 303

        reset = suara("users", "reset-password", "kepala@test.id", "--password-stdin",
                      stdin="another cli password\n")
        assert reset.returncode == 0, reset.stderr
        assert (await client.get("/staf")).status_code == 303  # revoked
        assert (await sign_in(client, "kepala@test.id", PASSWORD)).status_code == 401
        assert (await sign_in(client, "kepala@test.id", "another cli password")
                ).status_code == 303

    rows = [r for r in await audit.entries(after_id=mark) if r["actor"] == "cli"]
    assert sorted(r["action"] for r in rows) == sorted(
        ["user_create"] * 3 + ["user_disable", "user_enable", "password_reset"])


async def test_users_add_errors_exit_2_and_write_nothing(org):
    assert suara("users", "add", "x@test.id", "--role", "city", "--password-stdin",
                 stdin=PASSWORD + "\n").returncode == 0
    cases = [
        (["x@test.id", "--role", "city"], PASSWORD, "already exists"),
        (["y@test.id", "--role", "unit", "--scope", "nope"], PASSWORD, "no unit with code 'nope'"),
        (["y@test.id", "--role", "unit"], PASSWORD, "role unit needs --scope"),
        (["y@test.id", "--role", "city", "--scope", "dinkes"], PASSWORD, "has no scope"),
        (["y@test.id", "--role", "officer", "--scope", "pkm-oesapa"], PASSWORD,
         "no counter with code 'pkm-oesapa'"),
        (["y@test.id", "--role", "city"], "short", "at least 12 characters"),
        (["not-an-email", "--role", "city"], PASSWORD, "not a valid e-mail address"),
        (["y@test.id", "--role", "mayor"], PASSWORD, "invalid choice"),
    ]
    for args, password, message in cases:
        done = suara("users", "add", *args, "--password-stdin", stdin=password + "\n")
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr, (args, done.stderr)
    assert [u.email for u in await users.list_users()] == ["x@test.id"]
    unknown = suara("users", "disable", "nobody@test.id")
    assert unknown.returncode == 2 and "no account with e-mail address" in unknown.stderr
    # Without --password-stdin and without a terminal, it says what to do.
    no_tty = suara("users", "add", "z@test.id", "--role", "city")
    assert no_tty.returncode == 2 and "--password-stdin" in no_tty.stderr


async def test_demo_accounts_one_per_role(org):
    made = await create_demo_accounts()
    assert [(a.role, a.email, a.scope_code) for a in made] == [
        ("officer", "officer@demo.suara.id", "OEBOBO01"),
        ("unit", "unit@demo.suara.id", "pkm-oebobo"),
        ("agency", "agency@demo.suara.id", "dinkes"),
        ("city", "city@demo.suara.id", None),
        ("admin", "admin@demo.suara.id", None),
    ]
    assert len({a.password for a in made}) == 5 and all(len(a.password) >= 12 for a in made)
    async with make_client() as client:
        for account in made:
            done = await sign_in(client, account.email, account.password)
            assert done.status_code == 303, account.role
    assert await create_demo_accounts() == []  # never twice
