"""Case alerts in Chromium: a citizen's low rating with an e-mail contact (the public API)
opens a case; `suara notify run` (what every case pass of `suara serve` does; no SMTP is
configured here, so only the alert) raises its alert; the unit head sees it on
/staf/peringatan with the case's receipt and clocks, no contact, and follows its link to
the case page. axe-core's WCAG 2.2 A/AA rules on the alerts page, on a tablet and a phone."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
import uuid
from typing import Any

import pytest

from .conftest import PHONE, TABLET, Server, _suara_command
from .test_alerts import sign_in

pytestmark = pytest.mark.e2e

CONTACT = "warga.e2e@example.com"


def send_complaint(server: Server, unit_code: str) -> str:
    """A low rating with a contact and consent: a case opens. Returns the receipt."""
    counter = next(c for u, c in server.counters(kiosk=False) if u == unit_code)
    body = json.dumps({"counter": counter, "answers": {e: 1 for e in (
        "persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
        "pengaduan", "sarana")}, "channel": "web", "contact": CONTACT, "consent": True,
        "idempotency_key": uuid.uuid4().hex, "device_id": uuid.uuid4().hex}).encode()
    request = urllib.request.Request(f"{server.base}/api/v1/responses", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status in (200, 201)
        out = json.loads(answer.read())
    assert out["case"] is True, out
    return out["receipt"]


def notify_run(server: Server) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUARA_SMTP_")}
    env.update(DATABASE_URL=f"sqlite:///{server.workdir}/e2e.db", SUARA_SECRET="e2e-secret",
               SUARA_PUBLIC_URL=server.base)
    done = subprocess.run([*_suara_command(), "notify", "run"], cwd=server.workdir, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
def test_a_new_case_is_an_alert_that_links_to_the_case(pages, server: Server, axe,
                                                       viewport) -> None:
    email, password = server.accounts["unit"]
    page = pages.new(viewport=viewport)
    sign_in(page, email, password)
    unit_code = page.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    receipt = send_complaint(server, unit_code)
    # The server's own case pass may have notified it already: then nothing is new here.
    assert set(notify_run(server)) == {"events", "alerts", "mails", "retrying", "failed",
                                       "waiting"}
    page.goto("/staf/peringatan")
    assert page.get_by_role("heading", level=1).inner_text() == "Peringatan"
    item = page.locator("li.alert").filter(has=page.locator(f'a[href="/staf/kasus/{receipt}"]'))
    assert item.count() == 1
    text = item.inner_text()
    assert "Pengaduan baru" in text and f"Pengaduan {receipt[:4]}-{receipt[4:]}" in text
    assert "nilai rendah, minta dihubungi" in text and "verifikasi paling lambat" in text
    assert CONTACT not in page.content()
    # The header count is the open list's length (the same request reads both).
    count = page.locator("li.alert").count()
    assert page.get_by_role("navigation", name="Halaman staf").get_by_role(
        "link", name=f"Peringatan ({count})").is_visible()
    axe(page)
    with page.expect_navigation() as opened:
        item.get_by_role("link", name="Buka pengaduan").click()
    assert opened.value.status == 200
    assert page.url.split("?")[0].endswith(f"/staf/kasus/{receipt}")
    assert f"{receipt[:4]}-{receipt[4:]}" in page.content()  # the case page names its receipt
