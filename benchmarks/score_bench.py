"""Scoring benchmark: a city of 500 units with 10 million stored responses over a year, on
PostgreSQL; then time scoring the year from the daily aggregates with 2,000 rank-interval
draws, in a fresh process, and report wall time and peak memory.

Usage:  python benchmarks/score_bench.py [--pg URL] [--responses 10000000] [--units 500]
                                         [--keep]   (reuse an already loaded database)

Responses are generated inside PostgreSQL (INSERT … SELECT over generate_series, the
server-side equivalent of COPY); the per-unit, per-day aggregates are then built with one
GROUP BY per table and checked against feedback.aggregates.daily for a sample of units.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
            "pengaduan", "sarana")
YEAR = 2025


def _answers_sql() -> str:
    # Each unit has a quality in [-0.6, 0.6] and each element an offset; answers 1..4.
    offsets = {"waktu": -0.35, "sarana": -0.3, "biaya": 0.5, "perilaku": 0.2}
    parts = []
    for e in ELEMENTS:
        parts.append(
            f"'{e}', LEAST(4, GREATEST(1, ROUND(2.9 + q + {offsets.get(e, 0.0)} "
            f"+ (random() + random() - 1) * 1.6)))::int"
        )
    return "jsonb_build_object(" + ", ".join(parts) + ")"


async def load(url: str, responses: int, units: int) -> None:
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    from feedback import engine as db
    from feedback.survey.skm import current_questionnaire_id
    from feedback.tables import Agency, Counter, Unit
    from piccolo_conf import DB
    from tests.support import reset_database

    await reset_database(DB)
    await db.start(DB)
    t = time.perf_counter()
    groups = ("puskesmas", "kelurahan", "kecamatan", "mpp", "perizinan", "pasar")
    agencies = [Agency(code=f"ag-{i:02d}", name=f"Perangkat Daerah {i}") for i in range(30)]
    await Agency.insert(*agencies)
    unit_rows = [Unit(code=f"u-{i:03d}", name=f"Unit {i}", agency=agencies[i % 30].id,
                      peer_group=groups[i % len(groups)], monthly_volume=200 + (i * 97) % 3000)
                 for i in range(units)]
    await Unit.insert(*unit_rows)
    await Counter.insert(*[Counter(code=f"C{i:07d}", unit=u.id, name="Loket", secret="00" * 32)
                           for i, u in enumerate(unit_rows)])
    questionnaire = await current_questionnaire_id()
    first_unit = unit_rows[0].id
    # Unit sizes vary: unit k gets a share proportional to 1 + (k*7919 % 97), a few tiny.
    await DB.run_ddl("SET synchronous_commit = off")
    sql = f"""
    INSERT INTO response (counter, unit, questionnaire, answers, answered, counted, channel,
                          lang, submitted_at, receipt, submission_key, verified, flags, excluded)
    SELECT c.id, c.unit, {questionnaire}, {_answers_sql()}, 9, true, 'qr', 'id',
           TIMESTAMPTZ '{YEAR}-01-01 00:00:00+00' + (random() * 364.9) * INTERVAL '1 day'
             + INTERVAL '1 hour' * (0 + floor(random() * 8)),
           'B' || lpad(to_hex(g), 10, '0'), 'bench-' || g, false, '[]', false
    FROM (SELECT g, u, (((u * 37) % 100) / 100.0 - 0.5) * 1.2 AS q
          FROM (SELECT g, CASE WHEN g % 200000 < 3 THEN (g / 200000) % 8
                               ELSE 8 + (abs(hashint4(g)) % ({units} - 8)) END AS u
                FROM generate_series(1, {responses}) AS g) pick) s
    JOIN counter c ON c.unit = {first_unit} + s.u
    """
    await DB.run_ddl(sql)
    print(f"responses generated in {time.perf_counter() - t:.0f} s", flush=True)
    t = time.perf_counter()
    e_cols = ", ".join(f"(answers->>'{e}')::int AS {e}" for e in ELEMENTS)
    count_cols = ", ".join(f'"{e}_{a}"' for e in ELEMENTS for a in range(1, 5))
    count_sums = ", ".join(f"SUM(({e} = {a})::int)" for e in ELEMENTS for a in range(1, 5))
    total = " + ".join(ELEMENTS)
    base = (f"SELECT unit, (submitted_at AT TIME ZONE 'Asia/Makassar')::date AS day, {e_cols} "
            "FROM response WHERE counted")
    await DB.run_ddl(f"""
    INSERT INTO unit_day_stats (unit, day, n, {count_cols})
    SELECT unit, day, COUNT(*), {count_sums}
    FROM ({base}) r GROUP BY unit, day""")
    await DB.run_ddl(f"""
    INSERT INTO unit_day_score (unit, day, answered, total, count)
    SELECT unit, day, 9, {total}, COUNT(*) FROM ({base}) r GROUP BY unit, day, {total}""")
    await DB.run_ddl("ANALYZE")
    print(f"aggregates built in {time.perf_counter() - t:.0f} s", flush=True)
    await check_sample(DB, [unit_rows[0].id, unit_rows[len(unit_rows) // 2].id])
    await db.stop(DB)


async def check_sample(DB, unit_ids: list[int]) -> None:
    """The SQL-built aggregates equal feedback.aggregates.daily over the same raw responses."""
    from feedback.aggregates.daily import deltas
    from feedback.clock import wita_day
    from feedback.tables import Response, UnitDayScore, UnitDayStats

    for unit_id in unit_ids:
        rows = await Response.select(Response.unit, Response.submitted_at, Response.answers) \
            .where(Response.unit == unit_id).output(load_json=True)
        want = deltas((r["unit"], wita_day(r["submitted_at"]), r["answers"]) for r in rows)
        stats = await UnitDayStats.select().where(UnitDayStats.unit == unit_id)
        assert len(stats) == len(want), (len(stats), len(want))
        for s in stats:
            d = want[(unit_id, s["day"])]
            assert s["n"] == d.n
        hist = await UnitDayScore.select().where(UnitDayScore.unit == unit_id)
        assert sum(h["count"] for h in hist) == sum(d.n for d in want.values())
    print(f"aggregates of units {unit_ids} match feedback.aggregates.daily", flush=True)


def measure(url: str, draws: int) -> dict[str, float]:
    """Score the year in a fresh interpreter; report wall time and peak resident memory."""
    code = f"""
