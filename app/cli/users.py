"""`suara users add|list|disable|enable|reset-password`: staff accounts (audited, actor
"cli")."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from app.cli.common import console, migrate_first, run_with_database
from feedback.accounts.scope import ROLES

ERRORS = {
    "invalid_email": "not a valid e-mail address",
    "email_taken": "an account with this e-mail address already exists",
    "invalid_name": "the name is too long (at most 120 characters)",
    "unknown_role": "unknown role (officer, unit, agency, city or admin)",
    "scope_required": "role {role} needs --scope: the code of a {kind}",
    "scope_not_allowed": "role {role} has no scope: leave out --scope",
    "unknown_scope": "no {kind} with code {value!r}",
    "password_too_short": "the password must have at least {min} characters",
    "password_too_long": "the password is too long",
    "unknown_user": "no account with e-mail address {email}",
    "self_disable": "you cannot disable your own account",
    "invalid_lang": "language must be id or en",
}


def describe(exc: Any) -> str:
    text = ERRORS.get(exc.code, exc.code)
    try:
        return text.format(**exc.params)
    except (KeyError, IndexError):
        return text


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        console.print("[red]No terminal to ask for the password: use --password-stdin.[/red]")
        return None
    first = getpass.getpass("Password (at least 12 characters): ")
    second = getpass.getpass("Password again: ")
    if first != second:
        console.print("[red]The two passwords differ.[/red]")
        return None
    return first


def cmd_add(args: argparse.Namespace) -> int:
    from feedback.accounts import users
    from feedback.accounts.audit import CLI_ACTOR

    password = _read_password(args)
    if password is None:
        return 2

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            user = await users.create_user(args.email, role=args.role, scope_code=args.scope,
                                           password=password, actor=CLI_ACTOR,
                                           name=args.name or "", lang=args.lang)
        except users.AccountError as exc:
            console.print(f"[red]suara users add: {describe(exc)}[/red]", highlight=False)
            return 2
        scope = f" ({user.scope_code})" if user.scope_code else ""
        console.print(f"Created {user.email}: {user.role}{scope}.", highlight=False)
        return 0

    return run_with_database(job)


def cmd_list(args: argparse.Namespace) -> int:
    from feedback.accounts import users
    from feedback.clock import WITA

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        rows = await users.list_users()
        table = Table("email", "name", "role", "scope", "active", "last sign-in (WITA)")
        for u in rows:
            last = (u.last_sign_in_at.astimezone(WITA).strftime("%Y-%m-%d %H:%M")
                    if u.last_sign_in_at else "never")
            table.add_row(u.email, u.name, u.role, u.scope_code or "-",
                          "yes" if u.active else "no", last)
        Console(width=None if sys.stdout.isatty() else 200).print(table)
        if not rows:
            console.print("No staff accounts yet: suara users add EMAIL --role admin")
        return 0

    return run_with_database(job)


def _change(args: argparse.Namespace, what: str) -> int:
    from feedback.accounts import users
    from feedback.accounts.audit import CLI_ACTOR

    password = None
    if what == "reset":
        password = _read_password(args)
        if password is None:
            return 2

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        try:
            if what == "reset":
                assert password is not None
                user = await users.set_password(args.email, password, actor=CLI_ACTOR)
                console.print(f"New password set for {user.email}; its sessions are ended.",
                              highlight=False)
            else:
                user = await users.set_active(args.email, what == "enable", actor=CLI_ACTOR)
                state = "enabled" if user.active else "disabled; its sessions are ended"
                console.print(f"{user.email} is {state}.", highlight=False)
        except users.AccountError as exc:
            console.print(f"[red]suara users: {describe(exc)}[/red]", highlight=False)
            return 2
        return 0

    return run_with_database(job)


def add_parsers(sub: Any) -> None:
    users = sub.add_parser("users", help="staff accounts: add, list, disable, enable, "
                           "reset-password")
    cmds = users.add_subparsers(dest="users_command", required=True)

    p = cmds.add_parser("add", help="create a staff account")
    p.add_argument("email")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--scope", help="counter code (officer), unit code (unit) or agency code "
                   "(agency); none for city and admin")
    p.add_argument("--name", help="the person's name (default: the e-mail's local part)")
    p.add_argument("--lang", default="id", choices=("id", "en"),
                   help="language of the staff pages (default id)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    p.set_defaults(func=cmd_add)

    p = cmds.add_parser("list", help="list staff accounts")
    p.set_defaults(func=cmd_list)

    p = cmds.add_parser("disable", help="disable an account and end its sessions")
    p.add_argument("email")
    p.set_defaults(func=lambda a: _change(a, "disable"))

    p = cmds.add_parser("enable", help="enable a disabled account")
    p.add_argument("email")
    p.set_defaults(func=lambda a: _change(a, "enable"))

    p = cmds.add_parser("reset-password", help="set a new password and end the account's "
                        "sessions")
    p.add_argument("email")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    p.set_defaults(func=lambda a: _change(a, "reset"))
