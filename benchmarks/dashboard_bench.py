"""Dashboard benchmark: the render time of the unit head's page `/staf/unit/{unit}` and the
agency head's page `/staf/dinas/{agency}` with the demo's 50,000 responses and with
1,000,000, in one run, and the ratio. Dashboards read aggregates only, so the second may
cost at most 1.2 times the first.

Usage:  python benchmarks/dashboard_bench.py [--sizes 50000 1000000] [--requests 21]
                                             [--rounds 3] [--unit CODE] [--agency CODE]
                                             [--keep] [--dir /tmp/suara-dashboard-bench]

Each size gets its own database, filled by the demo loader (`feedback.demo.load`: the Kota
Kupang organisation, N simulated responses over the last twelve months, and every
aggregate): a SQLite file in `--dir` by default, or, when DATABASE_URL names PostgreSQL,
the database `<name>_<size>` on that server (created when missing). `--keep` reuses a
database already loaded with that many responses (loading 1,000,000 takes minutes).

Each size is measured in a fresh process: a city account is created (feedback.accounts),
the app is built in-process and signed in through `/staf/masuk` like a browser (httpx over
ASGI, no network), each page is requested until warm (the period's score result cached, as
in production for a minute), then timed over `--requests` requests; the median is reported
with the first (cold) request and the 90th percentile. The sizes are measured in turn for
`--rounds` rounds (the databases are loaded in the first), so that a machine shared with
other work slows both alike; the table compares the best median of each size. Default
pages: the unit with the most responses and the agency with the most units, for the
default period (this year to date).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "bench-city@suara.test"
PASSWORD = "dashboard-bench-password"
TARGET = 1.2


# ------------------------------------------------------------------------------ parent side

def _database_url(base: str, directory: Path, size: int) -> str:
    if base.startswith(("postgres://", "postgresql://")):
        parsed = urlparse(base)
        name = (parsed.path.lstrip("/") or "suara") + f"_{size}"
        return urlunparse(parsed._replace(path="/" + name))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / f'demo-{size}.db'}"


def _run_size(args: argparse.Namespace, size: int, keep: bool) -> dict:
    url = _database_url(os.environ.get("DATABASE_URL", ""), Path(args.dir), size)
    command = [sys.executable, __file__, "--child", str(size), "--requests",
               str(args.requests)]
    for flag in ("unit", "agency"):
        if getattr(args, flag):
            command += [f"--{flag}", getattr(args, flag)]
    if keep:
        command.append("--keep")
    print(f"== {size:,} responses: {url.split('@')[-1]}", flush=True)
    done = subprocess.run(command, env={**os.environ, "DATABASE_URL": url},
                          stdout=subprocess.PIPE, text=True, check=False)
    lines = done.stdout.splitlines()
    for line in lines[:-1]:
        print(line, flush=True)
    if done.returncode != 0 or not lines:
        raise SystemExit(f"the {size:,}-response run failed (exit {done.returncode})")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=21)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--unit", help="unit code (default: the one with most responses)")
    parser.add_argument("--agency", help="agency code (default: the one with most units)")
    parser.add_argument("--keep", action="store_true",
                        help="reuse a database already loaded with that many responses")
    parser.add_argument("--dir", default="/tmp/suara-dashboard-bench",
                        help="folder of the SQLite databases")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        result = asyncio.run(_child(args.child, args))
        print(json.dumps(result), flush=True)
        return
    rounds = [[_run_size(args, size, args.keep or r > 0) for size in args.sizes]
              for r in range(args.rounds)]
    results = []
    for i, size in enumerate(args.sizes):
        best = {"responses": size}
        for page in ("unit", "agency"):
            runs = [round_[i][page] for round_ in rounds]
            best[page] = min(runs, key=lambda m: m["median_ms"])
            print(f"{size:>10,} {page:<7} medians of the rounds: "
                  + ", ".join(f"{m['median_ms']:.1f}" for m in runs) + " ms")
        results.append(best)
    base = results[0]
    print()
    print(f"{'page':<36}" + "".join(f"{r['responses']:>14,}" for r in results)
          + "".join(f"{'ratio ' + format(r['responses'], ','):>18}" for r in results[1:]))
    verdicts = []
    for page in ("unit", "agency"):
        label = f"{page} {base[page]['path']}"
        line = f"{label:<36}" + "".join(f"{r[page]['median_ms']:>11.1f} ms" for r in results)
        for r in results[1:]:
            ratio = r[page]["median_ms"] / base[page]["median_ms"]
            verdicts.append(ratio <= TARGET)
            line += f"{ratio:>17.2f}×"
        print(line)
    print(f"(best of {args.rounds} rounds of the median of {args.requests} warm requests; "
          f"target: at most {TARGET}× the {base['responses']:,}-response page)")
    if verdicts:
        print("target met" if all(verdicts) else "TARGET MISSED")


# ------------------------------------------------------------------------------ child side

async def _load(size: int, keep: bool) -> None:
    from piccolo.engine.postgres import PostgresEngine

    from feedback.demo.load import load_demo
    from feedback.tables import Response
    from piccolo_conf import DB
    from tests.support import reset_database

    if keep:
        try:
            if await Response.count() == size:
                print(f"reusing the database with {size:,} responses", flush=True)
                return
        except Exception:  # noqa: BLE001 - not migrated yet: load it
            pass
    await reset_database(DB)
    started, done, shown = time.perf_counter(), 0, 0

    def progress(k: int) -> None:
        nonlocal done, shown
        done += k
        if done - shown >= max(50_000, size // 10) or done == size:
            shown = done
            print(f"  loaded {done:,} of {size:,} responses "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)

    await load_demo(responses=size, progress=progress)
    # Fresh statistics, so that a background autovacuum or a planner still guessing does
    # not land in the timed requests.
    await DB.run_ddl("VACUUM ANALYZE" if isinstance(DB, PostgresEngine) else "ANALYZE")
    print(f"  demo loaded in {time.perf_counter() - started:.0f} s", flush=True)


async def _choose(args: argparse.Namespace) -> tuple[str, str]:
    from feedback.tables import Agency, Unit, UnitDayStats

    unit, agency = args.unit, args.agency
    if unit is None:
        rows = await UnitDayStats.raw(
            'SELECT u."code" AS code FROM "unit_day_stats" s JOIN "unit" u ON u."id" = s."unit" '
            'GROUP BY u."code" ORDER BY SUM(s."n") DESC, u."code" LIMIT 1').run()
        unit = rows[0]["code"]
    if agency is None:
        rows = await Agency.raw(
            'SELECT a."code" AS code FROM "agency" a JOIN "unit" u ON u."agency" = a."id" '
            'GROUP BY a."code" ORDER BY COUNT(*) DESC, a."code" LIMIT 1').run()
        agency = rows[0]["code"]
    assert await Unit.exists().where(Unit.code == unit), unit
    return unit, agency


async def _account() -> None:
    from feedback.accounts.audit import CLI_ACTOR
    from feedback.accounts.tables import StaffUser
    from feedback.accounts.users import create_user

    if not await StaffUser.exists().where(StaffUser.email == EMAIL):
        await create_user(EMAIL, role="city", scope_code=None, password=PASSWORD,
                          actor=CLI_ACTOR, name="Benchmark")


async def _time_page(client, path: str, requests: int) -> dict:
    started = time.perf_counter()
    first = await client.get(path)
    cold = time.perf_counter() - started
    assert first.status_code == 200, (path, first.status_code, first.text[-300:])
    for _ in range(2):  # warm: templates compiled, caches filled
        await client.get(path)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        r = await client.get(path)
        times.append(time.perf_counter() - started)
        assert r.status_code == 200, (path, r.status_code)
    times.sort()
    return {"path": path, "median_ms": statistics.median(times) * 1000,
            "p90_ms": times[int(0.9 * (len(times) - 1))] * 1000, "cold_ms": cold * 1000,
            "bytes": len(first.content)}


async def _child(size: int, args: argparse.Namespace) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SUARA_SECRET", "dashboard-bench-secret")
    if urlparse(os.environ["DATABASE_URL"]).scheme.startswith("postgres"):
        await _create_pg_database(os.environ["DATABASE_URL"])
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)
    from app.settings import from_env
    from app.web.main import create_app
    from feedback import engine as dbengine
    from piccolo_conf import DB

    await _load(size, args.keep)
    await dbengine.start(DB)
    try:
        await _account()
        unit, agency = await _choose(args)
        app = create_app(from_env(), engine=DB, manage_engine=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.local",
                                     follow_redirects=False) as client:
            page = await client.get("/staf/masuk")
            token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
            assert token, "no CSRF token on /staf/masuk"
            signed = await client.post("/staf/masuk", data={
                "email": EMAIL, "password": PASSWORD, "_csrf_token": token.group(1)})
            assert signed.status_code == 303, signed.text[-300:]
            out = {"responses": size,
                   "unit": await _time_page(client, f"/staf/unit/{unit}", args.requests),
                   "agency": await _time_page(client, f"/staf/dinas/{agency}",
                                              args.requests)}
        await app.state.writer.close()
    finally:
        await dbengine.stop(DB)
    for page in ("unit", "agency"):
        m = out[page]
        print(f"  {m['path']}: median {m['median_ms']:.1f} ms, p90 {m['p90_ms']:.1f} ms, "
              f"first (cold) {m['cold_ms']:.1f} ms, {m['bytes']:,} bytes", flush=True)
    return out


async def _create_pg_database(url: str) -> None:
    import asyncpg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = await asyncpg.connect(urlunparse(parsed._replace(path="/postgres")))
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


if __name__ == "__main__":
    main()
