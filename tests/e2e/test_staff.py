"""The staff sign-in in Chromium: each demo role signs in and lands on its own view, signs
out; axe-core's WCAG 2.2 A/AA rules on the sign-in page, the admin's user page and the 403
page; no request leaves the server. The demo accounts come from `suara demo`'s output (see
conftest.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import TABLET, Server

pytestmark = pytest.mark.e2e

LANDING = {
    "officer": re.compile(r"^/staf/loket/[A-Z0-9]{4,16}$"),
    "unit": re.compile(r"^/staf/unit/pkm-[a-z0-9-]+$"),
    "agency": re.compile(r"^/staf/dinas/dinkes$"),
    "city": re.compile(r"^/staf/kota$"),
    "admin": re.compile(r"^/staf/admin/pengguna$"),
}


def path_of(page: Any, base: str) -> str:
    return page.url.removeprefix(base).split("?")[0]


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/staf/masuk")
    page.get_by_label("Alamat e-mail").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk").click()


def test_demo_accounts_were_printed(server: Server) -> None:
    assert set(server.accounts) == set(LANDING), server.accounts


@pytest.mark.parametrize("role", list(LANDING))
def test_each_role_lands_on_its_own_view_and_signs_out(pages, server: Server, role) -> None:
    email, password = server.accounts[role]
    page = pages.new(viewport=TABLET)
    sign_in(page, email, password)
    # Pages built in other steps of the issue may still answer 404: the target URL is what
    # this test checks.
    assert LANDING[role].match(path_of(page, server.base)), page.url
    page.goto("/staf")
    assert LANDING[role].match(path_of(page, server.base)), page.url
    if role in ("city", "admin"):  # the pages of this step
        assert page.get_by_role("button", name="Keluar").is_visible()
    page.goto("/staf/admin/pengguna" if role != "admin" else "/staf/kota")
    assert page.get_by_role("heading", name="Tidak diizinkan").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Keluar").click()
    assert path_of(page, server.base) == "/staf/masuk"
    assert page.get_by_text("Anda telah keluar.").is_visible()
    page.goto("/staf")
    assert path_of(page, server.base) == "/staf/masuk"  # the session is gone
    assert all(url.startswith(server.base) for url in pages.requests), pages.requests


def test_wrong_password_message(pages, server: Server) -> None:
    page = pages.new(viewport=TABLET)
    sign_in(page, server.accounts["city"][0], "not the password at all")
    alert = page.get_by_role("alert")
    assert "Alamat e-mail atau kata sandi tidak benar." in alert.inner_text()
    assert page.get_by_label("Alamat e-mail").input_value() == server.accounts["city"][0]


def test_accessibility_of_sign_in_admin_and_forbidden_pages(pages, server: Server, axe
                                                            ) -> None:
    page = pages.new(viewport=TABLET)
    page.goto("/staf/masuk")
    axe(page)
    page.goto("/staf/masuk?lang=en")
    axe(page)
    sign_in(page, *server.accounts["admin"])
    assert path_of(page, server.base) == "/staf/admin/pengguna"
    assert page.get_by_role("heading", name="Akun staf").is_visible()
    axe(page)
    page.goto("/staf/kota")  # the admin has no dashboards: 403
    assert page.get_by_role("heading", name="Tidak diizinkan").is_visible()
    axe(page)
    city = pages.new(viewport=TABLET)
    sign_in(city, *server.accounts["city"])
    # the city view (tests/e2e/test_city_view.py): the agencies' table links to each agency
    assert city.locator("#agencies").get_by_role("link", name="Dinas Kesehatan").is_visible()
    axe(city)
    assert all(url.startswith(server.base) for url in pages.requests), pages.requests


def test_admin_creates_an_account_that_can_sign_in(pages, server: Server) -> None:
    page = pages.new(viewport=TABLET)
    sign_in(page, *server.accounts["admin"])
    page.get_by_label("Alamat e-mail", exact=True).fill("kepala.baru@demo.suara.id")
    page.get_by_label("Nama", exact=True).fill("Kepala Baru")
    page.get_by_label("Peran", exact=True).select_option("agency")
    page.get_by_label("Cakupan", exact=True).select_option("agency:dinkes")
    page.get_by_label("Kata sandi sementara", exact=True).fill("sandi sementara 123")
    with page.expect_navigation():
        page.get_by_role("button", name="Buat akun").click()
    status = page.get_by_role("status").inner_text()
    assert status == "Akun kepala.baru@demo.suara.id telah dibuat."
    other = pages.new(viewport=TABLET)
    sign_in(other, "kepala.baru@demo.suara.id", "sandi sementara 123")
    assert path_of(other, server.base) == "/staf/dinas/dinkes"


def test_own_password_page(pages, server: Server, axe) -> None:
    """The password page in Chromium: a wrong current password is refused with a message
    tied to the field, nothing changes (the same password still signs in), axe-core clean
    before and after, and no request leaves the server."""
    email, password = server.accounts["city"]
    page = pages.new(viewport=TABLET)
    sign_in(page, email, password)
    response = page.goto("/staf/akun/sandi")
    assert response is not None and response.status == 200
    axe(page)
    page.locator("#current").fill("not the current password")
    page.locator("#new").fill("a brand new password")
    page.locator("#again").fill("a brand new password")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Ganti kata sandi").click()
    assert posted.value.status == 422
    page.wait_for_load_state()
    assert page.locator("#pw-error").inner_text() == "Kata sandi saat ini tidak benar."
    assert page.locator("#current").get_attribute("aria-describedby") == "pw-error"
    axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Keluar").click()
    sign_in(page, email, password)  # unchanged
    assert path_of(page, server.base) == "/staf/kota"
    assert all(url.startswith(server.base) for url in pages.requests), pages.requests
