"""Alerts in Chromium: a citizen's comment about an illegal fee at the demo unit's counter
(sent through the public API), `suara alerts check` raises the alert, the unit head sees
the count in the staff header, opens the list (the phone number masked) and acknowledges
it; it leaves the open list (the header count is the list's length) and is listed as
acknowledged. axe-core's WCAG 2.2 A/AA rules on every page, on a tablet and a phone."""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
import uuid
from typing import Any

import pytest

from .conftest import PHONE, TABLET, Server, _suara_command

pytestmark = pytest.mark.e2e

COMMENT = "Petugas loket minta uang rokok 50 ribu baru berkas diproses, hubungi 0812-3456-7890"


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/staf/masuk")
    page.get_by_label("Alamat e-mail").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk").click()


def send_comment(server: Server, unit_code: str) -> None:
    counter = next(c for u, c in server.counters(kiosk=False) if u == unit_code)
    body = json.dumps({"counter": counter, "answers": {e: 2 for e in (
        "persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
        "pengaduan", "sarana")}, "comment": COMMENT, "channel": "web",
        "idempotency_key": uuid.uuid4().hex, "device_id": uuid.uuid4().hex}).encode()
    request = urllib.request.Request(f"{server.base}/api/v1/responses", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status in (200, 201)


def urgent(page: Any) -> Any:
    """The urgent-comment alerts listed (not the case alerts, whose reason may read
    "komentar mendesak" too)."""
    return page.locator("li.alert").filter(has=page.get_by_role(
        "heading", name=re.compile(r"^Komentar mendesak")))


def open_count(page: Any) -> int:
    """The open alerts in the header: as many as the list shows."""
    count = page.locator("li.alert").count()
    assert page.get_by_role("navigation", name="Halaman staf").get_by_role(
        "link", name=f"Peringatan ({count})", exact=True).is_visible()
    return count


def alerts_check(server: Server) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{server.workdir}/e2e.db",
           "SUARA_SECRET": "e2e-secret", "SUARA_PUBLIC_URL": server.base}
    done = subprocess.run([*_suara_command(), "alerts", "check"], cwd=server.workdir, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
def test_unit_head_sees_the_count_opens_the_list_and_acknowledges(pages, server: Server, axe,
                                                                   viewport) -> None:
    email, password = server.accounts["unit"]
    page = pages.new(viewport=viewport)
    sign_in(page, email, password)
    unit_code = page.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    send_comment(server, unit_code)
    # The server's own alert task may have raised it already: the check then adds nothing.
    result = alerts_check(server)
    assert set(result) == {"raised", "delivery"}
    page.reload()
    # Other open alerts may be there too: the complaint cases that the server's case pass
    # opens from the demo's and this test's comments (feedback.cases.notify). The header
    # count is the open list's length (one request reads both).
    link = page.get_by_role("navigation", name="Halaman staf").get_by_role(
        "link", name=re.compile(r"^Peringatan \(\d+\)$"))
    assert link.is_visible()
    axe(page)
    with page.expect_navigation():
        link.click()
    assert page.url.split("?")[0].endswith("/staf/peringatan")
    assert page.get_by_role("heading", level=1).inner_text() == "Peringatan"
    open_count(page)
    items = urgent(page)
    assert items.count() == 1
    text = items.first.inner_text()
    assert "Komentar mendesak" in text and "pungli" in text.lower()
    assert "0812" not in text and "[nomor telepon disamarkan]" in text
    axe(page)
    with page.expect_navigation():
        items.first.get_by_role("button", name="Tandai sudah ditangani").click()
    assert page.get_by_role("status").inner_text() == "Peringatan sudah ditandai ditangani."
    assert urgent(page).count() == 0
    open_count(page)
    axe(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Tampilkan peringatan yang sudah ditangani").click()
    assert f"Ditandai ditangani oleh {email}" in page.locator("li.alert").first.inner_text()
    axe(page)
