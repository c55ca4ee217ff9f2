"""The API docs page (/schema) under its Content-Security-Policy: Swagger UI starts from a
script file of the server, renders the operations, and loads nothing from elsewhere (the
`pages` fixture fails the test on any CSP violation Chromium reports)."""

from __future__ import annotations

from .conftest import TABLET, Server


def test_swagger_ui_renders_under_its_policy(server: Server, pages) -> None:
    page = pages.new(TABLET)
    response = page.goto("/schema")
    assert response is not None and response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() >= 3
    assert "/api/v1/responses" in page.content()
    foreign = [u for u in pages.requests if not u.startswith(server.base + "/")]
    assert not foreign, f"requests to other origins: {foreign}"
