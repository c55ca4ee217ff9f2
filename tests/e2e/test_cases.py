"""The staff case pages in Chromium on the demo (`suara demo` opens about ten cases of the
last weeks, one per state of the workflow): the agency head's list (overdue first, the
clocks), a case's detail, verifying and answering it through the forms; the unit head's
list and the contact shown on request to the unit handling the case. axe-core's WCAG 2.2
A/AA rules on every page, on a tablet and a phone (no horizontal overflow on the phone)."""

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


def assert_no_overflow(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), (page.url, width)


def test_agency_head_lists_opens_verifies_and_answers_a_case(pages, server: Server,
                                                             axe_source) -> None:
    email, password = server.accounts["agency"]
    page = pages.new(viewport=TABLET)
    sign_in(page, email, password)
    with page.expect_navigation():
        page.locator('header a[href="/staf/kasus"]').click()
    assert page.locator("h1").inner_text() == "Kasus"
    rows = page.locator("tr[data-receipt]")
    assert rows.count() >= 5
    overdue = [rows.nth(i).get_attribute("data-overdue") for i in range(rows.count())]
    assert "yes" in overdue and "no" in overdue
    assert overdue == sorted(overdue, key=lambda v: v != "yes")  # overdue first
    late = page.locator('tr[data-overdue="yes"] td[data-clock]').first
    assert re.fullmatch(r"(Verifikasi|Tindak lanjut): terlambat (\d+ hari kerja|\(batas "
                        r"waktu \d\d-\d\d-\d{4}\))", late.inner_text().strip())
    assert_accessible(page, axe_source)

    # The filter: overdue only.
    page.get_by_label("Hanya yang terlambat").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Tampilkan").click()
    assert "terlambat=1" in page.url
    assert page.locator('tr[data-overdue="no"]').count() == 0
    assert page.locator('tr[data-overdue="yes"]').count() >= 1

    # An open case: verify it, then answer it.
    page.goto("/staf/kasus?status=open")
    open_rows = page.locator('tr[data-status="open"]')
    assert open_rows.count() >= 1
    receipt = open_rows.first.get_attribute("data-receipt")
    with page.expect_navigation():
        open_rows.first.locator("a").click()
    shown = f"{receipt[:4]}-{receipt[4:]}"
    assert page.locator("h1").inner_text() == f"Kasus {shown}"
    assert page.locator("tr[data-element]").count() == 9
    assert page.locator('li[data-event="opened"]').count() == 1
    assert page.locator("[data-contact]").count() == 0  # the agency never sees the value
    assert_accessible(page, axe_source)
    with page.expect_navigation():
        page.get_by_role("button", name="Verifikasi kasus").click()
    assert page.url.endswith(f"/staf/kasus/{shown}?done=verify")
    assert page.locator("p.ok[role=status]").inner_text() == "Kasus telah diverifikasi."
    assert page.locator("dd[data-status]").get_attribute("data-status") == "verified"
    page.get_by_label("Balasan (warga melihat teks ini)").fill(
        "Terima kasih. Petugas loket sudah kami tambah mulai Senin.")
    with page.expect_navigation():
        page.get_by_role("button", name="Kirim balasan").click()
    assert page.locator("dd[data-status]").get_attribute("data-status") == "answered"
    clock = page.locator('dd[data-clock="auto_close"]').inner_text()
    assert clock.startswith("Penutupan otomatis: sisa ")
    history = page.locator("ol.history")
    assert "Petugas loket sudah kami tambah" in history.inner_text()
    assert_accessible(page, axe_source)

    phone = pages.new(viewport=PHONE)
    sign_in(phone, email, password)
    phone.goto("/staf/kasus")
    assert_no_overflow(phone)
    assert_accessible(phone, axe_source)
    phone.goto(f"/staf/kasus/{shown}")
    assert_no_overflow(phone)
    assert_accessible(phone, axe_source)


def test_unit_head_sees_the_contact_on_request(pages, server: Server, axe_source) -> None:
    email, password = server.accounts["unit"]
    page = pages.new(viewport=TABLET)
    sign_in(page, email, password)
    page.goto("/staf/kasus")
    rows = page.locator("tr[data-receipt]")
    assert rows.count() >= 1  # the demo forwards a case to this unit
    assert_accessible(page, axe_source)
    # The demo's cases have a contact (cases opened from a comment alone have none).
    receipts = [rows.nth(i).get_attribute("data-receipt") for i in range(rows.count())]
    for receipt in receipts:
        page.goto(f"/staf/kasus/{receipt}")
        if page.locator("a[data-show-contact]").count():
            break
    else:
        pytest.fail(f"no case with a contact among {receipts}")
    assert page.locator("[data-contact]").count() == 0
    assert_accessible(page, axe_source)
    with page.expect_navigation():
        page.locator("a[data-show-contact]").click()
    contact = page.locator("[data-contact]")
    # Shown whole: a demo case's phone, or (when it sorts first) the e-mail of a case that
    # test_case_alerts opened in this unit on the same server.
    assert re.search(r"\+62812000\d{5}|warga\.e2e@example\.com", contact.inner_text())
    assert_accessible(page, axe_source)

    officer = pages.new(viewport=TABLET)
    sign_in(officer, *server.accounts["officer"])
    assert officer.locator('header a[href="/staf/kasus"]').count() == 0
    response = officer.goto("/staf/kasus")
    assert response.status == 403
