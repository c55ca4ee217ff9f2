"""`suara serve`, `demo`, `migrate` and `purge`: running the service and its database."""

from __future__ import annotations

import argparse
import contextlib
import functools
import ipaddress
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.cli.common import console, migrate_first, run_with_database, warn_about_public_url

# uvicorn's HTTP protocol with TCP_NODELAY set on every connection (see _no_delay_protocol).
HTTP_PROTOCOL = "app.cli.serve:NoDelayHTTP"
# On SIGTERM, requests in flight get this long to finish; the application's own shutdown (the
# writer's last batch, closing the pool) is bounded separately, a few seconds each.
GRACEFUL_SHUTDOWN_SECONDS = 10
DEMO_SCREEN_DAYS = 31  # a demo is screened (and its alerts raised) over this many days


async def _load_demo(responses: int, seed: int) -> None:
    from feedback.demo.load import load_demo

    with Progress(TextColumn("[bold]Demo data"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("responses", total=responses)
        summary = await load_demo(responses=responses, seed=seed,
                                  progress=lambda k: progress.advance(task, k))
    console.print(f"Loaded {summary.agencies} agencies, {summary.units} units, "
                  f"{summary.counters} counters, {summary.responses} responses, "
                  f"{summary.indicators} performance indicators.")
    await _screen_demo()


async def _screen_demo() -> None:
    """Screen the demo's last DEMO_SCREEN_DAYS days (its simulated stuffing is in them) and
    raise the alerts of that time, so that the review queue and the alerts of a fresh demo
    show what the screening and the comment analytics find."""
    from feedback.alerts.raising import raise_alerts
    from feedback.integrity.scan import run_scan

    now = datetime.now(UTC)
    report = await run_scan(now - timedelta(days=DEMO_SCREEN_DAYS), now, trigger="demo")
    raised = await raise_alerts(now, comment_days=DEMO_SCREEN_DAYS)
    # (the scan raises the alerts of its flagged hours itself)
    console.print(f"Screened {report.counter_hours} counter-hours of the last "
                  f"{DEMO_SCREEN_DAYS} days: {len(report.flagged)} flagged for review "
                  f"(/staf/integritas); alerts for {raised.urgent} urgent comments and "
                  f"{raised.drop} drops (/staf/peringatan).")


async def _demo_accounts() -> None:
    """One staff account per role, with random passwords, printed once."""
    from feedback.accounts.demo import create_demo_accounts

    made = await create_demo_accounts()
    if not made:
        return
    console.print("Demo staff accounts (sign in at /staf/masuk; the passwords are shown "
                  "only now):", highlight=False)
    for account in made:
        scope = f" ({account.scope_code})" if account.scope_code else ""
        console.print(f"  {account.role:<8} {account.email:<24} {account.password}{scope}",
                      highlight=False, soft_wrap=True)


async def _is_empty() -> bool:
    from feedback.tables import Agency

    return await Agency.count() == 0


def cmd_migrate(args: argparse.Namespace) -> int:
    async def job(engine: Any) -> int:
        await migrate_first(engine, announce=True)
        return 0

    return run_with_database(job)


def cmd_demo(args: argparse.Namespace) -> int:
    async def job(engine: Any) -> int:
        await migrate_first(engine)
        if not await _is_empty():
            console.print("[red]The database already has an organisation; demo data is only "
                          "loaded into an empty database.[/red]")
            return 1
        await _load_demo(args.responses, args.seed)
        await _demo_accounts()
        return 0

    return run_with_database(job)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.settings import from_env

    own_url = _server_url(args.host, args.port)
    url_was_set = bool(os.environ.get("SUARA_PUBLIC_URL", "").strip())
    if not url_was_set:
        os.environ["SUARA_PUBLIC_URL"] = own_url  # for the workers' links and QR codes
    settings = from_env()  # exports a generated SUARA_SECRET to the workers when unset

    async def job(engine: Any) -> int:
        from feedback.survey.retention import purge

        await migrate_first(engine, announce=True)
        if args.demo and await _is_empty():
            await _load_demo(args.demo_responses, 2026)
            await _demo_accounts()
        await purge(datetime.now(UTC), timedelta(days=settings.device_retention_days),
                    settings.device_interval, timedelta(days=settings.contact_retention_days))
        return 0

    if run_with_database(job):
        return 1
    console.print(f"Suara Layanan on {own_url}  "
                  f"(database: {_describe_database()}, workers: {args.workers})", highlight=False)
    if not url_was_set:
        console.print(f"Links and QR codes use {settings.public_url} (SUARA_PUBLIC_URL is not "
                      "set; set it to the address citizens reach).", highlight=False)
    warn_about_public_url(settings.public_url, "links and QR codes")
    warn_about_trusted_proxy(settings.trust_proxy, args.host)
    if args.workers > 1 and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        console.print("Note: SQLite has one writer at a time; one worker is faster than several.")
    uvicorn.run("app.web.asgi:app", host=args.host, port=args.port, workers=args.workers,
                log_level="info", access_log=False, proxy_headers=settings.trust_proxy,
                http=HTTP_PROTOCOL, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS)
    return 0


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to a public address


def warn_about_trusted_proxy(trust_proxy: bool, host: str) -> None:
    """With SUARA_TRUST_PROXY=1 the client address comes from X-Forwarded-For, which anyone
    who reaches the app port directly can forge (one forged header per request defeats the
    network rate limit). Say so when the port is not bound to the loopback address, or when
    every address is trusted as a proxy."""
    if not trust_proxy:
        return
    allowed = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
    if not _is_loopback(host):
        console.print(
            f"[bold red]WARNING: SUARA_TRUST_PROXY=1 while listening on {host}: anyone who "
            "reaches this port directly can forge X-Forwarded-For and so escape the rate "
            "limit. Behind a reverse proxy on this machine, serve on --host 127.0.0.1; "
            "otherwise firewall the port so that only the proxy reaches it, and name only "
            "the proxy in FORWARDED_ALLOW_IPS.[/bold red]", highlight=False)
    if "*" in allowed:
        console.print(
            "[bold red]WARNING: FORWARDED_ALLOW_IPS=* trusts X-Forwarded-For from every "
            "address; name only the reverse proxy's address.[/bold red]", highlight=False)


def _server_url(host: str, port: int) -> str:
    """The address of this server as links can name it (a wildcard address becomes the
    machine's host name)."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def __getattr__(name: str) -> Any:
    # Built on first use (by uvicorn, in each worker): the CLI's other commands do not pay
    # for importing uvicorn's protocols.
    if name == "NoDelayHTTP":
        return _no_delay_protocol()
    raise AttributeError(name)


@functools.cache
def _no_delay_protocol() -> type:
    """uvicorn's HTTP protocol (httptools when installed, else h11) that switches Nagle's
    algorithm off on each connection. With --workers, uvicorn binds the socket itself
    (protocol number 0), and asyncio then leaves TCP_NODELAY off: every keep-alive response
    waited ~40 ms for the client's delayed ACK (about 22 responses a second per
    connection)."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    class NoDelayHTTP(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: Any) -> None:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):  # e.g. a Unix socket
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().connection_made(transport)

    return NoDelayHTTP


def _describe_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url.split("@")[-1] if url else "SQLite suara.db"




def cmd_purge(args: argparse.Namespace) -> int:
    from app.settings import from_env
    from feedback.survey.retention import purge

    settings = from_env()

    async def job(engine: Any) -> int:
        done = await purge(datetime.now(UTC), timedelta(days=settings.device_retention_days),
                           settings.device_interval,
                           timedelta(days=settings.contact_retention_days))
        console.print(f"Erased {done.device_codes} device codes; removed {done.device_marks} "
                      f"device marks and {done.rate_windows} rate windows.")
        console.print(f"Erased {done.contacts_closed} complaint contacts of cases closed more "
                      f"than {settings.contact_retention_days} days ago and "
                      f"{done.contacts_without_case} contacts left without a case.")
        return 0

    return run_with_database(job)


def add_parsers(sub: Any) -> None:
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

    p = sub.add_parser("purge", help="erase device codes and complaint contacts past "
                       "retention, and stale limits")
    p.set_defaults(func=cmd_purge)

