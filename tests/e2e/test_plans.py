"""Follow-up plans (RTL) in Chromium on the demo server: the unit head opens the plan page
from the dashboard, reads the proposal (each NRR equal to the engine's in GET
/api/v1/scores), creates the plan, is told why a bad action is refused (what was typed is
kept), adds an action and submits; the agency head approves it on the agency's plan page;
the unit head records progress with an evidence note. axe-core's WCAG 2.2 A/AA rules on
every state of both pages; no script on them, no request leaves the server."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import TABLET, Server, get_json

pytestmark = pytest.mark.e2e


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/staf/masuk")
    page.get_by_label("Alamat e-mail").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk").click()


def candidate_periods(default: str) -> list[str]:
    """Periods with demo data (the demo covers the last 365 days), the default first:
    another browser test may have made a plan for one of them already."""
    year = int(default[:4])
    before = f"{year}-S1" if default.endswith("S2") else f"{year - 1}-S2"
    return [default, f"{year}", before]


def test_a_plan_from_proposal_to_progress(pages, server: Server, axe) -> None:
    email, password = server.accounts["unit"]
    page = pages.new(viewport=TABLET)
    sign_in(page, email, password)
    unit_path = page.url.removeprefix(server.base).split("?")[0]
    unit = unit_path.rsplit("/", 1)[1]
    link = page.locator("#rtl-link")
    assert link.is_visible()
    with page.expect_navigation():
        link.click()
    assert page.url.removeprefix(server.base).startswith(f"{unit_path}/rtl")
    axe(page)
    assert page.locator("script").count() == 0

    # The default period is the last semester that has ended.
    default = page.locator("#f-period option[selected]").get_attribute("value")
    assert re.match(r"^\d{4}-S[12]$", default), default
    chosen = None
    for key in candidate_periods(default):
        page.goto(f"{unit_path}/rtl?period={key}")
        if page.locator("#create-plan").count() and page.locator("#proposal").count():
            chosen = key
            break
    assert chosen, "no period without a plan and with a proposal"
    axe(page)

    # Every NRR of the proposal is the engine's (the scores API, a seed no one else asks).
    scores = get_json(f"{server.base}/api/v1/scores?period={chosen}&seed=515151&draws=200")
    mine = next(u for u in scores["units"] if u["unit"] == unit)
    rows = page.locator("#proposal tbody tr")
    assert rows.count() >= 3
    proposed = []
    for i in range(rows.count()):
        row = rows.nth(i)
        code = row.get_attribute("data-element")
        nrr = float(row.locator("td").nth(0).locator("data").get_attribute("value"))
        n = int(row.locator("td").nth(1).locator("data").get_attribute("value"))
        assert nrr == pytest.approx(mine["elements"][code]["nrr"], abs=1e-12), code
        assert 10 <= n <= mine["n"]
        proposed.append(code)

    with page.expect_navigation():
        page.locator("#create-plan").click()
    assert page.get_by_role("status").is_visible()
    assert page.locator("#plan-status").get_attribute("data-status") == "draft"
    axe(page)

    # A refused action: the page says why beside the field and keeps what was typed.
    assert page.locator("#new-element").input_value() == proposed[0]
    page.locator("#new-what").fill("Menambah petugas loket pada jam sibuk pagi")
    page.locator("#new-who").fill("Bu Ani 0812 3456 7890")
    page.locator("#new-due").fill(f"{chosen[:4]}-12-31")
    page.locator("#new-effect").fill("Waktu tunggu di bawah 30 menit")
    with page.expect_navigation():
        page.locator("#add-action").click()
    assert page.get_by_role("alert").is_visible()
    assert page.locator("#new-who").get_attribute("aria-invalid") == "true"
    assert "bukan nomor telepon" in page.locator("#err-new-who").inner_text()
    assert page.locator("#new-what").input_value() == "Menambah petugas loket pada jam sibuk pagi"
    axe(page)
    page.locator("#new-who").fill("Kepala Tata Usaha")
    with page.expect_navigation():
        page.locator("#add-action").click()
    assert page.get_by_role("status").inner_text() == "Tindakan ditambahkan."
    assert page.locator(f'#actions tr[data-element="{proposed[0]}"]').count() == 1
    page.locator("details summary").first.click()  # the change form opens without script
    assert page.locator("details form").first.is_visible()
    axe(page)
    with page.expect_navigation():
        page.locator("#submit-plan").click()
    assert page.locator("#plan-status").get_attribute("data-status") == "submitted"
    axe(page)

    # The agency head approves it on the agency's plan page.
    agency_email, agency_password = server.accounts["agency"]
    boss = pages.new(viewport=TABLET)
    sign_in(boss, agency_email, agency_password)
    agency_path = boss.url.removeprefix(server.base).split("?")[0]
    assert boss.locator("#rtl-link").is_visible()
    with boss.expect_navigation():
        boss.locator("#rtl-link").click()
    assert boss.url.removeprefix(server.base).startswith(f"{agency_path}/rtl")
    waiting = boss.locator("article[id^=waiting-]").filter(has_text=chosen_label(boss, chosen))
    assert waiting.count() >= 1
    axe(boss)
    card = waiting.first
    with boss.expect_navigation():
        card.get_by_role("button", name="Simpan keputusan").click()
    assert "done=approved" in boss.url
    assert boss.get_by_role("status").inner_text() == "Rencana disetujui."
    axe(boss)

    # The unit head records progress with an evidence note; the baseline is the engine's.
    page.goto(f"{unit_path}/rtl?period={chosen}")
    if page.locator("#plan-status").get_attribute("data-status") != "approved":
        pytest.fail("the plan approved on the agency page is not approved")
    row = page.locator(f'#actions tr[data-element="{proposed[0]}"]')
    baseline = float(row.locator("data").nth(0).get_attribute("value"))
    assert baseline == pytest.approx(mine["elements"][proposed[0]]["nrr"], abs=1e-12)
    form = page.locator("form[id^=status-]").first
    form.locator("select").select_option("in_progress")
    form.locator("textarea").fill("Dua petugas tambahan bertugas sejak Senin")
    with page.expect_navigation():
        form.get_by_role("button", name="Simpan status").click()
    assert page.get_by_role("status").inner_text() == "Status tindakan disimpan."
    assert row.locator("td[data-status]").get_attribute("data-status") == "in_progress"
    assert "Dua petugas tambahan" in row.inner_text()
    axe(page)


def chosen_label(page: Any, key: str) -> re.Pattern[str]:
    """The plan's period in words on the agency page (Indonesian)."""
    if len(key) == 4:
        return re.compile(f"Tahun {key}")
    if key.endswith("S1") or key.endswith("S2"):
        return re.compile(f"Semester {'I' if key.endswith('S1') else 'II'} {key[:4]}")
    return re.compile(key)
