"""Submission throughput benchmark.

Starts `suara serve` (N workers) on PostgreSQL and on SQLite, measures with wrk:
  1. the bare endpoint GET /health/live (no database) of the same server,
  2. POST /api/v1/responses (validation, device interval, rate limit, insert, aggregates),
then checks that no acknowledged response was lost or stored twice, and that the daily
aggregates add up to the stored responses. Prints a table of figures.

Usage:  python benchmarks/submit_bench.py [--pg URL] [--workers 2] [--seconds 10]
Needs wrk (`apt-get install wrk`) and a PostgreSQL server for the PostgreSQL run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_name("submit.lua")


def wait_ready(port: int, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not become ready")


def worker_rss_mb(server_pid: int) -> list[float]:
    """Resident memory of the uvicorn worker processes (children of the server)."""
    out = subprocess.run(["ps", "-o", "pid=,rss=", "--ppid", str(server_pid)],
                         capture_output=True, text=True).stdout
    sizes = [int(line.split()[1]) / 1024 for line in out.splitlines() if line.strip()]
    if not sizes:  # single worker: the server process itself
        out = subprocess.run(["ps", "-o", "rss=", "-p", str(server_pid)],
                             capture_output=True, text=True).stdout
        sizes = [int(out.strip()) / 1024]
    return sizes


def wrk(port: int, seconds: int, connections: int, path: str, script: Path | None,
        env: dict[str, str]) -> tuple[float, str]:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return rps, out


async def prepare(url: str) -> list[str]:
    """Fresh schema with the demo city (50,000 responses, as a running system has data and
    planner statistics), then ANALYZE (on PostgreSQL also VACUUM and a CHECKPOINT). Returns
    the codes of the non-kiosk counters."""
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    from feedback import engine as db
    from feedback.demo.load import load_demo
    from feedback.tables import Counter
    from piccolo_conf import DB
    from tests.support import reset_database

    await reset_database(DB)
    await db.start(DB)
    await load_demo(responses=50_000)
    # Settle the tables (visibility map, statistics) so autovacuum does not start mid-run.
    await DB.run_ddl("ANALYZE" if "sqlite" in url else "VACUUM ANALYZE")
    if "sqlite" not in url:
        # Write the load's dirty pages now, not in a checkpoint during the measured seconds.
        try:
            await DB.run_ddl("CHECKPOINT")
        except Exception as exc:  # needs a superuser or pg_checkpoint
            print(f"CHECKPOINT not run ({exc}): figures may include the load's "
                  "writes", file=sys.stderr)
    codes = [r["code"] for r in await Counter.select(Counter.code).where(
        Counter.is_kiosk == False)]  # noqa: E712
    await db.stop(DB)
    return codes


async def verify(url: str) -> dict[str, int]:
    """The benchmark's own responses (channel web, the demo has none) and their distinct
    keys; and whether the aggregates' total n equals the number of counted responses."""
    from feedback import engine as db
    from feedback.tables import Response, UnitDayStats
    from piccolo_conf import DB

    await db.start(DB)
    web = Response.channel == "web"
    rows = await Response.count().where(web)
    keys = await Response.count(distinct=[Response.submission_key]).where(web)
    counted = await Response.count().where(Response.counted == True)  # noqa: E712
    stats = await UnitDayStats.raw('SELECT COALESCE(SUM("n"), 0) AS n FROM "unit_day_stats"')
    await db.stop(DB)
    return {"rows": rows, "distinct_keys": keys,
            "aggregates_match": int(int(stats[0]["n"]) == counted)}


def in_subprocess(phase: str, url: str) -> str:
    """Run a database phase in a fresh interpreter: the engine is chosen at import time."""
    out = subprocess.run([sys.executable, __file__, "--phase", phase, "--url", url],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return out.stdout.strip().splitlines()[-1]


def _counts(url: str) -> dict[str, int]:
    check = dict(kv.split("=") for kv in in_subprocess("verify", url).split(","))
    return {k: int(v) for k, v in check.items()}


def run_engine(name: str, url: str, args: argparse.Namespace) -> dict[str, object]:
    codes = in_subprocess("prepare", url).split(",")
    workdir = tempfile.mkdtemp(prefix="suara-bench-")
    env = dict(os.environ, DATABASE_URL=url, SUARA_TRUST_PROXY="1",
               SUARA_SECRET="bench", COUNTERS=",".join(codes), RUN_ID="warm")
    server = subprocess.Popen(
        [shutil.which("suara") or "suara", "serve", "--port", str(args.port),
         "--workers", str(args.workers)],
        cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_ready(args.port)
        # Warm-up of both endpoints (connection pools, prepared statements, caches).
        wrk(args.port, 2, args.connections, "/health/live", None, env)
        wrk(args.port, 3, args.connections, "/api/v1/responses", LUA, env)
        time.sleep(1)  # let the warm-up's last batches commit before counting
        before = _counts(url)
        bare, _ = wrk(args.port, args.seconds, args.connections, "/health/live", None, env)
        env["RUN_ID"] = "run"
        submit, out = wrk(args.port, args.seconds, args.connections, "/api/v1/responses", LUA,
                          env)
        status = dict(re.findall(r"(\w+)=(\d+)", re.search(r"STATUS (.*)", out).group(1)))
        p99 = re.search(r"99%\s+(\S+)", out).group(1)
        rss = worker_rss_mb(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    check = _counts(url)
    created = int(status["created"])
    stored = check["rows"] - before["rows"]
    in_flight = stored - created
    ok = (check["rows"] == check["distinct_keys"] and check["aggregates_match"] == 1
          and 0 <= in_flight <= args.connections and int(status["other"]) == 0)
    return {
        "engine": name, "bare_rps": bare, "submit_rps": submit, "ratio": submit / bare,
        "p99": p99, "acknowledged": created, "stored": stored,
        "in_flight_at_stop": in_flight, "errors": int(status["other"]),
        "rss_mb": max(rss), "consistent": ok,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get(
        "BENCH_PG_URL", "postgresql://postgres:postgres@127.0.0.1:5432/suara_bench"))
    parser.add_argument("--sqlite", default=None, help="SQLite file (default: a temp file)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--port", type=int, default=8811)
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    parser.add_argument("--phase", choices=["prepare", "verify"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        os.environ["DATABASE_URL"] = args.url
    if args.phase == "prepare":
        print(",".join(asyncio.run(prepare(args.url))))
        return 0
    if args.phase == "verify":
        print(",".join(f"{k}={v}" for k, v in asyncio.run(verify(args.url)).items()))
        return 0
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    sqlite_url = f"sqlite:///{args.sqlite or tempfile.mkdtemp() + '/bench.db'}"
    results = []
    for name, url in (("postgresql", args.pg), ("sqlite", sqlite_url)):
        if args.only and args.only != name:
            continue
        results.append(run_engine(name, url, args))
    print(f"\nworkers={args.workers} connections={args.connections} seconds={args.seconds} "
          f"cores={os.cpu_count()} (wrk runs on the same machine)")
    header = ("engine", "bare_rps", "submit_rps", "ratio", "p99", "acknowledged", "stored",
              "in_flight_at_stop", "errors", "rss_mb", "consistent")
    print(" | ".join(header))
    for r in results:
        print(" | ".join(f"{r[h]:.1f}" if isinstance(r[h], float) and h != "ratio"
                         else f"{r[h]:.1%}" if h == "ratio" else str(r[h]) for h in header))
    return 0 if all(r["consistent"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
