"""The integrity review queue in Chromium: the demo's stuffing (8-30 days back) is found by
`suara integrity scan` over the last 31 days, the city account opens the queue, reads a
flag's evidence (reasons, the timeline chart, the features, the responses) and excludes
the group with a reason; the flag shows as decided. axe-core's WCAG 2.2 A/AA rules on
every page, on a tablet and a phone."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .conftest import PHONE, TABLET, Server, _suara_command, format_violations, run_axe

pytestmark = pytest.mark.e2e


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/staf/masuk")
    page.get_by_label("Alamat e-mail").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk").click()


def assert_accessible(page: Any, axe_source) -> None:
    violations = run_axe(page, axe_source)
    assert not violations, format_violations(page.url, violations)


def scan_last_month(server: Server) -> dict[str, Any]:
    today = (datetime.now(UTC) + timedelta(hours=8)).date()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{server.workdir}/e2e.db",
           "SUARA_SECRET": "e2e-secret"}
    done = subprocess.run(
        [*_suara_command(), "integrity", "scan", "--from",
         (today - timedelta(days=31)).isoformat(), "--to", today.isoformat(),
         "--format", "json"], cwd=server.workdir, env=env, capture_output=True, text=True,
        timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_city_reads_the_evidence_and_excludes_a_flagged_hour(pages, server: Server,
                                                             axe_source) -> None:
    report = scan_last_month(server)
    assert report["flagged"], report
    email, password = server.accounts["city"]
    page = pages.new(viewport=TABLET)
    sign_in(page, email, password)
    with page.expect_navigation():
        page.locator('header a[href="/staf/integritas"]').click()
    rows = page.locator('tr[data-status="pending"]')
    assert rows.count() >= 1
    assert_accessible(page, axe_source)

    # The most unusual pending hour first: its evidence.
    flag = rows.first.get_attribute("data-flag")
    with page.expect_navigation():
        rows.first.locator("a").click()
    assert page.url.split("?")[0].endswith(f"/staf/integritas/{flag}")
    assert page.locator("[data-reason]").count() >= 1
    assert page.locator("figure.chart svg[role=img]").count() == 1
    assert page.locator("tr[data-feature]").count() == 10
    responses = page.locator("tr[data-response]")
    n = responses.count()
    assert n >= 1
    assert_accessible(page, axe_source)

    # Exclude the whole group with a reason.
    page.locator('input[name="action"][value="exclude"]').check()
    page.locator("#reason").fill("Penilaian beruntun dari tiga perangkat tanpa tiket")
    with page.expect_navigation():
        page.locator("form.decide button[type=submit]").click()
    assert "done=exclude" in page.url
    assert page.locator("p.ok[role=status]").is_visible()
    assert page.locator('td[data-decided="exclude"]').count() == n
    assert page.locator('input[name="response"]').count() == 0
    assert page.locator("[data-decision]").count() == 1
    assert_accessible(page, axe_source)

    # The queue lists it as decided; on a phone too.
    phone = pages.new(viewport=PHONE)
    sign_in(phone, email, password)
    phone.goto("/staf/integritas?status=decided")
    assert phone.locator(f'tr[data-flag="{flag}"][data-status="decided"]').count() == 1
    assert_accessible(phone, axe_source)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1
