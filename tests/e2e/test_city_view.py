"""The city view `/staf/kota` in Chromium: the demo's city account signs in and lands on it;
the ranking equals the public scores API (GET /api/v1/scores, the engine's result); the
filters and the what-if weight are plain GET forms that work with JavaScript switched off;
a bad weight is a 400 with a message; axe-core's WCAG 2.2 A/AA rules on every state; no
script, no external request; no sideways scrolling at 320 px."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from .conftest import Server, get_json

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 700}


def sign_in(page: Any, server: Server) -> None:
    email, password = server.accounts["city"]
    page.goto("/staf/masuk")
    page.get_by_label("Alamat e-mail").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk").click()


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{page.url}: {width} px wide in a {viewport} px viewport"


def ranked_rows(page: Any) -> dict[str, dict[str, str]]:
    out = {}
    for row in page.locator("#ranked tbody tr").all():
        cells = row.locator("td")
        out[row.get_attribute("data-unit")] = {
            "rank": cells.nth(0).locator("data").get_attribute("value"),
            "low": row.locator("td[data-low]").get_attribute("data-low"),
            "high": row.locator("td[data-low]").get_attribute("data-high"),
            "whatif": (row.locator("td[data-whatif]").get_attribute("data-whatif")
                       if row.locator("td[data-whatif]").count() else None),
            "text": row.inner_text(),
        }
    return out


def test_city_view(pages, server: Server, axe) -> None:
    year = str(date.today().year)
    scores = get_json(f"{server.base}/api/v1/scores?period={year}")
    page = pages.new(DESKTOP)
    sign_in(page, server)
    assert page.url.endswith("/staf/kota")  # /staf sends the city to its view
    axe(page)
    page.goto(f"/staf/kota?period={year}")
    ranked = sorted((u for u in scores["units"] if u["status"] == "ranked"),
                    key=lambda u: u["rank"])
    rows = ranked_rows(page)
    assert list(rows) == [u["unit"] for u in ranked]
    n = scores["city"]["n_ranked"]
    for u in ranked:
        row = rows[u["unit"]]
        interval = u["rank_interval"]
        assert row["rank"] == str(u["rank"])
        assert (row["low"], row["high"]) == (str(interval["low"]), str(interval["high"]))
        words = (f"peringkat ke-{interval['low']} dari {n}" if interval["low"] == interval["high"]
                 else f"antara peringkat ke-{interval['low']} dan ke-{interval['high']} dari {n}")
        assert words in row["text"]
    apart = {r.get_attribute("data-apart") for r in page.locator("#apart tbody tr").all()}
    assert apart == {u["unit"] for u in scores["units"] if u["status"] != "ranked"}
    outside = {li.get_attribute("data-unit")
               for li in page.locator("#funnel-outside li").all()}
    assert outside == {u["unit"] for u in scores["units"]
                       if u["funnel"] not in (None, "within")}
    assert page.locator("figure.chart svg[role=img]").count() == 4
    assert page.locator("script").count() == 0
    assert page.locator("#publish").get_attribute("href") == \
        f"/staf/kota/terbitan?period={year}"
    assert page.locator("#report").get_attribute("href") == \
        f"/staf/kota/laporan?period={year}&format=pdf"
    axe(page)
    # drill down to an agency
    with page.expect_navigation():
        page.locator("#agencies tbody tr th a").first.click()
    assert re.search(rf"/staf/dinas/[a-z0-9-]+\?period={year}$", page.url), page.url
    assert all(url.startswith(server.base) for url in pages.requests), pages.requests


def test_filters_and_what_if_without_javascript(pages, server: Server, axe) -> None:
    year = str(date.today().year)
    scores = get_json(f"{server.base}/api/v1/scores?period={year}")
    heavy = get_json(f"{server.base}/api/v1/scores?period={year}&w_satisfaction=0.7")
    page = pages.new(DESKTOP, java_script_enabled=False)
    sign_in(page, server)
    page.goto(f"/staf/kota?period={year}")
    # filter by agency with the plain GET form
    page.select_option("#f-agency", "dinkes")
    with page.expect_navigation():
        page.locator(".city-filters button[type=submit]").click()
    assert "agency=dinkes" in page.url and f"period={year}" in page.url
    listed = set(ranked_rows(page)) | {
        r.get_attribute("data-apart") for r in page.locator("#apart tbody tr").all()}
    assert listed == {u["unit"] for u in scores["units"] if u["agency"] == "dinkes"}
    # the what-if weight, keeping the filter
    page.select_option("#f-w", "0.70")
    with page.expect_navigation():
        page.locator("#f-w").locator("xpath=ancestor::form").locator("button").click()
    assert "w=0.70" in page.url and "agency=dinkes" in page.url
    what_if = {u["unit"]: u["rank"] for u in heavy["units"]}
    for code, row in ranked_rows(page).items():
        assert row["whatif"] == str(what_if[code])
        assert re.search(r"[↑↓=] ", row["text"]), row["text"]  # the move in text
    # peer group filter, then back to all
    page.goto(f"/staf/kota?period={year}")
    page.select_option("#f-peer", "kelurahan")
    with page.expect_navigation():
        page.locator(".city-filters button[type=submit]").click()
    listed = set(ranked_rows(page)) | {
        r.get_attribute("data-apart") for r in page.locator("#apart tbody tr").all()}
    assert listed == {u["unit"] for u in scores["units"] if u["peer_group"] == "kelurahan"}
    # the same states pass axe-core (which needs JavaScript for itself)
    checked = pages.new(DESKTOP)
    sign_in(checked, server)
    for query in (f"period={year}&agency=dinkes&w=0.70", f"period={year}&peer=kelurahan"):
        checked.goto(f"/staf/kota?{query}")
        axe(checked)
    # a bad weight and an unknown agency: 400 with a message
    response = checked.goto(f"/staf/kota?period={year}&w=0.9")
    assert response is not None and response.status == 400
    assert "0,3 sampai 0,7" in checked.locator("main").inner_text()
    axe(checked)
    response = checked.goto(f"/staf/kota?period={year}&agency=nope")
    assert response is not None and response.status == 400
    assert "Tidak ada perangkat daerah dengan kode “nope”." in checked.locator("main").inner_text()
    checked.goto(f"/staf/kota?period={year}&w=0.40&lang=en")
    assert "between " in checked.locator("#ranked").inner_text()
    axe(checked)
    assert all(url.startswith(server.base) for url in pages.requests), pages.requests


def test_narrow_screen(pages, server: Server, axe) -> None:
    year = str(date.today().year)
    page = pages.new(NARROW)
    sign_in(page, server)
    page.goto(f"/staf/kota?period={year}&w=0.60")
    no_sideways_scroll(page)
    axe(page)
    for svg in page.locator("figure.chart svg").all():
        box = svg.bounding_box()
        assert box is not None and box["width"] <= NARROW["width"]
