"""Publishing in Chromium: the demo city user sees a period's live figures (equal to the
scores API's), publishes it from /staf/kota/terbitan, finds it in the list, is refused a
second publication without a reason (nothing written), publishes version 2 with a reason,
and unlocks the period's targets; axe-core's WCAG 2.2 A/AA rules on every state of the
page; no script, no request off the server.

The period is the month ten months before this one (always inside the demo's twelve months
of responses, and never a period the other browser tests publish or edit: the public pages
publish quarters, the unit pages edit this year's targets, which must stay unlocked)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from .conftest import PHONE, TABLET, Server, get_json

pytestmark = pytest.mark.e2e

MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember")


def month_back(today: date, months: int) -> tuple[str, str]:
    """The key and Indonesian label of the month `months` before today's."""
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    return f"{year}-{month + 1:02d}", f"{MONTHS_ID[month]} {year}"


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/staf/masuk")
    page.get_by_label("Alamat e-mail").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk").click()


def test_city_user_publishes_again_and_unlocks(pages, server: Server, axe) -> None:
    key, label = month_back(date.today(), 10)
    scores = get_json(f"{server.base}/api/v1/scores?period={key}")
    statuses = Counter(u["status"] for u in scores["units"])
    email, password = server.accounts["city"]
    page = pages.new(viewport=TABLET)
    sign_in(page, email, password)
    page.goto(f"/staf/kota/terbitan?period={key}")
    assert page.get_by_role("heading", level=1).inner_text() == "Penerbitan"
    shown = {row.get_attribute("data-status"): int(row.locator("data").get_attribute("value"))
             for row in page.locator("#live-counts tbody tr").all()}
    assert shown == {"ranked": statuses["ranked"], "provisional": statuses["provisional"],
                     "unranked_no_kpi": statuses["unranked_no_kpi"],
                     "not_scored": statuses["not_scored"],
                     "responses": sum(u["n"] for u in scores["units"])}
    assert page.locator(f'tr[data-period="{key}"]').count() == 0
    assert page.locator("script").count() == 0
    axe(page)

    # Publish version 1.
    page.get_by_label("Periode yang diterbitkan").select_option(key)
    page.get_by_label("Catatan", exact=True).fill(f"Hasil {label}")
    with page.expect_navigation():
        page.get_by_role("button", name="Terbitkan", exact=True).click()
    assert page.get_by_role("status").inner_text() == (
        f"{label} diterbitkan sebagai versi 1. Target dan realisasinya kini dikunci.")
    row = page.locator(f'tr[data-period="{key}"][data-version="1"]')
    assert f"Hasil {label}" in row.inner_text() and email in row.inner_text()
    assert row.locator("[data-state]").get_attribute("data-state") == "locked"
    axe(page)

    # Again without a reason: refused with the reason, nothing written.
    page.get_by_label("Periode yang diterbitkan").select_option(key)
    page.get_by_label("Catatan", exact=True).fill("Revisi")
    with page.expect_navigation():
        page.get_by_role("button", name="Terbitkan", exact=True).click()
    assert page.get_by_role("alert").inner_text() == (
        f"{label} sudah diterbitkan (versi 1): berikan alasan untuk menerbitkannya lagi.")
    assert page.get_by_label("Catatan", exact=True).input_value() == "Revisi"
    assert page.locator(f'tr[data-period="{key}"]').count() == 1
    axe(page)

    # With a reason: version 2; version 1 stays in the list, superseded.
    page.get_by_label("Alasan (wajib bila periode sudah diterbitkan)").fill(
        "kuesioner kertas terlambat")
    with page.expect_navigation():
        page.get_by_role("button", name="Terbitkan", exact=True).click()
    assert page.get_by_role("status").inner_text().startswith(
        f"{label} diterbitkan sebagai versi 2.")
    assert page.locator(f'tr[data-period="{key}"]').count() == 2
    v1 = page.locator(f'tr[data-period="{key}"][data-version="1"] [data-state]')
    assert v1.get_attribute("data-state") == "superseded"
    v2 = page.locator(f'tr[data-period="{key}"][data-version="2"]')
    assert "kuesioner kertas terlambat" in v2.inner_text()
    axe(page)

    # Unlock the targets with a reason.
    page.get_by_label(f"Alasan membuka kunci {label} (versi 2)").fill("realisasi dikoreksi")
    with page.expect_navigation():
        page.locator(f'form[data-unlock="{key}"] button').click()
    assert page.get_by_role("status").inner_text() == (
        f"Target dan realisasi {label} dibuka kuncinya sampai versi berikutnya diterbitkan.")
    state = page.locator(f'tr[data-period="{key}"][data-version="2"] [data-state]')
    assert state.get_attribute("data-state") == "unlocked"
    assert "realisasi dikoreksi" in state.inner_text()
    axe(page)

    # The page fits a phone.
    phone = pages.new(viewport=PHONE)
    sign_in(phone, email, password)
    phone.goto("/staf/kota/terbitan")
    width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    axe(phone)
    outside = [u for u in pages.requests if not u.startswith(server.base)]
    assert not outside, outside
