"""Submission throughput side by side with three peers, in one run, on PostgreSQL.

Starts, one after the other, each with N uvicorn workers (uvloop + httptools) on its own
PostgreSQL database:
  - the project (`suara serve`, the demo city of 50,000 responses loaded first),
  - benchmarks/peer_naive.py (Litestar, one INSERT per request, no limits or aggregates),
  - benchmarks/peer_lean.py (raw ASGI + msgspec + one INSERT … SELECT unnest(…) per batch),
  - benchmarks/peer_floor.py (the lean peer storing the project's own response row into the
    project's schema with the demo city, and nothing else: the floor of storing that row),
and measures each with wrk (warm-up first) on
  - POST /api/v1/responses (JSON; benchmarks/submit.lua), then
  - POST /s/{counter} (the citizen's HTML form, form-urlencoded, a fresh one-time key and a
    different client address per request, answered 303; benchmarks/submit_form.lua).
Prints the four rates per path, the ratios project/naive, project/lean, project/floor and
floor/lean, the CPU time per request of the server's workers, PostgreSQL and wrk during
each measured run (from /proc: where the time goes), and for the project the no-loss
check: every acknowledged response stored exactly once (the only extra rows are requests
in flight when wrk stopped) and the daily aggregates equal to the counted responses.

Usage:  python benchmarks/submit_peers_bench.py [--pg-admin URL] [--workers 2] [--seconds 10]
        [--rounds 1] [--project-only]
With --rounds N every server is measured N times, one after the other (project, naive, lean,
floor, then again), and a summary gives each server's median and range and the ratios taken
within each round: the machine's speed drifts over minutes, a single run can mislead.
Needs wrk (`apt-get install wrk`) and a local PostgreSQL (databases suara_bench,
suara_peer_naive, suara_peer_lean and suara_peer_floor are created or overwritten).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import submit_bench  # noqa: E402  (the project's prepare phase and wrk helper)

JSON_LUA = HERE / "submit.lua"
FORM_LUA = HERE / "submit_form.lua"


def wait_live(port: int, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live",
                                        timeout=2) as r:
                if r.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not become ready")


async def create_database(admin_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def db_url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name


async def verify(url: str) -> dict[str, int]:
    """Rows and distinct keys of the benchmark's own submissions per path (keys bench-*,
    form-*), and whether the aggregates' total n equals the counted responses."""
    from feedback import engine as db
    from feedback.tables import Response, UnitDayStats
    from piccolo_conf import DB

    await db.start(DB)
    out: dict[str, int] = {}
    for name, prefix in (("json", "bench-"), ("form", "form-")):
        mine = Response.submission_key.like(prefix + "%")
        out[f"{name}_rows"] = await Response.count().where(mine)
        out[f"{name}_keys"] = await Response.count(
            distinct=[Response.submission_key]).where(mine)
    counted = await Response.count().where(Response.counted == True)  # noqa: E712
    stats = await UnitDayStats.raw('SELECT COALESCE(SUM("n"), 0) AS n FROM "unit_day_stats"')
    await db.stop(DB)
    out["aggregates_match"] = int(int(stats[0]["n"]) == counted)
    return out


