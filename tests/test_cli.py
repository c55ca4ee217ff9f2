"""The `suara` command: posters, ticket stubs, purge (run as real subprocesses on the test
database)."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path

from feedback.tables import TicketToken
from tests.conftest import TEST_DATABASE_URL

ROOT = Path(__file__).parent.parent
# Exactly what the installed `suara` script runs (app.cli.main imported as a module).
ENTRY_POINT = "import sys; from app.cli.main import main; sys.exit(main())"


def suara(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=TEST_DATABASE_URL, SUARA_SECRET="test-secret",
               SUARA_PUBLIC_URL="https://suara.example.id")
    return subprocess.run([sys.executable, "-c", ENTRY_POINT, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def pdf_text(path: Path) -> tuple[int, str]:
    """Page count and the decompressed content streams of a PDF made by fpdf2."""
    data = path.read_bytes()
    pages = data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(
        b"/Type /Page>")
    text = []
    for chunk in data.split(b"stream\n")[1:]:
        body = chunk.split(b"\nendstream")[0]
        try:
            text.append(zlib.decompress(body).decode("latin-1"))
        except zlib.error:
            continue
    return pages, "\n".join(text)


async def test_qr_posters_one_per_counter(org, tmp_path):
    out = tmp_path / "posters.pdf"
    done = suara("qr", "--out", str(out))
    assert done.returncode == 0, done.stderr
    pages, text = pdf_text(out)
    assert pages == 3
    assert f"https://suara.example.id/s/{org.counter}" in text
    assert "UPTD Puskesmas Oesapa" in text
    one_unit = tmp_path / "one.pdf"
    assert suara("qr", "--out", str(one_unit), "--unit", "pkm-oebobo").returncode == 0
    assert pdf_text(one_unit)[0] == 1
    missing = suara("qr", "--out", str(tmp_path / "none.pdf"), "--unit", "nope")
    assert missing.returncode == 1 and "No counters found" in missing.stderr


async def test_ticket_stubs_are_minted_and_printed(org, tmp_path):
    out = tmp_path / "stubs.pdf"
    done = suara("tokens", "--counter", org.counter, "--count", "17", "--out", str(out))
    assert done.returncode == 0, done.stderr
    tokens = await TicketToken.select(TicketToken.code, TicketToken.kind)
    assert len(tokens) == 17 and {t["kind"] for t in tokens} == {"server"}
    pages, text = pdf_text(out)
    assert pages == 2
    for t in tokens:
        assert t["code"] in text
    bad = suara("tokens", "--counter", "NOPE", "--count", "2", "--out", str(out))
    assert bad.returncode == 1 and "Unknown counter" in bad.stderr
    zero = suara("tokens", "--counter", org.counter, "--count", "0", "--out", str(out))
    assert zero.returncode == 2
    assert await TicketToken.count() == 17


async def test_purge_and_help(org):
    done = suara("purge")
    assert done.returncode == 0 and "Erased 0 device codes" in done.stderr
    help_text = suara("--help").stdout
    for command in ("serve", "demo", "qr", "tokens", "score", "import", "kpis", "purge"):
        assert command in help_text


async def test_kpis_command_stores_a_period(org, tmp_path):
    from feedback.tables import IndicatorValue

    good = tmp_path / "kpi.csv"
    good.write_text("unit,indicator,target,actual,direction,weight\n"
                    "pkm-oesapa,Cakupan imunisasi,95,91,higher,2\n"
                    "pkm-oebobo,Waktu tunggu,30,,lower,1\n", encoding="utf-8")
    done = suara("kpis", str(good), "--period", "2026-S1", "--by", "kasubag")
    assert done.returncode == 0, done.stderr
    assert "2 new" in done.stderr
    assert await IndicatorValue.count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,indicator,target,actual,direction,weight\n"
                   "pkm-oesapa,X,0,1,higher,1\n", encoding="utf-8")
    refused = suara("kpis", str(bad), "--period", "2026-S1")
    assert refused.returncode == 2 and "row 2" in refused.stderr and "target" in refused.stderr
    assert suara("kpis", str(good), "--period", "2026-S7").returncode == 2
    assert await IndicatorValue.count() == 2
