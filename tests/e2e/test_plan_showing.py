"""The follow-up plans (RTL) as shown, in Chromium, on the demo city: the demo unit with the
most responses in a month M and the month before it gets an approved plan for M (published
with `suara publish`) and one for the month before, written straight into the server's
SQLite file as the plan workflow leaves them (the earlier plan's baselines are the unit's
element NRRs of its month, read from GET /api/v1/units/{unit}/ikm). Then /publik marks the
unit, /publik/unit/{unit} lists the plan's actions (an e-mail address in a note is
masked), and the unit dashboard of M (seen by the demo city account) compares the earlier
plan's elements then and now (now = the API's NRR of M); axe-core finds no WCAG 2.2 A/AA
violation on any of them, nothing overflows a 320 px phone, no script runs on the public
pages and no request leaves the server.

M is the latest whole month that no other browser test publishes (they publish the two
quarters before this one and the month ten months back), so no other test's publication
is affected."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from .conftest import ARTEFACTS, PHONE, TABLET, Server, _suara_command, get_json

pytestmark = pytest.mark.e2e

NOW = datetime.now(UTC).isoformat()
NAMES = {"waktu": "Waktu Penyelesaian", "sarana": "Sarana dan Prasarana",
         "prosedur": "Sistem, Mekanisme, dan Prosedur"}


def _month(index: int) -> str:
    return f"{index // 12}-{index % 12 + 1:02d}"


def _months(today: date) -> tuple[str, str]:
    """(the published month M, the month before it)."""
    this = today.year * 12 + today.month - 1
    quarter = this // 3
    taken = {q * 3 + k for q in (quarter - 2, quarter - 1) for k in range(3)} | {this - 10}
    m = next(i for i in range(this - 1, this - 10, -1) if i not in taken)
    return _month(m), _month(m - 1)


def _bounds(key: str) -> tuple[str, str]:
    year, month = map(int, key.split("-"))
    first = date(year, month, 1)
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return first.isoformat(), last.isoformat()


def _ikm(server: Server, unit: str, key: str) -> dict[str, Any]:
    first, last = _bounds(key)
    return get_json(f"{server.base}/api/v1/units/{unit}/ikm?from={first}&to={last}")


def _plan(db: Any, unit_id: int, period: str, actions: list[dict[str, Any]]) -> None:
    cur = db.execute(
        "INSERT INTO follow_up_plan (unit_id, period, status, created_at, created_by, "
        "created_by_id, updated_at, updated_by, submitted_at, submitted_by, decided_at, "
        "decided_by, decision_note) VALUES (?, ?, 'approved', ?, 'e2e', NULL, ?, 'e2e', ?, "
        "'e2e', ?, 'e2e', NULL)", (unit_id, period, NOW, NOW, NOW, NOW))
    for a in actions:
        db.execute(
            "INSERT INTO plan_action (plan_id, element, what, who, due, expected_effect, "
            "status, evidence_note, created_at, created_by, updated_at, updated_by, "
            "baseline_nrr, baseline_n) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'e2e', ?, 'e2e', "
            "?, ?)",
            (cur.lastrowid, a["element"], a["what"], a["who"], a["due"], a["effect"],
             a["status"], a.get("note"), NOW, NOW, a.get("nrr"), a.get("n")))


def _publish(server: Server, key: str) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{server.workdir}/e2e.db",
           "SUARA_SECRET": "e2e-secret"}
    args = [*_suara_command(), "publish", "--period", key, "--note", f"Hasil {key}"]
    if get_json(f"{server.base}/api/v1/units") and _published(server, key):
        args += ["--reason", "browser test of the follow-up plans"]
    done = subprocess.run(args, cwd=server.workdir, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"suara publish failed:\n{done.stdout}\n{done.stderr}"


def _published(server: Server, key: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{server.base}/publik/data/{key}.json",  # noqa: S310
                                    timeout=10):
            return True
    except urllib.error.HTTPError:
        return False


def _sign_in(page: Any, server: Server, role: str) -> None:
    email, password = server.accounts[role]
    page.goto("/staf/masuk")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()


def _busiest(server: Server, months: tuple[str, str]) -> tuple[str, dict, dict]:
    """The unit with the most responses in the poorer of the two months, and its IKM of
    each (GET /api/v1/units/{unit}/ikm)."""
    best = None
    for agency in server.directory["agencies"]:
        for unit in agency["units"]:
            now, then = (_ikm(server, unit["code"], key) for key in months)
            if best is None or min(now["n"], then["n"]) > min(best[1]["n"], best[2]["n"]):
                best = (unit["code"], now, then)
    assert best is not None
    return best


def _num(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")


def _no_overflow(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"{page.url}: {width} px wide"


def test_plans_on_the_public_pages_and_the_next_months_dashboard(pages, server: Server,
                                                                 axe) -> None:
    month, before = _months(date.today())
    unit, now, then = _busiest(server, (month, before))
    assert then["n"] >= 10 and now["n"] >= 10 and not then["suppressed"], (then, now)
    staff = pages.new(viewport=TABLET)
    _sign_in(staff, server, "city")
    with sqlite3.connect(server.workdir / "e2e.db") as db:
        unit_id = db.execute("SELECT id FROM unit WHERE code = ?", (unit,)).fetchone()[0]
        _plan(db, unit_id, before, [
            {"element": "waktu", "what": "Tambah loket pagi", "who": "Kepala Tata Usaha",
             "due": _bounds(month)[1], "effect": "Antrean lebih pendek", "status": "done",
             "note": "Loket 3 dibuka", "nrr": then["elements"]["waktu"]["nrr"],
             "n": then["n"]},
            {"element": "sarana", "what": "Perbaiki kursi", "who": "Pengelola Barang",
             "due": _bounds(month)[1], "effect": "Ruang tunggu nyaman",
             "status": "in_progress", "nrr": then["elements"]["sarana"]["nrr"],
             "n": then["n"]}])
        _plan(db, unit_id, month, [
            {"element": "prosedur", "what": "Papan alur pelayanan", "who": "Kepala Seksi",
             "due": "2027-01-31", "effect": "Alur mudah dipahami", "status": "planned",
             "nrr": now["elements"]["prosedur"]["nrr"], "n": now["n"]},
            {"element": "sarana", "what": "Pendingin ruangan", "who": "Pengelola Barang",
             "due": "2027-02-28", "effect": "Ruang tunggu sejuk", "status": "in_progress",
             "note": "Teknisi: teknisi@contoh.id", "nrr": now["elements"]["sarana"]["nrr"],
             "n": now["n"]}])
    _publish(server, month)

    # /publik marks the unit that has an approved plan for the month
    page = pages.new(viewport=PHONE)
    assert page.goto(f"/publik?period={month}").status == 200
    row = page.locator("tbody tr", has=page.locator(f'a[href^="/publik/unit/{unit}?"]'))
    assert "Rencana tindak lanjut: 2 tindakan" in row.locator("th").inner_text()
    axe(page)
    _no_overflow(page)
    with page.expect_navigation():  # the plan's line leads to the plan on the unit page
        row.get_by_role("link", name="Rencana tindak lanjut: 2 tindakan").click()
    assert page.url.endswith(f"/publik/unit/{unit}?period={month}#rtl")

    # the unit's page lists the plan in the regulation's element order, the e-mail masked
    assert page.goto(f"/publik/unit/{unit}?period={month}").status == 200
    plan = page.locator("section[aria-labelledby=rtl]")
    assert plan.get_by_role("heading", level=2).inner_text() == "Rencana tindak lanjut"
    items = plan.locator("ol.plan > li")
    assert items.count() == 2
    assert items.nth(0).get_by_role("heading", level=3).inner_text() == NAMES["prosedur"]
    assert "Papan alur pelayanan" in items.nth(0).inner_text()
    assert "Paling lambat 2027-01-31 · Status: Direncanakan" in items.nth(0).inner_text()
    second = items.nth(1).inner_text()
    assert "Status: Sedang berjalan" in second and "Dampak yang diharapkan: Ruang tunggu " \
        "sejuk" in second
    assert "Bukti: Teknisi: [email disamarkan]" in second and "teknisi@" not in page.content()
    assert page.locator("script").count() == 0
    axe(page)
    _no_overflow(page)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    plan.screenshot(path=str(ARTEFACTS / "publik-unit-plan-phone.png"))
    page.set_viewport_size({"width": 320, "height": 700})
    _no_overflow(page)

    # the unit dashboard of the month: the earlier plan's elements then and now
    staff.goto(f"/staf/unit/{unit}?period={month}")
    table = staff.locator("#plan-progress table")
    assert table.count() == 1
    for code in ("waktu", "sarana"):
        cells = table.locator(f'tr[data-element="{code}"] td')
        values = cells.locator("data").evaluate_all("els => els.map(e => e.value)")
        base, current = then["elements"][code]["nrr"], now["elements"][code]["nrr"]
        assert float(values[0]) == base and int(values[1]) == then["n"]
        assert float(values[2]) == current  # the engine's NRR of the month, as the API's
        assert 0 < int(values[3]) <= now["n"]
        assert abs(float(values[4]) - (current - base)) < 1e-12
        word = cells.nth(5).inner_text()
        assert word == ("naik" if current - base >= 0.0005 else "turun"
                        if current - base <= -0.0005 else "tetap")
        assert cells.nth(0).inner_text() == _num(base, 3)
    assert "Tambah loket pagi (Selesai)" in table.inner_text()
    assert "Perbaiki kursi (Sedang berjalan)" in table.inner_text()
    axe(staff)
    staff.locator("#plan-progress").screenshot(path=str(ARTEFACTS / "unit-plan-progress.png"))
    staff.set_viewport_size(PHONE)
    axe(staff)
    with staff.expect_navigation():  # to the plan itself (the plan pages)
        staff.locator("#plan-progress-link").click()
    assert staff.url.endswith(f"/staf/unit/{unit}/rtl?period={before}")
    assert "Loket 3 dibuka" in staff.locator("main").inner_text()
    assert all(url.startswith(server.base) for url in pages.requests), pages.requests