def counts(url: str) -> dict[str, int]:
    out = subprocess.run([sys.executable, __file__, "--phase", "verify", "--url", url],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    line = out.stdout.strip().splitlines()[-1]
    return {k: int(v) for k, v in (kv.split("=") for kv in line.split(","))}


def cpu_seconds(group: int) -> tuple[float, float]:
    """CPU seconds (user + system) used so far by the processes of a process group (the
    server and its workers) and by PostgreSQL's processes, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    server = postgres = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        comm = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        used = int(fields[11]) + int(fields[12])
        if int(fields[2]) == group:
            server += used
        elif comm == "postgres":
            postgres += used
    return server / tick, postgres / tick


def measure(port: int, args: argparse.Namespace, env: dict[str, str], group: int,
            before_each: Callable[[str], None], rnd: int) -> dict[str, object]:
    """Warm-up, then JSON and form path, each args.seconds long, with the CPU time per
    request of the server, PostgreSQL and wrk. Keys, devices and form addresses are
    new in every wrk run (`rnd` is the round)."""
    res: dict[str, object] = {}
    env = dict(env, RUN_ID=f"warm{rnd}", IP_BASE=str(100 + 2 * rnd))
    wrk = submit_bench.wrk
    wrk(port, 2, args.connections, "/health/live", None, env)
    for lua, path in ((JSON_LUA, "/api/v1/responses"), (FORM_LUA, "/s/x")):
        wrk(port, args.warmup, args.connections, path, lua, env)
    time.sleep(1)
    env.update(RUN_ID=f"run{rnd}", IP_BASE=str(101 + 2 * rnd))
    for name, lua, path in (("json", JSON_LUA, "/api/v1/responses"),
                            ("form", FORM_LUA, "/s/x")):
        before_each(name)
        before, wrk_before = cpu_seconds(group), resource.getrusage(resource.RUSAGE_CHILDREN)
        rps, out = wrk(port, args.seconds, args.connections, path, lua, env)
        after, wrk_after = cpu_seconds(group), resource.getrusage(resource.RUSAGE_CHILDREN)
        requests = int(re.search(r"(\d+) requests in", out).group(1))
        res[f"{name}_cpu"] = tuple(
            round(1e6 * used / requests) for used in (
                after[0] - before[0], after[1] - before[1],
                wrk_after.ru_utime + wrk_after.ru_stime - wrk_before.ru_utime
                - wrk_before.ru_stime))
        status = dict(re.findall(r"(\w+)=(\d+)", re.search(r"STATUS (.*)", out).group(1)))
        res[name] = rps
        res[f"{name}_p99"] = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
        res[f"{name}_ack"] = int(status["created"])
        res[f"{name}_errors"] = int(status["other"])
        time.sleep(1)
    return res


def serve(cmd: list[str], cwd: Path | str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


@dataclass
class Contender:
    """One server of the comparison: how to start it, and its database."""

    name: str
    cmd: list[str]
    cwd: Path | str
    env: dict[str, str]
    url: str
    table: str = ""  # a peer's stored rows (the project checks its own, see run_round)


def project(args: argparse.Namespace) -> Contender:
    url = db_url(args.pg_admin, "suara_bench")
    asyncio.run(create_database(args.pg_admin, "suara_bench"))
    codes = submit_bench.in_subprocess("prepare", url)
    # The periodic passes of `suara serve` (integrity scan, alerts, cases) are off: they are
    # not the submission path, and the first case pass after a start trains the comment
    # classifier (about 8 s of CPU), which would land in the measured seconds.
    env = dict(os.environ, DATABASE_URL=url, SUARA_TRUST_PROXY="1", SUARA_SECRET="bench",
               COUNTERS=codes, SUARA_SCAN_INTERVAL="0", SUARA_ALERTS_INTERVAL="0",
               SUARA_CASE_INTERVAL="0")
    return Contender("project", [shutil.which("suara") or "suara", "serve", "--port",
                                 str(args.port), "--workers", str(args.workers)],
                     tempfile.mkdtemp(prefix="suara-bench-"), env, url)


def peer(module: str, args: argparse.Namespace) -> Contender:
    name = f"suara_{module}"
    asyncio.run(create_database(args.pg_admin, name))
    url = db_url(args.pg_admin, name)
    env = dict(os.environ, PEER_DATABASE_URL=url)
    if module == "peer_floor":  # the project's schema and demo city, its counters
        env["COUNTERS"] = submit_bench.in_subprocess("prepare", url)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT),
                                                          env.get("PYTHONPATH"))))
        table = "response WHERE channel = 'web'"
    else:  # its own table
        subprocess.run([sys.executable, str(HERE / f"{module}.py"), url], check=True)
        env["COUNTERS"] = ",".join(f"C{i:03d}" for i in range(100))
        table = "peer_response"
    cmd = [sys.executable, "-m", "uvicorn", f"{module}:app", "--port", str(args.port),
           "--workers", str(args.workers), "--loop", "uvloop", "--http", "httptools",
           "--no-access-log", "--log-level", "warning"]
    return Contender(module.removeprefix("peer_"), cmd, HERE, env, url, table)


def run_round(c: Contender, args: argparse.Namespace, rnd: int) -> dict[str, object]:
    """Start the server, measure both paths, stop it; then check what it stored: for the
    project the no-loss check, for a peer its stored rows against its acknowledgements."""
    marks: dict[str, object] = {}

    def before_each(path: str) -> None:
        marks[path] = asyncio.run(peer_rows(c.url, c.table)) if c.table else counts(c.url)

    server = serve(c.cmd, c.cwd, c.env)
    try:
        wait_live(args.port)
        res = measure(args.port, args, c.env, server.pid, before_each, rnd)
    finally:
        stop(server)
    if c.table:
        acked = int(res["json_ack"]) + int(res["form_ack"])
        res["stored_minus_acked"] = (asyncio.run(peer_rows(c.url, c.table))
                                     - int(marks["json"]) - acked)
        return res
    after = counts(c.url)
    ok = after["aggregates_match"] == 1
    for name in ("json", "form"):
        stored = after[f"{name}_rows"] - marks[name][f"{name}_rows"]
        in_flight = stored - int(res[f"{name}_ack"])
        res[f"{name}_stored"] = stored
        res[f"{name}_in_flight"] = in_flight
        ok = ok and (after[f"{name}_rows"] == after[f"{name}_keys"]
                     and 0 <= in_flight <= args.connections and res[f"{name}_errors"] == 0)
    res["consistent"] = ok
    return res


async def peer_rows(url: str, table: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(f"SELECT count(*) FROM {table}")
    finally:
        await conn.close()


def report(rnd: int, r: dict[str, dict[str, object]]) -> None:
    """One round's figures."""
    p, n, ln, f = r["project"], r["naive"], r["lean"], r["floor"]
    print(f"\nround {rnd + 1}")
    print("path | project/s | naive/s | lean/s | floor/s | project/naive | project/lean | "
          "project/floor | floor/lean | project p99 | acknowledged | stored | "
          "in_flight_at_stop | errors (p/n/l/f)")
    for path in ("json", "form"):
        print(f"{path} | {p[path]:.0f} | {n[path]:.0f} | {ln[path]:.0f} | {f[path]:.0f} | "
              f"{p[path] / n[path]:.2f}x | {p[path] / ln[path]:.1%} | "
              f"{p[path] / f[path]:.1%} | {f[path] / ln[path]:.1%} | {p[path + '_p99']} | "
              f"{p[path + '_ack']} | {p[path + '_stored']} | {p[path + '_in_flight']} | "
              + "/".join(str(res[path + "_errors"]) for res in (p, n, ln, f)))
    print("CPU per request, microseconds (server workers / PostgreSQL / wrk):")
    for path in ("json", "form"):
        print(f"  {path}: " + " | ".join(
            f"{who} {'/'.join(str(v) for v in res[path + '_cpu'])}"
            for who, res in r.items()))
    print(f"peers, rows stored minus acknowledged (in flight at stop): naive "
          f"{n['stored_minus_acked']}, lean {ln['stored_minus_acked']}, "
          f"floor {f['stored_minus_acked']}")


def summary(rounds: list[dict[str, dict[str, object]]]) -> None:
    """Over the rounds: each server's median rate and range, and the median and range of
    the ratios taken within each round (the servers of one round ran minutes apart)."""
    print(f"\nover {len(rounds)} rounds: median [min-max]")
    for path in ("json", "form"):
        rates = {who: [float(r[who][path]) for r in rounds] for who in rounds[0]}
        print(f"{path} rates/s: " + ", ".join(
            f"{who} {statistics.median(v):.0f} [{min(v):.0f}-{max(v):.0f}]"
            for who, v in rates.items()))
        ratios = {
            "project/naive": [r["project"][path] / r["naive"][path] for r in rounds],
            "project/lean": [r["project"][path] / r["lean"][path] for r in rounds],
            "project/floor": [r["project"][path] / r["floor"][path] for r in rounds],
            "floor/lean": [r["floor"][path] / r["lean"][path] for r in rounds],
        }
        print(f"{path} ratios: " + ", ".join(
            f"{name} {statistics.median(v):.2f} [{min(v):.2f}-{max(v):.2f}]"
            for name, v in ratios.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-admin", default=os.environ.get(
        "BENCH_PG_ADMIN", "postgresql://postgres:postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure all servers this many times, one after the other")
    parser.add_argument("--port", type=int, default=8812)
    parser.add_argument("--project-only", action="store_true",
                        help="measure the project alone (no peers, no comparison)")
    parser.add_argument("--phase", choices=["verify"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "verify":
        os.environ["DATABASE_URL"] = args.url
        sys.path.insert(0, str(ROOT))
        print(",".join(f"{k}={v}" for k, v in asyncio.run(verify(args.url)).items()))
        return 0
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    if not 1 <= args.rounds <= 50:
        print("--rounds must be 1..50", file=sys.stderr)
        return 2
    contenders = [project(args)]
    if not args.project_only:
        contenders += [peer(module, args) for module in ("peer_naive", "peer_lean",
                                                         "peer_floor")]
    rounds = []
    for rnd in range(args.rounds):
        rounds.append({c.name: run_round(c, args, rnd) for c in contenders})
    print(f"\nPostgreSQL, workers={args.workers} connections={args.connections} "
          f"seconds={args.seconds} cores={os.cpu_count()} (wrk and PostgreSQL on the same "
          "machine)")
    for rnd, r in enumerate(rounds):
        if args.project_only:  # a quick look while changing the project, without the peers
            p = r["project"]
            for path in ("json", "form"):
                print(f"round {rnd + 1} project {path}: {p[path]:.0f}/s, p99 "
                      f"{p[path + '_p99']}, CPU per request (us, workers/PostgreSQL/wrk) "
                      f"{'/'.join(str(v) for v in p[path + '_cpu'])}")
        else:
            report(rnd, r)
    if len(rounds) > 1 and not args.project_only:
        summary(rounds)
    ok = all(r["project"]["consistent"] for r in rounds)
    print(f"project no-loss check (each acknowledged response stored exactly once, "
          f"aggregates = counted responses), every round: {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
