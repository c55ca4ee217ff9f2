"""Operations: offline API docs, the favicon, bounded caches, the scores API's edge answers,
the public URL warnings, start-up output, the served request rate and the layer contracts."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.support import make_client

# --- /schema works offline; /favicon.ico ------------------------------------------------------


async def test_api_docs_page_loads_nothing_from_other_hosts(db):
    async with make_client() as client:
        page = await client.get("/schema")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        html = page.text
        # Every script, style sheet, icon and font comes from this server.
        assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
        assets += re.findall(r"""(?:url\(|@import\s+)["']?([^"')\s]+)""", html)
        assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
        for asset in assets:
            assert asset.startswith("/") and not asset.startswith("//"), asset
            r = await client.get(asset)
            assert r.status_code == 200, asset
            assert "max-age=" in r.headers.get("cache-control", ""), asset
        spec = await client.get("/schema/openapi.json")
        assert spec.status_code == 200 and spec.json()["info"]["title"] == "Suara Layanan"


async def test_favicon_is_a_tiny_cached_icon(db):
    async with make_client() as client:
        r = await client.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # ICO header
    assert len(r.content) < 600
    assert "max-age=604800" in r.headers["cache-control"]


# --- bounded caches ---------------------------------------------------------------------------


async def test_counter_cache_is_bounded_in_size_and_age(org):
    import time

    from feedback.org import counters

    assert await counters.load_counter(org.counter) is not None
    for i in range(counters.UNKNOWN_CACHE_SIZE + 100):
        assert await counters.load_counter(f"NOPE{i:06d}") is None
    assert len(counters._unknown) <= counters.UNKNOWN_CACHE_SIZE
    assert org.counter in counters._known  # made-up codes do not push real counters out
    assert await counters.load_counter("../etc") is None  # not a code: nothing cached
    assert "../etc" not in counters._unknown
    later = time.monotonic() + counters.COUNTER_CACHE_SECONDS + 1
    counters._known.expire(later)
    counters._unknown.expire(later)
    assert len(counters._known) == 0 and len(counters._unknown) == 0


async def _some_responses(org):
    from datetime import UTC, datetime

    from tests.test_scores_db import RESPONSES, _store

    await _store(org, RESPONSES, datetime(2026, 2, 3, 2, tzinfo=UTC))


async def test_score_cache_is_bounded_in_size_and_age(org, monkeypatch):
    import asyncio

    from app.web import scores_api

    await _some_responses(org)
    monkeypatch.setattr(scores_api, "CACHE_SIZE", 3)
    monkeypatch.setattr(scores_api, "CACHE_SECONDS", 0.5)
    holder = make_client()
    async with holder as client:
        cache = holder.app.state.score_cache
        for seed in range(5):
            r = await client.get(f"/api/v1/scores?period=2026-S1&draws=0&seed={seed}")
            assert r.status_code == 200, r.text
        assert len(cache) == 3
        assert ("2026-S1", 4, 0, 0.5) in cache
        await asyncio.sleep(0.6)
        assert ("2026-S1", 4, 0, 0.5) not in cache
        assert (await client.get("/api/v1/scores?period=2026-S1&draws=0&seed=9")).status_code \
            == 200
        assert len(cache) == 1  # the expired entries were dropped


# --- GET /api/v1/scores: 429 with Retry-After, periods not started, periods without data -------


async def test_score_rate_limit_has_its_own_message_and_retry_after(org):
    await _some_responses(org)
    async with make_client() as client:
        for seed in range(30):
            r = await client.get(f"/api/v1/scores?period=2026-S1&draws=0&seed={seed}",
                                 headers={"Accept-Language": "en"})
            if r.status_code == 429:
                break
            assert r.status_code == 200, r.text
        assert r.status_code == 429
        assert r.json()["error"] == "rate_limited"
        assert "score computations" in r.json()["message"]
        assert "submissions" not in r.json()["message"]
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert f"{r.headers['retry-after']} seconds" in r.json()["message"]
        r = await client.get("/api/v1/scores?period=2026-S1&draws=0&seed=99")
        assert r.status_code == 429 and "perhitungan skor" in r.json()["message"]


async def test_period_not_started_is_422(org):
    from datetime import UTC, datetime

    year = datetime.now(UTC).year + 1
    async with make_client() as client:
        r = await client.get(f"/api/v1/scores?period={year}")
        custom = await client.get(f"/api/v1/scores?from={year}-01-01&to={year}-01-31",
                                  headers={"Accept-Language": "en"})
    assert r.status_code == 422 and r.json()["error"] == "period_not_started"
    assert "belum dimulai" in r.json()["message"] and f"{year}-01-01" in r.json()["message"]
    assert custom.status_code == 422 and "has not started" in custom.json()["message"]


async def test_period_without_data_is_404_and_costs_no_computation(org):
    async with make_client() as client:
        answers = [await client.get(f"/api/v1/scores?period=2020&draws=0&seed={seed}",
                                    headers={"Accept-Language": "en"}) for seed in range(12)]
        spec = (await client.get("/schema/openapi.json")).json()
    assert {a.status_code for a in answers} == {404}  # never 429: nothing was computed
    body = answers[0].json()
    assert body["error"] == "no_data"
    assert body["message"] == "No responses were recorded between 2020-01-01 and 2020-12-31."
    documented = spec["paths"]["/api/v1/scores"]["get"]["responses"]
    assert {"404", "422", "429"} <= set(documented)


# --- start-up output: one true line about the database ---------------------------------------

ROOT = Path(__file__).parent.parent
ENTRY_POINT = "import sys; from app.cli.main import main; sys.exit(main())"


def run_suara(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real `suara` entry point on a SQLite file of its own in `tmp_path`."""
    full = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/suara.db",
                SUARA_SECRET="test-secret", **env)
    return subprocess.run([sys.executable, "-c", ENTRY_POINT, *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=120)


def test_fresh_database_gets_one_true_migration_line(tmp_path):
    n = len([p for p in (ROOT / "feedback" / "piccolo_migrations").glob("feedback_*.py")])
    first = run_suara(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    output = (first.stdout + first.stderr).strip().splitlines()
    assert output == [f"Database: {n} migrations applied now ({n} in all)."]
    again = run_suara(tmp_path, "migrate")
    assert (again.stdout + again.stderr).strip() == f"Database up to date ({n} migrations)."
    other = run_suara(tmp_path, "qr", "--out", str(tmp_path / "p.pdf"),
                      SUARA_PUBLIC_URL="https://suara.example.id")
    assert "igration" not in other.stdout + other.stderr  # nothing to apply: nothing said


# --- the public URL that printed codes point to -----------------------------------------------


@pytest.mark.parametrize(("url", "kind"), [
    ("http://localhost:8000", "local"), ("http://127.0.0.1:8000", "local"),
    ("http://127.3.2.1", "local"), ("http://[::1]:8000", "local"), ("http://0.0.0.0:8000", "local"),
    ("http://suara.localhost", "local"), ("http://192.168.1.20:8000", "private"),
    ("http://10.0.0.5", "private"), ("http://172.20.1.1", "private"),
    ("https://suara.kupangkota.go.id", None), ("http://36.91.2.3", None),
])
def test_public_url_problem(url, kind):
    from app.cli.common import public_url_problem

    problem = public_url_problem(url)
    assert (problem and problem[0]) == kind


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real entry point on the shared test database, SUARA_PUBLIC_URL only as given."""
    full = {k: v for k, v in os.environ.items() if k != "SUARA_PUBLIC_URL"}
    full.update(DATABASE_URL=TEST_DATABASE_URL, SUARA_SECRET="test-secret", **env)
    return subprocess.run([sys.executable, "-c", ENTRY_POINT, *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=120)


async def test_printing_warns_when_codes_point_to_a_local_address(org, tmp_path):
    out = str(tmp_path / "x.pdf")
    unset = _cli("qr", "--out", out)
    assert unset.returncode == 0, unset.stderr
    said = " ".join(unset.stderr.split())
    assert "WARNING" in said and "http://localhost:8000" in said
    assert "SUARA_PUBLIC_URL is not set" in said and "citizens' phones" in said
    stubs = _cli("tokens", "--counter", org.counter, "--count", "1", "--out", out,
                 SUARA_PUBLIC_URL="http://127.0.0.1:9000")
    assert stubs.returncode == 0 and "WARNING" in stubs.stderr
    assert "127.0.0.1:9000" in " ".join(stubs.stderr.split())
    lan = _cli("qr", "--out", out, SUARA_PUBLIC_URL="http://192.168.1.20:8000")
    assert "WARNING" not in lan.stderr and "private network" in " ".join(lan.stderr.split())
    public = _cli("qr", "--out", out, SUARA_PUBLIC_URL="https://suara.kupangkota.go.id")
    assert public.returncode == 0
    assert "WARNING" not in public.stderr and "Note" not in public.stderr


# --- `suara serve --workers 2`: links from its own address; one keep-alive connection is fast --


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("plain", [False, True], ids=["as-installed", "no-uvloop-no-httptools"])
def test_served_workers_answer_fast_on_one_keep_alive_connection(tmp_path, plain):
    """Before the fix, with --workers each keep-alive response waited for a delayed ACK:
    about 22 responses a second on one connection. `plain` hides uvloop and httptools (the
    asyncio loop and h11, as a `pip install .` without uvicorn's extras had it)."""
    env = {k: v for k, v in os.environ.items() if k != "SUARA_PUBLIC_URL"}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/suara.db", SUARA_SECRET="test-secret")
    if plain:
        for name in ("uvloop", "httptools"):
            (tmp_path / "hide" / name).mkdir(parents=True)
            (tmp_path / "hide" / name / "__init__.py").write_text("raise ImportError('hidden')")
        env["PYTHONPATH"] = str(tmp_path / "hide")
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-c", ENTRY_POINT, "serve", "--workers", "2", "--port", str(port),
         "--demo", "--demo-responses", "0"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/health/live")
                assert conn.getresponse().read() == b"ok"
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, \
                    (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < 1.5:
            conn.request("GET", "/health/live")
            response = conn.getresponse()
            assert response.read() == b"ok" and not response.will_close
            count += 1
        rate = count / (time.perf_counter() - start)
        assert rate >= 200, f"{rate:.0f} responses a second on one connection"
        conn.request("GET", "/api/v1/units")
        units = json.loads(conn.getresponse().read())
        url = units["agencies"][0]["units"][0]["counters"][0]["url"]
        assert url.startswith(f"http://127.0.0.1:{port}/s/")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    said = " ".join((tmp_path / "serve.log").read_text().split())
    assert f"Links and QR codes use http://127.0.0.1:{port}" in said
    assert "WARNING" in said  # 127.0.0.1 is no address for citizens' phones
    assert said.count("Database") == 1 and "igrations applied now" in said


# --- suara score: documented columns, a quiet broken pipe, a true footer ---------------------

ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
            "pengaduan", "sarana")


def _responses_csv(path: Path, units: int, per_unit: int) -> Path:
    lines = ["unit," + ",".join(ELEMENTS)]
    for u in range(units):
        for r in range(per_unit):
            lines.append(f"u{u:04d}," + ",".join(str(1 + (u + r + i) % 4)
                                                 for i in range(len(ELEMENTS))))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_score_help_documents_the_columns_of_every_file():
    help_text = subprocess.run([sys.executable, "-c", ENTRY_POINT, "score", "--help"], cwd=ROOT,
                               capture_output=True, text=True, timeout=60).stdout
    for column in (*ELEMENTS, "submitted_at", "peer_group", "volume", "indicator", "target",
                   "actual", "direction", "weight", "previous_actual"):
        assert column in help_text, column
    assert "1 (worst) to 4 (best)" in help_text and "higher or lower" in help_text


def test_score_output_into_a_closed_pipe_ends_quietly(tmp_path):
    """`suara score ... --format csv | head -1`: no BrokenPipeError traceback."""
    responses = _responses_csv(tmp_path / "r.csv", units=1500, per_unit=1)
    for fmt in ("csv", "json"):
        proc = subprocess.Popen(
            [sys.executable, "-c", ENTRY_POINT, "score", "--responses", str(responses),
             "--format", fmt, "--draws", "0"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = proc.stdout.readline()
        proc.stdout.close()  # like `head -1` exiting
        stderr = proc.stderr.read().decode()
        proc.stderr.close()
        assert proc.wait(timeout=120) == 141, stderr
        assert first.strip() and stderr == "", stderr


def test_score_table_footer_says_what_the_index_is(tmp_path):
    responses = _responses_csv(tmp_path / "r.csv", units=4, per_unit=40)
    kpis = tmp_path / "k.csv"
    kpis.write_text("unit,indicator,target,actual,direction,weight\n"
                    + "".join(f"u{u:04d},cakupan,90,{80 + u},higher,1\n" for u in range(4)))

    def footer(*extra: str) -> str:
        done = subprocess.run([sys.executable, "-c", ENTRY_POINT, "score", "--responses",
                               str(responses), "--draws", "50", *extra],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return " ".join(done.stdout.split())

    alone = footer()
    assert "index = satisfaction alone" in alone and "KPI 0" not in alone
    both = footer("--kpis", str(kpis))
    assert "index = 0.5 × satisfaction + 0.5 × KPI" in both


# --- the layer rules (.importlinter) -----------------------------------------------------------


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "lint-imports"
    return subprocess.run([str(exe), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_layer_contracts_are_kept():
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


def test_layer_contracts_catch_an_upward_import(tmp_path):
    import shutil

    for package in ("app", "feedback", "scoring"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    shutil.copy(ROOT / ".importlinter", tmp_path)
    with (tmp_path / "scoring" / "__init__.py").open("a") as fh:
        fh.write("\nfrom feedback import clock  # noqa\n")
    with (tmp_path / "feedback" / "__init__.py").open("a") as fh:
        fh.write("\nimport app.i18n  # noqa\n")
    done = _lint_imports(tmp_path)
    assert done.returncode != 0
    assert "0 kept, 3 broken" in done.stdout, done.stdout
