"""Operations: offline API docs, the favicon, bounded caches, the scores API's edge answers,
the public URL warnings, start-up output, the served request rate and the layer contracts."""

from __future__ import annotations

import re

from tests.support import make_client

# --- /schema works offline; /favicon.ico ------------------------------------------------------


async def test_api_docs_page_loads_nothing_from_other_hosts(db):
    async with make_client() as client:
        page = await client.get("/schema")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        html = page.text
        # No absolute URL at all: every asset comes from this server.
        assert not re.search(r"https?://", html), re.findall(r"https?://[^\s'\"<>]+", html)
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
        for asset in assets:
            assert asset.startswith("/"), asset
            r = await client.get(asset)
            assert r.status_code == 200, asset
            assert "max-age=" in r.headers.get("cache-control", ""), asset
        spec = await client.get("/schema/openapi.json")
        assert spec.status_code == 200 and spec.json()["info"]["title"] == "Suara Layanan"


async def test_favicon_is_a_tiny_cached_icon(db):
    async with make_client() as client:
        r = await client.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # ICO header
    assert len(r.content) < 600
    assert "max-age=604800" in r.headers["cache-control"]
