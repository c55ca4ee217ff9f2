"""`suara qr` and `suara tokens`: printable posters and one-time ticket stubs."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.cli.common import console, migrate_first, run_with_database, warn_about_public_url
from feedback.clock import WITA
from feedback.org.counters import load_counter
from feedback.survey.tickets import mint_server_tokens


def cmd_qr(args: argparse.Namespace) -> int:
    from app.output.posters import PosterItem, render_posters
    from app.settings import from_env
    from feedback.org.directory import counters_for_posters

    public_url = from_env().public_url

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        rows = await counters_for_posters(args.unit)
        if not rows:
            console.print(f"[red]No counters found{' for unit ' + args.unit if args.unit else ''}."
                          "[/red]")
            return 1
        items = [PosterItem(agency=r["unit.agency.name"], unit=r["unit.name"],
                            counter=r["name"], url=f"{public_url}/s/{r['code']}",
                            short_code=r["code"]) for r in rows]
        Path(args.out).write_bytes(render_posters(items))
        console.print(f"Wrote {len(items)} posters to {args.out}")
        warn_about_public_url(public_url, "posters")
        return 0

    return run_with_database(job)


def cmd_tokens(args: argparse.Namespace) -> int:
    from app.output.posters import StubItem, render_stubs
    from app.settings import from_env

    settings = from_env()
    if not 1 <= args.count <= 10_000:
        console.print("[red]--count must be between 1 and 10000.[/red]")
        return 2
    ttl = timedelta(hours=args.hours) if args.hours else settings.token_ttl

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        counter = await load_counter(args.counter)
        if counter is None:
            console.print(f"[red]Unknown counter {args.counter!r}.[/red]")
            return 1
        now = datetime.now(UTC)
        tokens = await mint_server_tokens(counter.id, args.count, now, ttl)
        until = (now + ttl).astimezone(WITA).strftime("%d-%m-%Y %H:%M WITA")
        items = [StubItem(unit=counter.unit_name, counter=counter.name,
                          url=f"{settings.public_url}/s/{counter.code}?t={t.code}",
                          token=t.code, expires_at_text=until) for t in tokens]
        Path(args.out).write_bytes(render_stubs(items))
        console.print(f"Wrote {len(items)} one-time stubs for {counter.unit_name} / "
                      f"{counter.name} to {args.out} (valid until {until})")
        warn_about_public_url(settings.public_url, "ticket stubs")
        return 0

    return run_with_database(job)


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("qr", help="printable A4 QR posters, one per counter")
    p.add_argument("--out", required=True)
    p.add_argument("--unit", help="only this unit's counters (unit code)")
    p.set_defaults(func=cmd_qr)

    p = sub.add_parser("tokens", help="printable one-time ticket stubs for a counter")
    p.add_argument("--counter", required=True, help="counter code")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--hours", type=int, help="validity (default SUARA_TOKEN_TTL_HOURS or 24)")
    p.set_defaults(func=cmd_tokens)
