"""Submission throughput side by side with two peers, in one run, on PostgreSQL.

Starts, one after the other, each with N uvicorn workers (uvloop + httptools) on its own
PostgreSQL database:
  - the project (`suara serve`, the demo city of 50,000 responses loaded first),
  - benchmarks/peer_naive.py (Litestar, one INSERT per request, no limits or aggregates),
  - benchmarks/peer_lean.py (raw ASGI + msgspec + one INSERT … SELECT unnest(…) per batch),
and measures each with wrk (warm-up first) on
  - POST /api/v1/responses (JSON; benchmarks/submit.lua), then
  - POST /s/{counter} (the citizen's HTML form, form-urlencoded, a fresh one-time key and a
    different client address per request, answered 303; benchmarks/submit_form.lua).
Prints the three rates per path, the ratios project/naive and project/lean, the CPU time
per request of the server's workers, PostgreSQL and wrk during each measured run (from
/proc: where the time goes), and for the project the no-loss check: every acknowledged
response stored exactly once (the only extra rows are requests in flight when wrk stopped)
and the daily aggregates equal to the counted responses.

Usage:  python benchmarks/submit_peers_bench.py [--pg-admin URL] [--workers 2] [--seconds 10]
        [--project-only]
Needs wrk (`apt-get install wrk`) and a local PostgreSQL (databases suara_bench,
suara_peer_naive and suara_peer_lean are created or overwritten).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
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


def measure(port: int, args: argparse.Namespace, env: dict[str, str],
            group: int) -> dict[str, object]:
    """Warm-up, then JSON and form path, each args.seconds long, with the CPU time per
    request of the server, PostgreSQL and wrk."""
    res: dict[str, object] = {}
    env = dict(env, RUN_ID="warm")
    wrk = submit_bench.wrk
    wrk(port, 2, args.connections, "/health/live", None, env)
    for lua, path in ((JSON_LUA, "/api/v1/responses"), (FORM_LUA, "/s/x")):
        wrk(port, args.warmup, args.connections, path, lua, env)
    time.sleep(1)
    env["RUN_ID"] = "run"
    for name, lua, path in (("json", JSON_LUA, "/api/v1/responses"),
                            ("form", FORM_LUA, "/s/x")):
        if args.before_each:
            args.before_each(name)
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


def run_project(args: argparse.Namespace) -> dict[str, object]:
    url = db_url(args.pg_admin, "suara_bench")
    asyncio.run(create_database(args.pg_admin, "suara_bench"))
    codes = submit_bench.in_subprocess("prepare", url).split(",")
    # The periodic passes of `suara serve` (integrity scan, alerts, cases) are off: they are
    # not the submission path, and the first case pass after a start trains the comment
    # classifier (about 8 s of CPU), which would land in the measured seconds.
    env = dict(os.environ, DATABASE_URL=url, SUARA_TRUST_PROXY="1", SUARA_SECRET="bench",
               COUNTERS=",".join(codes), SUARA_SCAN_INTERVAL="0", SUARA_ALERTS_INTERVAL="0",
               SUARA_CASE_INTERVAL="0")
    server = serve([shutil.which("suara") or "suara", "serve", "--port", str(args.port),
                    "--workers", str(args.workers)], tempfile.mkdtemp(prefix="suara-bench-"),
                   env)
    marks: dict[str, dict[str, int]] = {}
    args.before_each = lambda name: marks.__setitem__(name, counts(url))
    try:
        wait_live(args.port)
        res = measure(args.port, args, env, server.pid)
    finally:
        stop(server)
        args.before_each = None
    after = counts(url)
    ok = after["aggregates_match"] == 1
    for name in ("json", "form"):
        stored = after[f"{name}_rows"] - marks[name][f"{name}_rows"]
        in_flight = stored - int(res[f"{name}_ack"])
        res[f"{name}_stored"] = stored
        res[f"{name}_in_flight"] = in_flight
        ok = ok and (after[f"{name}_rows"] == after[f"{name}_keys"]
                     and 0 <= in_flight <= args.connections and res[f"{name}_errors"] == 0)
    res["consistent"] = ok
    res["aggregates_match"] = after["aggregates_match"]
    return res


def run_peer(module: str, args: argparse.Namespace) -> dict[str, object]:
    name = f"suara_{module}"
    asyncio.run(create_database(args.pg_admin, name))
    url = db_url(args.pg_admin, name)
    subprocess.run([sys.executable, str(HERE / f"{module}.py"), url], check=True)
    codes = ",".join(f"C{i:03d}" for i in range(100))
    env = dict(os.environ, PEER_DATABASE_URL=url, COUNTERS=codes)
    server = serve([sys.executable, "-m", "uvicorn", f"{module}:app", "--port",
                    str(args.port), "--workers", str(args.workers), "--loop", "uvloop",
                    "--http", "httptools", "--no-access-log", "--log-level", "warning"],
                   HERE, env)
    marks: dict[str, int] = {}
    args.before_each = lambda path: marks.__setitem__(path, asyncio.run(peer_rows(url)))
    try:
        wait_live(args.port)
        res = measure(args.port, args, env, server.pid)
    finally:
        stop(server)
        args.before_each = None
    # A sanity check of the peer itself: its stored rows against its acknowledgements.
    acked = int(res["json_ack"]) + int(res["form_ack"])
    res["stored_minus_acked"] = asyncio.run(peer_rows(url)) - marks["json"] - acked
    return res


async def peer_rows(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT count(*) FROM peer_response")
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-admin", default=os.environ.get(
        "BENCH_PG_ADMIN", "postgresql://postgres:postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
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
    args.before_each = None
    project = run_project(args)
    if args.project_only:  # a quick look while changing the project, without the peers
        for path in ("json", "form"):
            print(f"project {path}: {project[path]:.0f}/s, p99 {project[path + '_p99']}, "
                  f"CPU per request (us, workers/PostgreSQL/wrk) "
                  f"{'/'.join(str(v) for v in project[path + '_cpu'])}")
        print(f"no-loss check: {'OK' if project['consistent'] else 'FAILED'}")
        return 0 if project["consistent"] else 1
    naive = run_peer("peer_naive", args)
    lean = run_peer("peer_lean", args)
    print(f"\nPostgreSQL, workers={args.workers} connections={args.connections} "
          f"seconds={args.seconds} cores={os.cpu_count()} (wrk and PostgreSQL on the same "
          "machine)")
    print("path | project/s | naive/s | lean/s | project/naive | project/lean | "
          "project p99 | acknowledged | stored | in_flight_at_stop | errors (p/n/l)")
    for path in ("json", "form"):
        p, n, ln = project[path], naive[path], lean[path]
        print(f"{path} | {p:.0f} | {n:.0f} | {ln:.0f} | {p / n:.2f}x | {p / ln:.1%} | "
              f"{project[path + '_p99']} | {project[path + '_ack']} | "
              f"{project[path + '_stored']} | {project[path + '_in_flight']} | "
              f"{project[path + '_errors']}/{naive[path + '_errors']}/"
              f"{lean[path + '_errors']}")
    print("CPU per request, microseconds (server workers / PostgreSQL / wrk):")
    for path in ("json", "form"):
        print(f"  {path}: " + " | ".join(
            f"{who} {'/'.join(str(v) for v in res[path + '_cpu'])}"
            for who, res in (("project", project), ("naive", naive), ("lean", lean))))
    print(f"peers, rows stored minus acknowledged during the measured runs (in flight at "
          f"stop): naive {naive['stored_minus_acked']}, lean {lean['stored_minus_acked']}")
    print(f"project no-loss check (each acknowledged response stored exactly once, "
          f"aggregates = counted responses): {'OK' if project['consistent'] else 'FAILED'}")
    return 0 if project["consistent"] else 1


if __name__ == "__main__":
    sys.exit(main())
