"""Comment themes in Chromium: the demo unit head reads the period's comments per element
and sentiment (table and chart), filters them with the plain GET form, corrects one
comment's labels and sees it marked as corrected; the agency head may correct too, the
city only reads; axe-core's WCAG 2.2 A/AA rules on every page, on a tablet and a phone; no
request leaves the server."""

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


def test_unit_head_reads_filters_and_corrects_a_label(pages, server: Server,
                                                       axe_source) -> None:
    email, password = server.accounts["unit"]
    page = pages.new(viewport=TABLET)
    sign_in(page, email, password)
    unit_path = page.url.removeprefix(server.base).split("?")[0]
    page.goto(f"{unit_path}/komentar")
    with page.expect_navigation():
        page.get_by_role("link", name="Tema komentar").click()
    assert page.url.split("?")[0].endswith("/komentar/tema")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Tema komentar")
    table = page.locator("table.themes")
    assert table.is_visible()
    total = int(table.locator("tfoot td").last.inner_text().replace(".", ""))
    assert total > 0
    assert page.locator("figure.chart svg[role=img]").count() == 1
    assert page.locator("li.comment").count() == min(total, 20)
    assert_accessible(page, axe_source)

    # Filter: negative comments only, with the plain GET form.
    page.locator("form.filters").get_by_label("Sentimen").select_option("negatif")
    with page.expect_navigation():
        page.get_by_role("button", name="Tampilkan").click()
    assert "sentiment=negatif" in page.url
    shown = page.locator("li.comment")
    assert shown.count() > 0
    for i in range(shown.count()):
        assert "Sentimen: negatif" in shown.nth(i).locator(".tags").inner_text()
    assert_accessible(page, axe_source)

    # Correct the first comment's labels: other element, neutral, urgent.
    first = shown.first
    comment_id = first.get_attribute("id")
    first.locator("summary").click()
    first.get_by_label("Unsur").select_option("lainnya")
    first.get_by_label("Sentimen").select_option("netral")
    first.get_by_label("Mendesak").check()
    assert_accessible(page, axe_source)  # with the correction form open
    with page.expect_navigation():
        first.get_by_role("button", name="Simpan label").click()
    assert "saved=1" in page.url and "sentiment=negatif" in page.url
    assert page.get_by_role("status").inner_text() == "Label disimpan."
    # now neutral: it left the negative filter; all comments show it corrected
    assert page.locator(f"#{comment_id}").count() == 0
    page.goto(f"{unit_path}/komentar/tema")
    item = page.locator(f"#{comment_id}")
    tags = item.locator(".tags").inner_text()
    assert "Lainnya" in tags and "netral" in tags and "Mendesak" in tags
    assert "dikoreksi staf" in tags
    assert re.search(r"\b1 label dikoreksi staf\b", page.content())
    assert_accessible(page, axe_source)

    outside = [u for u in pages.requests if not u.startswith(server.base)]
    assert not outside, outside


def test_city_reads_without_correction_forms_and_phone_fits(pages, server: Server,
                                                            axe_source) -> None:
    email, password = server.accounts["unit"]
    page = pages.new(viewport=PHONE)
    sign_in(page, email, password)
    unit_path = page.url.removeprefix(server.base).split("?")[0]
    page.goto(f"{unit_path}/komentar/tema")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    assert_accessible(page, axe_source)

    email, password = server.accounts["city"]
    city = pages.new(viewport=TABLET)
    sign_in(city, email, password)
    city.goto(f"{unit_path}/komentar/tema")
    assert city.locator("li.comment").count() > 0
    assert city.locator("form.relabel").count() == 0
    assert_accessible(city, axe_source)
    outside = [u for u in pages.requests if not u.startswith(server.base)]
    assert not outside, outside