import asyncio, json, os, resource, sys, time
os.environ["DATABASE_URL"] = {url!r}
sys.path.insert(0, {str(ROOT)!r})
from piccolo_conf import DB
from feedback import engine as db
from feedback.performance import periods
from feedback.performance.scores import engine_inputs, score_period
from scoring.inputs import Parameters
async def main():
    await db.start(DB)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    units, kpis = await engine_inputs(periods.parse("{YEAR}"))
    t1 = time.perf_counter()
    result = await score_period(periods.parse("{YEAR}"), Parameters(draws={draws}, seed=1))
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    await db.stop(DB)
    ranked = sum(u.status == "ranked" for u in result.units)
    print(json.dumps({{"read_aggregates_s": t1 - t0, "score_total_s": t2 - t1,
                      "peak_rss_mb": peak / 1024, "rss_before_mb": before / 1024,
                      "units": len(result.units), "ranked": ranked,
                      "responses": int(sum(u.n for u in result.units))}}))
asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get(
        "BENCH_PG_URL", "postgresql://postgres:postgres@127.0.0.1:5432/suara_scorebench"))
    parser.add_argument("--responses", type=int, default=10_000_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    args = parser.parse_args()
    if not args.keep:
        asyncio.run(load(args.pg, args.responses, args.units))
    for _ in range(3):
        print(json.dumps(measure(args.pg, args.draws)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
