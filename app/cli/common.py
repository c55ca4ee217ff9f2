"""What the `suara` subcommands share: the console, opening the database, and checking the
public address that printed codes point to."""

from __future__ import annotations

import asyncio
import ipaddress
import os
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console

console = Console(stderr=True)


def run_with_database(job: Callable[[Any], Awaitable[int]]) -> int:
    """Open the configured database, run `job(engine)`, close it."""
    from feedback import engine as db
    from piccolo_conf import DB

    async def main() -> int:
        await db.start(DB)
        try:
            return await job(DB)
        finally:
            await db.stop(DB)

    return asyncio.run(main())


async def migrate_first(engine: Any, announce: bool = False) -> None:
    """Bring the database up to date. One line is printed when migrations were applied (or
    always, with `announce`); Piccolo's own output is not shown."""
    from feedback.setup import migrate

    report = await migrate()
    if announce or report.applied:
        console.print(report.describe(), highlight=False)


def public_url_problem(url: str) -> tuple[str, str] | None:
    """("local" | "private", why) when citizens' phones cannot (or can only on one network)
    reach `url`; None for a public name or address."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost") or not host:
        return "local", f"{host or url!r} is this computer itself"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None  # a host name: assumed to be what citizens reach
    if ip.is_loopback or ip.is_unspecified:
        return "local", f"{host} is this computer itself"
    if ip.is_private or ip.is_link_local:
        return "private", f"{host} is a private network address"
    return None


def warn_about_public_url(url: str, what: str) -> None:
    """Say loudly when the codes about to be printed would be useless on citizens' phones."""
    problem = public_url_problem(url)
    if problem is None:
        return
    kind, why = problem
    unset = "" if os.environ.get("SUARA_PUBLIC_URL", "").strip() else (
        " (SUARA_PUBLIC_URL is not set, so the default is used)")
    if kind == "local":
        console.print(
            f"[bold red]WARNING: the {what} point to {url}{unset}: {why}, so the printed QR "
            "codes will not open on citizens' phones. Set SUARA_PUBLIC_URL to the address "
            "citizens reach, e.g. SUARA_PUBLIC_URL=https://suara.kupangkota.go.id[/bold red]",
            highlight=False)
    else:
        console.print(
            f"[yellow]Note: the {what} point to {url}: {why}; they open only on phones "
            "connected to that network (e.g. the office Wi-Fi).[/yellow]", highlight=False)
