"""The tracking form (/lacak) and the city's days off (/staf/kota/hari-libur) in Chromium:
axe-core's WCAG 2.2 A/AA rules, no script, no sideways scrolling at 320 px, no external
request, an unknown code answered with a friendly 404 page, a day off added and removed
through the forms. (A case's own tracking page: test_complaint_flow.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from .conftest import PHONE, TABLET, Server
from .test_predicate import sign_in

pytestmark = pytest.mark.e2e


def overflow(page: Any) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def test_tracking_form_and_an_unknown_code(pages, server: Server, axe) -> None:
    page = pages.new(PHONE)
    response = page.goto("/lacak")
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == "Lacak pengaduan"
    assert page.locator("script").count() == 0
    axe(page)
    page.get_by_label("Kode tanda terima").fill("zzzz-zzzz")
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Tampilkan pengaduan saya").click()
    assert nav.value.status == 404
    assert "Tidak ada pengaduan dengan kode zzzz-zzzz" in page.locator("#error").inner_text()
    assert page.get_by_label("Kode tanda terima").input_value() == "zzzz-zzzz"
    axe(page)
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Track your complaint"
    axe(page)
    narrow = pages.new({"width": 320, "height": 700})
    narrow.goto("/lacak?r=12")
    scroll, inner = overflow(narrow)
    assert scroll <= inner
    assert all(url.startswith(server.base) for url in pages.requests)


def _free_weekday(start: date) -> date:
    """A weekday from `start` on that the page does not list as a day off."""
    day = start
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_days_off_page(pages, server: Server, axe) -> None:
    email, password = server.accounts["city"]
    page = pages.new(TABLET)
    sign_in(page, email, password)
    response = page.goto("/staf/kota/hari-libur")
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == "Hari libur"
    assert "Perubahan berlaku untuk pengaduan yang masuk sesudahnya." in page.inner_text(
        "#clocks-note")
    listed = set(page.eval_on_selector_all("#coming-days tbody tr",
                                           "rows => rows.map(r => r.dataset.day)"))
    assert listed, "the coming year has national holidays"
    axe(page)
    today = (datetime.now(UTC) + timedelta(hours=8)).date()  # WITA
    day = _free_weekday(today + timedelta(days=40))
    while day.isoformat() in listed:
        day = _free_weekday(day + timedelta(days=1))
    # A bad name first: refused, nothing listed, the message is announced.
    page.get_by_label("Tanggal (TTTT-BB-HH)").fill(day.isoformat())
    page.get_by_label("Nama", exact=True).fill("   ")
    page.evaluate("document.getElementById('f-name').removeAttribute('required')")
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Tambah hari libur").click()
    assert nav.value.status == 422
    assert page.locator("#form-error").is_visible()
    axe(page)
    page.get_by_label("Tanggal (TTTT-BB-HH)").fill(day.isoformat())
    page.get_by_label("Nama", exact=True).fill("Hari Jadi Uji")
    with page.expect_navigation():
        page.get_by_role("button", name="Tambah hari libur").click()
    assert page.locator("#notice").is_visible()
    row = page.locator(f"#coming-days tr[data-day='{day.isoformat()}']")
    assert row.get_attribute("data-kind") == "local"
    assert "Hari Jadi Uji" in row.inner_text()
    axe(page)
    with page.expect_navigation():
        page.locator(f"#local-days tr[data-day='{day.isoformat()}'] button").click()
    assert page.locator(f"#coming-days tr[data-day='{day.isoformat()}']").count() == 0
    assert page.locator("#no-local").is_visible()
