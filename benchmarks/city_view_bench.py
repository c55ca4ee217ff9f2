"""City view benchmark: the server render time of `/staf/kota` (the mayor's office's ranking,
funnel, what-if and trend) for the demo city and for a 500-unit city, on SQLite.

Usage:  python benchmarks/city_view_bench.py [--requests 15] [--cold 5] [--units 500]
                                             [--demo-responses 50000] [--period 2026]
                                             [--keep] [--dir /tmp/suara-city-bench]

Two databases, each measured in a fresh process (a SQLite file in `--dir`):

- `demo`: the demo loader (`feedback.demo.load`, what `suara demo` loads): the Kota Kupang
  organisation (12 agencies, 90 units) and `--demo-responses` simulated responses over the
  last twelve months, with its performance indicators;
- `city500`: a city of `--units` units (25 agencies, 5 peer groups) built directly from
  aggregates: rows in `agency`, `unit`, `unit_day_stats` and `unit_day_score` (through
  `feedback.aggregates.daily.deltas_from_arrays` and `apply`, the bulk path the demo uses),
  0 to 400 simulated respondents per unit over the last twelve months, and one performance
  indicator per unit for the period with an actual for 90% of them.

In each process a city account is created, the app is built in-process and signed in through
`/staf/masuk` like a browser (httpx over ASGI, no network). Two pages are timed: the default
ranking `/staf/kota?period=P` and the what-if `/staf/kota?period=P&w=0.70`.

- cold: the shared score cache is emptied before each request, so the request runs the
  engine (2,000 bootstrap draws for the ranking; for the what-if also the 0.70 result; the
  trend's periods without draws); the median of `--cold` requests;
- warm: the cache holds the results (as in production for a minute); the median of
  `--requests` requests after two warm-up requests. The page's size is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "bench-city@suara.test"
PASSWORD = "city-view-bench-password"
SIZES = ("demo", "city500")


# ------------------------------------------------------------------------------ parent side

def _run(args: argparse.Namespace, size: str) -> dict:
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{directory / f'{size}.db'}"
    command = [sys.executable, __file__, "--child", size, "--requests", str(args.requests),
               "--cold", str(args.cold), "--units", str(args.units), "--demo-responses",
               str(args.demo_responses), "--period", args.period]
    if args.keep:
        command.append("--keep")
    print(f"== {size}: {url}", flush=True)
    done = subprocess.run(command, env={**os.environ, "DATABASE_URL": url},
                          stdout=subprocess.PIPE, text=True, check=False)
    lines = done.stdout.splitlines()
    for line in lines[:-1]:
        print(line, flush=True)
    if done.returncode != 0 or not lines:
        raise SystemExit(f"the {size} run failed (exit {done.returncode})")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=15, help="warm requests per page")
    parser.add_argument("--cold", type=int, default=5, help="cold requests per page")
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--demo-responses", type=int, default=50_000)
    parser.add_argument("--period", default=str(date.today().year))
    parser.add_argument("--keep", action="store_true",
                        help="reuse databases already loaded by an earlier run")
    parser.add_argument("--dir", default="/tmp/suara-city-bench")
    parser.add_argument("--child", choices=SIZES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_child(args.child, args))), flush=True)
        return
    results = [_run(args, size) for size in SIZES]
    print()
    print(f"{'city':<44}{'page':<9}{'warm median':>13}{'cold median':>13}{'HTML':>9}"
          f"{'gzip':>8}")
    for r in results:
        for page in ("ranking", "whatif"):
            m = r[page]
            print(f"{r['label']:<44}{page:<9}{m['warm_ms']:>10.0f} ms{m['cold_ms']:>10.0f} ms"
                  f"{m['bytes'] / 1024:>6.0f} KB{m['gzip_bytes'] / 1024:>5.0f} KB")
    print(f"(SQLite; warm: median of {args.requests} requests with the score cache filled; "
          f"cold: median of {args.cold} requests with it emptied first)")


# ------------------------------------------------------------------------------ child side

async def _load_demo(responses: int, keep: bool) -> None:
    from feedback.demo.load import load_demo
    from feedback.tables import Response
    from piccolo_conf import DB
    from tests.support import reset_database

    if keep:
        try:
            if await Response.count() == responses:
                return
        except Exception:  # noqa: BLE001 - not migrated yet: load it
            pass
    await reset_database(DB)
    started = time.perf_counter()
    await load_demo(responses=responses)
    await DB.run_ddl("ANALYZE")
    print(f"  demo loaded in {time.perf_counter() - started:.0f} s", flush=True)


async def _load_city(units: int, period: str, keep: bool) -> None:
    """A city of `units` units straight from aggregates (no response rows)."""
    import numpy as np

    from feedback.aggregates import daily
    from feedback.clock import wita_day
    from feedback.engine import transaction
    from feedback.tables import Agency, Indicator, IndicatorValue, Unit, UnitDayStats
    from piccolo_conf import DB
    from scoring.ikm import ELEMENTS
    from tests.support import reset_database

    if keep:
        try:
            if await Unit.count() == units and await UnitDayStats.count() > 0:
                return
        except Exception:  # noqa: BLE001 - not migrated yet: load it
            pass
    await reset_database(DB)
    started = time.perf_counter()
    rng = np.random.default_rng(500)
    peers = ("puskesmas", "kelurahan", "dukcapil", "perizinan", "sekolah")
    n_agencies = 25
    await Agency.insert(*(Agency(code=f"pd-{a:02d}", name=f"Perangkat Daerah {a:02d}")
                          for a in range(n_agencies)))
    agency_ids = {r["code"]: r["id"] for r in await Agency.select(Agency.id, Agency.code)}
    rows = [Unit(code=f"u-{i:03d}", name=f"Unit Layanan {i:03d}",
                 agency=agency_ids[f"pd-{i % n_agencies:02d}"], peer_group=peers[i % 5],
                 monthly_volume=int(rng.integers(50, 3000))) for i in range(units)]
    await Unit.insert(*rows)
    unit_ids = [r["id"] for r in await Unit.select(Unit.id).order_by(Unit.code)]
    today = wita_day(datetime.now(UTC))
    first = today - timedelta(days=364)
    sizes = rng.integers(0, 401, size=units)
    quality = rng.normal(3.0, 0.3, size=units)
    unit_col = np.repeat(unit_ids, sizes)
    days = rng.integers(first.toordinal(), today.toordinal() + 1, size=unit_col.size)
    level = np.repeat(quality, sizes) + rng.normal(0, 0.5, size=unit_col.size)
    answers = np.clip(np.rint(level[:, None] + rng.normal(0, 0.5, (unit_col.size,
                                                                  len(ELEMENTS)))), 1, 4)
    answers[rng.random(answers.shape) < 0.02] = 0  # a few unanswered elements
    async with transaction():
        await daily.apply(daily.deltas_from_arrays(unit_col, days, answers.astype(np.int64)))
    now = datetime.now(UTC)
    indicators = [Indicator(unit=uid, code="layanan", name="Layanan selesai tepat waktu",
                            direction="higher", weight=1.0) for uid in unit_ids]
    await Indicator.insert(*indicators)
    ids = [r["id"] for r in await Indicator.select(Indicator.id).order_by(Indicator.id)]
    await IndicatorValue.insert(*(
        IndicatorValue(indicator=i, period=period, target=100.0,
                       actual=None if rng.random() < 0.1 else float(rng.uniform(50, 110)),
                       updated_at=now) for i in ids))
    await DB.run_ddl("ANALYZE")
    print(f"  {units} units, {unit_col.size:,} respondents in aggregates, loaded in "
          f"{time.perf_counter() - started:.0f} s", flush=True)


async def _account() -> None:
    from feedback.accounts.audit import CLI_ACTOR
    from feedback.accounts.tables import StaffUser
    from feedback.accounts.users import create_user

    if not await StaffUser.exists().where(StaffUser.email == EMAIL):
        await create_user(EMAIL, role="city", scope_code=None, password=PASSWORD,
                          actor=CLI_ACTOR, name="Benchmark")


async def _time(client, app, path: str, requests: int, cold: int) -> dict:
    cold_times = []
    for _ in range(cold):
        app.state.score_cache.clear()
        started = time.perf_counter()
        r = await client.get(path)
        cold_times.append(time.perf_counter() - started)
        assert r.status_code == 200, (path, r.status_code, r.text[-300:])
    for _ in range(2):
        await client.get(path)
    warm = []
    for _ in range(requests):
        started = time.perf_counter()
        r = await client.get(path)
        warm.append(time.perf_counter() - started)
        assert r.status_code == 200, (path, r.status_code)
    return {"path": path, "warm_ms": statistics.median(warm) * 1000,
            "cold_ms": statistics.median(cold_times) * 1000, "bytes": len(r.content),
            "gzip_bytes": len(gzip.compress(r.content)),
            "ranked": len(re.findall(r'<tr data-unit="', r.text))}


async def _child(size: str, args: argparse.Namespace) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SUARA_SECRET", "city-view-bench-secret")
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)
    from app.settings import from_env
    from app.web.main import create_app
    from feedback import engine as dbengine
    from feedback.tables import Unit
    from piccolo_conf import DB

    await dbengine.start(DB)
    try:
        if size == "demo":
            await _load_demo(args.demo_responses, args.keep)
            label = f"demo ({args.demo_responses:,} responses)"
        else:
            await _load_city(args.units, args.period, args.keep)
            label = f"{args.units} units (aggregates)"
        label = f"{label}, {await Unit.count()} units"
        await _account()
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
            out = {"size": size, "label": label,
                   "ranking": await _time(client, app, f"/staf/kota?period={args.period}",
                                          args.requests, args.cold),
                   "whatif": await _time(client, app,
                                         f"/staf/kota?period={args.period}&w=0.70",
                                         args.requests, args.cold)}
        await app.state.writer.close()
    finally:
        await dbengine.stop(DB)
    for page in ("ranking", "whatif"):
        m = out[page]
        print(f"  {m['path']}: warm {m['warm_ms']:.1f} ms, cold {m['cold_ms']:.1f} ms, "
              f"{m['bytes']:,} bytes ({m['gzip_bytes']:,} gzip), {m['ranked']} ranked units "
              "listed", flush=True)
    return out


if __name__ == "__main__":
    main()
