"""The advisory ASN link in Chromium: the demo city user opens the thresholds page, a bad
bound is refused with a field-linked message and nothing changes, new thresholds are saved
and the unit view shows the predicate they give the unit's index; axe-core's WCAG 2.2 A/AA
rules on every page; no request leaves the server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .conftest import PHONE, TABLET, Server, get_json

pytestmark = pytest.mark.e2e

PATH = "/staf/kota/predikat"
DEFAULTS = {"istimewa": "90", "baik": "70", "butuh_perbaikan": "50", "kurang": "30"}
LABELS = {"istimewa": "Istimewa: indeks di atas", "baik": "Baik: indeks di atas",
          "butuh_perbaikan": "Butuh Perbaikan: indeks di atas",
          "kurang": "Kurang: indeks di atas"}


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/staf/masuk")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()


def fill_and_save(page: Any, values: dict[str, str]) -> None:
    for code, value in values.items():
        page.get_by_label(LABELS[code], exact=True).fill(value)
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan ambang batas").click()


def _comma(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def test_city_changes_the_thresholds_and_the_unit_view_follows(pages, server: Server,
                                                                axe) -> None:
    year = (datetime.now(UTC) + timedelta(hours=8)).year  # WITA
    scores = get_json(f"{server.base}/api/v1/scores?period={year}")
    unit = next(u for u in scores["units"] if u["index"] is not None and u["index"] > 10)
    index = unit["index"]
    email, password = server.accounts["city"]
    page = pages.new(TABLET)
    sign_in(page, email, password)

    # Before: the defaults; the unit view shows the predicate they give the index.
    page.goto(f"/staf/unit/{unit['unit']}?period={year}")
    box = page.locator("#predicate-box")
    assert "Saran, bukan nilai perorangan" in box.inner_text()
    assert float(page.locator("#index data").get_attribute("value")) == index
    rounded = round(index, 2)
    expected = next((code for code, bound in (("istimewa", 90), ("baik", 70),
                                               ("butuh_perbaikan", 50), ("kurang", 30))
                     if rounded > bound), "sangat_kurang")
    assert box.locator("#predicate-code").get_attribute("value") == expected
    assert box.locator("#predicate-limits li").count() >= 2
    axe(page)

    # The thresholds page: the regulation's rules, the form with the defaults.
    page.goto(PATH)
    assert page.get_by_role("heading", level=1).inner_text() == \
        "Predikat kinerja organisasi: ambang batas"
    assert page.locator("#rules tbody tr").count() == 5
    for code, value in DEFAULTS.items():
        assert page.get_by_label(LABELS[code], exact=True).input_value() == value
    axe(page)

    # A bad bound: refused with a message linked to its field, the typed text kept.
    page.get_by_label(LABELS["baik"], exact=True).fill("95")
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Simpan ambang batas").click()
    assert nav.value.status == 422
    field = page.get_by_label(LABELS["baik"], exact=True)
    assert field.get_attribute("aria-invalid") == "true"
    assert field.input_value() == "95"
    assert "di bawah batas predikat" in page.locator("#err-baik").inner_text()
    assert page.get_by_role("alert").is_visible()
    axe(page)
    page.goto(PATH)  # nothing was saved
    assert page.get_by_label(LABELS["baik"], exact=True).input_value() == "70"

    # New thresholds just below the unit's index: it becomes Istimewa.
    top = round(rounded - 0.5, 2)
    fill_and_save(page, {"istimewa": _comma(top), "baik": _comma(top - 1),
                         "butuh_perbaikan": _comma(top - 2), "kurang": _comma(top - 3)})
    assert page.url.endswith(f"{PATH}?saved=1")
    assert page.get_by_role("status").inner_text() == "Ambang batas disimpan."
    assert email in page.locator("#who-when").inner_text()
    axe(page)
    page.goto(f"/staf/unit/{unit['unit']}?period={year}")
    box = page.locator("#predicate-box")
    assert box.locator("#predicate-code").get_attribute("value") == "istimewa"
    assert box.locator("#predicate strong").inner_text() == "Istimewa"
    assert float(box.locator("#predicate-index").get_attribute("value")) == rounded
    assert box.locator("#predicate-limits li").all_inner_texts() == [
        "Sangat Baik untuk sebagian besar pegawai", "Sangat Baik: paling banyak 70% pegawai"]
    shown = [float(v) for v in
             box.locator("#predicate-thresholds data").evaluate_all(
                 "nodes => nodes.map(n => n.getAttribute('value'))")]
    assert shown == [top, round(top - 1, 2), round(top - 2, 2), round(top - 3, 2)]
    axe(page)
    phone = pages.new(PHONE)
    sign_in(phone, email, password)
    phone.goto(f"/staf/unit/{unit['unit']}?period={year}")
    assert phone.locator("#predicate-code").get_attribute("value") == "istimewa"
    axe(phone)

    # Back to the defaults (the server is shared by the other browser tests).
    page.goto(PATH)
    fill_and_save(page, DEFAULTS)
    assert page.url.endswith(f"{PATH}?saved=1")
    assert all(url.startswith(server.base) for url in pages.requests), pages.requests
