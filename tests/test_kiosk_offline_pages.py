"""What the offline kiosk needs from the server (README "The kiosk without network"): the
service worker script with its scope header, the script on kiosk pages only, and the
offline thank-you page. The worker itself runs in Chromium: tests/e2e/test_kiosk_offline.py."""

from __future__ import annotations

from tests.support import make_client


async def test_service_worker_is_served_for_the_kiosk_scope(org):
    async with make_client() as client:
        r = await client.get("/static/kiosk-sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    # Served from /static/, it may control /k/ only because the server allows that scope.
    assert r.headers["service-worker-allowed"] == "/k/"
    assert "no-cache" in r.headers["cache-control"]
    assert 'addEventListener("fetch"' in r.text and "indexedDB" in r.text


async def test_script_only_on_kiosk_pages(org):
    async with make_client() as client:
        phone = await client.get(f"/s/{org.counter}")
        kiosk = await client.get(f"/k/{org.kiosk}")
        saved = await client.get(f"/k/{org.kiosk}/tersimpan")
    assert "<script" not in phone.text and "data-kiosk" not in phone.text
    for page in (kiosk, saved):
        assert page.text.count("<script") == 1
        assert '<script src="/static/kiosk.js" defer></script>' in page.text
        assert f'<body class="kiosk" data-kiosk="/k/{org.kiosk}">' in page.text


async def test_offline_thank_you_page_is_honest(org):
    async with make_client() as client:
        r = await client.get(f"/k/{org.kiosk}/tersimpan")
        en = await client.get(f"/k/{org.kiosk}/tersimpan?lang=en")
        unknown = await client.get("/k/TIDAKADA/tersimpan")
    assert r.status_code == 200
    assert '<html lang="id">' in r.text
    assert "tersimpan di tablet ini" in r.text and "dikirim otomatis" in r.text
    assert "Belum ada kode tanda terima" in r.text
    assert 'class="code"' not in r.text  # no receipt before the server has the rating
    assert f'data-url="/k/{org.kiosk}?lang=id"' in r.text
    assert f'href="/k/{org.kiosk}/tersimpan?lang=en"' in r.text
    assert "no-store" not in r.headers["cache-control"]  # the worker keeps it
    assert '<html lang="en">' in en.text and "saved on this tablet" in en.text
    assert "There is no receipt code yet" in en.text
    assert unknown.status_code == 404
