"""The `suara` command."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app import cli_import, cli_score
from app.cli_common import console, migrate_first, run_with_database


async def _load_demo(engine: Any, responses: int, seed: int) -> None:
    from feedback.demo import load_demo

    with Progress(TextColumn("[bold]Demo data"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("responses", total=responses)
        summary = await load_demo(engine, responses=responses, seed=seed,
                                  progress=lambda k: progress.advance(task, k))
    console.print(f"Loaded {summary.agencies} agencies, {summary.units} units, "
                  f"{summary.counters} counters, {summary.responses} responses, "
                  f"{summary.indicators} performance indicators.")


async def _is_empty() -> bool:
    from feedback.tables import Agency

    return await Agency.count() == 0


def cmd_migrate(args: argparse.Namespace) -> int:
    async def job(engine: Any) -> int:
        await migrate_first(engine)
        console.print("Database is up to date.")
        return 0

    return run_with_database(job)


def cmd_demo(args: argparse.Namespace) -> int:
    async def job(engine: Any) -> int:
        await migrate_first(engine)
        if not await _is_empty():
            console.print("[red]The database already has an organisation; demo data is only "
                          "loaded into an empty database.[/red]")
            return 1
        await _load_demo(engine, args.responses, args.seed)
        return 0

    return run_with_database(job)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.settings import from_env

    settings = from_env()  # exports a generated SUARA_SECRET to the workers when unset

    async def job(engine: Any) -> int:
        from feedback.retention import purge

        await migrate_first(engine)
        if args.demo and await _is_empty():
            await _load_demo(engine, args.demo_responses, 2026)
        await purge(datetime.now(UTC), timedelta(days=settings.device_retention_days),
                    settings.device_interval)
        return 0

    if run_with_database(job):
        return 1
    console.print(f"Suara Layanan on http://{args.host}:{args.port}  "
                  f"(database: {_describe_database()}, workers: {args.workers})")
    if args.workers > 1 and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        console.print("Note: SQLite has one writer at a time; one worker is faster than several.")
    uvicorn.run("app.asgi:app", host=args.host, port=args.port, workers=args.workers,
                log_level="info", access_log=False, proxy_headers=settings.trust_proxy)
    return 0


def _describe_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url.split("@")[-1] if url else "SQLite suara.db"


def cmd_qr(args: argparse.Namespace) -> int:
    from app.settings import from_env
    from feedback.directory import counters_for_posters
    from feedback.posters import PosterItem, render_posters

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
        return 0

    return run_with_database(job)


def cmd_tokens(args: argparse.Namespace) -> int:
    from app.settings import from_env
    from feedback import submission
    from feedback.posters import StubItem, render_stubs

    settings = from_env()
    if not 1 <= args.count <= 10_000:
        console.print("[red]--count must be between 1 and 10000.[/red]")
        return 2
    ttl = timedelta(hours=args.hours) if args.hours else settings.token_ttl

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        counter = await submission.load_counter(args.counter)
        if counter is None:
            console.print(f"[red]Unknown counter {args.counter!r}.[/red]")
            return 1
        now = datetime.now(UTC)
        tokens = await submission.mint_server_tokens(counter.id, args.count, now, ttl)
        until = (now + ttl).astimezone(submission.WITA).strftime("%d-%m-%Y %H:%M WITA")
        items = [StubItem(unit=counter.unit_name, counter=counter.name,
                          url=f"{settings.public_url}/s/{counter.code}?t={t.code}",
                          token=t.code, expires_at_text=until) for t in tokens]
        Path(args.out).write_bytes(render_stubs(items))
        console.print(f"Wrote {len(items)} one-time stubs for {counter.unit_name} / "
                      f"{counter.name} to {args.out} (valid until {until})")
        return 0

    return run_with_database(job)


def cmd_kpis(args: argparse.Namespace) -> int:
    """Store indicator targets and actuals of a period from a KPI CSV (as for suara score)."""
    from app.cli_score import InputError, read_kpis
    from feedback.kpis import store_kpis
    from feedback.periods import parse
    from feedback.tables import Unit

    try:
        period = parse(args.period).key
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2

    async def job(engine: Any) -> int:
        await migrate_first(engine)
        known = {u["code"] for u in await Unit.select(Unit.code)}
        try:
            kpis = read_kpis(args.file, known)
        except (InputError, OSError, UnicodeDecodeError) as exc:
            console.print(f"[red]{exc}[/red]")
            return 2
        report = await store_kpis(engine, period, kpis, args.by, datetime.now(UTC))
        console.print(f"{period}: {report.created} new, {report.changed} changed (audited), "
                      f"{report.unchanged} unchanged indicator values.")
        return 0

    return run_with_database(job)


def cmd_purge(args: argparse.Namespace) -> int:
    from app.settings import from_env
    from feedback.retention import purge

    settings = from_env()

    async def job(engine: Any) -> int:
        done = await purge(datetime.now(UTC), timedelta(days=settings.device_retention_days),
                           settings.device_interval)
        console.print(f"Erased {done.device_codes} device codes; removed {done.device_marks} "
                      f"device marks and {done.rate_windows} rate windows.")
        return 0

    return run_with_database(job)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="suara", description="Suara Layanan: citizen "
                                     "feedback and fair performance scores for Kota Kupang.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="apply migrations and serve")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--demo", action="store_true", help="load demo data if the database is empty")
    p.add_argument("--demo-responses", type=int, default=50_000, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="load the Kota Kupang demo organisation and responses")
    p.add_argument("--responses", type=int, default=50_000)
    p.add_argument("--seed", type=int, default=2026)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.set_defaults(func=cmd_migrate)

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

    p = sub.add_parser("kpis", help="store indicator targets and actuals for a period")
    p.add_argument("file", help="KPI CSV: unit, indicator, target, actual, direction, weight")
    p.add_argument("--period", required=True, help="2026, 2026-S1, 2026-Q3 or 2026-03")
    p.add_argument("--by", default="suara kpis", help="who made the change (audit trail)")
    p.set_defaults(func=cmd_kpis)

    p = sub.add_parser("purge", help="erase device codes past retention and stale limits")
    p.set_defaults(func=cmd_purge)

    cli_score.add_parser(sub)
    cli_import.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
