"""The unit head's sub-pages in Chromium: sign in as the demo unit head, read and filter the
comments, enter an actual and find it in the change history; a refused value keeps what was
typed; axe-core's WCAG 2.2 A/AA rules on every page; no request leaves the server."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import PHONE, TABLET, Server, format_violations, run_axe

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


def test_unit_head_reads_comments_and_enters_an_actual(pages, server: Server,
                                                        axe_source) -> None:
    email, password = server.accounts["unit"]
    page = pages.new(viewport=TABLET)
    sign_in(page, email, password)
    unit_path = page.url.removeprefix(server.base).split("?")[0]
    assert re.match(r"^/staf/unit/[a-z0-9-]+$", unit_path), page.url

    # Comments: newest first, filter by an element's answers with a plain GET form.
    page.goto(f"{unit_path}/komentar")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Komentar")
    assert page.locator("li.comment").count() > 0
    assert_accessible(page, axe_source)
    page.get_by_label("Unsur").select_option("waktu")
    page.get_by_label("1", exact=True).check()
    page.get_by_label("2", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Tampilkan").click()
    assert "element=waktu" in page.url and "rating=1" in page.url and "rating=2" in page.url
    assert page.get_by_label("Unsur").input_value() == "waktu"
    shown = page.locator("li.comment")
    assert shown.count() > 0
    for i in range(shown.count()):  # every comment shown answered waktu with 1 or 2
        low = shown.nth(i).locator(".answers li.low").all_inner_texts()
        assert any(t.endswith(": 1") or t.endswith(": 2") for t in low), low
    assert_accessible(page, axe_source)

    # Targets: enter an actual with a decimal comma, see it in the history.
    page.goto(f"{unit_path}/kinerja")
    assert_accessible(page, axe_source)
    row = page.locator("tr[data-indicator]").first
    target = float(row.locator("td").nth(2).locator("data").get_attribute("value"))
    typed = f"{round(target * 0.87, 1):.1f}".replace(".", ",")
    field = row.locator("input")
    field.fill(typed)
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan realisasi").click()
    assert "saved=1" in page.url
    assert page.get_by_role("status").inner_text() == "1 realisasi disimpan."
    history = page.locator("#history tbody tr").first
    assert email in history.inner_text()
    assert typed.rstrip("0").rstrip(",") in history.inner_text().replace(".", "")
    assert page.locator("#decomposition").is_visible()
    assert_accessible(page, axe_source)

    # A refused value: the page says why, keeps what was typed, nothing is saved.
    row = page.locator("tr[data-indicator]").first
    row.locator("input").fill("-5")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan realisasi").click()
    assert page.get_by_role("alert").is_visible()
    assert "tidak boleh negatif" in page.get_by_role("alert").inner_text()
    assert page.locator("tr[data-indicator]").first.locator("input").input_value() == "-5"
    assert_accessible(page, axe_source)

    # Another unit's pages are not found for a unit head.
    page.goto("/staf/unit/tidak-ada/komentar")
    assert page.get_by_role("heading", name="Halaman tidak ditemukan").is_visible()

    outside = [u for u in pages.requests if not u.startswith(server.base)]
    assert not outside, outside


def test_officer_sees_no_comments(pages, server: Server, axe_source) -> None:
    email, password = server.accounts["officer"]
    page = pages.new(viewport=TABLET)
    sign_in(page, email, password)
    response = page.goto("/staf/unit/x/komentar")
    assert response.status == 403
    assert "Petugas loket tidak melihat komentar" in page.content()
    assert_accessible(page, axe_source)


def test_pages_fit_a_phone(pages, server: Server, axe_source) -> None:
    email, password = server.accounts["unit"]
    page = pages.new(viewport=PHONE)
    sign_in(page, email, password)
    unit_path = page.url.removeprefix(server.base).split("?")[0]
    for path in (f"{unit_path}/komentar", f"{unit_path}/kinerja"):
        page.goto(path)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], (path, width)
        assert_accessible(page, axe_source)
    outside = [u for u in pages.requests if not u.startswith(server.base)]
    assert not outside, outside
