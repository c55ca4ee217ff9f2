"""The public side in Chromium: /publik, a unit page, /publik/data and the waiting-room
screens /tv and /tv/{agency} on the demo city, after two quarters are published with
`suara publish`. Figures on the pages equal the open-data JSON of the same version; axe-core
finds no WCAG 2.2 A/AA violation; no script and no request off the server; no horizontal
overflow on a phone; the TV screens fit 1920×1080 and 1280×720 without overflow; the
first-load weight of /publik and /tv is measured and printed.

The periods are the two quarters before the current one: the other browser tests publish
last year's fourth quarter and work on this year's targets, which stay unlocked."""

from __future__ import annotations

import os
import subprocess
import urllib.error
import urllib.request
from datetime import date
from typing import Any

import pytest

from .conftest import ARTEFACTS, PHONE, Server, _suara_command, get_json

pytestmark = pytest.mark.e2e

TV_SIZES = ({"width": 1920, "height": 1080}, {"width": 1280, "height": 720})
# Weight budget of a first load (HTML + CSS + images, compressed), as the citizen pages'
PUBLIC_BUDGET = 14 * 1024


def _quarters(today: date) -> tuple[str, str]:
    """The two complete quarters before today's, oldest first."""
    index = today.year * 4 + (today.month - 1) // 3  # this quarter
    keys = []
    for back in (2, 1):
        q = index - back
        keys.append(f"{q // 4}-Q{q % 4 + 1}")
    return keys[0], keys[1]


def _publish(server: Server, key: str) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{server.workdir}/e2e.db",
           "SUARA_SECRET": "e2e-secret"}
    args = [*_suara_command(), "publish", "--period", key, "--note", f"Hasil {key}"]
    if _exists(f"{server.base}/publik/data/{key}.json"):
        args += ["--reason", "browser test of the public pages"]
    done = subprocess.run(args, cwd=server.workdir, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"suara publish failed:\n{done.stdout}\n{done.stderr}"


def _exists(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10):  # noqa: S310 (our own server)
            return True
    except urllib.error.HTTPError:
        return False


@pytest.fixture(scope="module")
def published(server: Server) -> tuple[str, str]:
    first, second = _quarters(date.today())
    _publish(server, first)
    _publish(server, second)
    return first, second


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f}".replace(",", "\0").replace(
        ".", ",").replace("\0", ".")


def _no_overflow(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"{page.url}: {width} px wide"


def test_public_pages(pages, server: Server, axe, published) -> None:
    first, key = published
    data = get_json(f"{server.base}/publik/data/{key}.json")
    earlier = {u["unit"]: u for u in get_json(f"{server.base}/publik/data/{first}.json")["units"]}
    page = pages.new(viewport=PHONE)
    response = page.goto(f"/publik?period={key}")
    assert response.status == 200
    assert page.locator("script").count() == 0
    assert f"versi {data['version']}" in page.locator("main .box").first.inner_text().lower()
    shown = suppressed = 0
    for u in data["units"]:
        row = page.locator("tbody tr", has=page.locator(f'a[href^="/publik/unit/{u["unit"]}?"]'))
        cells = row.locator("td").all_inner_texts()
        if u["suppressed"]:
            assert cells[0] == "belum cukup responden" and cells[1] == str(u["n"])
            suppressed += 1
        else:
            assert cells[0] == _num(u["ikm"]) and cells[1].startswith(u["grade"])
            assert cells[2] == str(u["n"])
            shown += 1
        before = earlier.get(u["unit"])
        if before is not None and before["ikm"] is not None:
            assert f"{first}: {_num(before['ikm'])}" in row.locator("th").inner_text()
    assert shown and suppressed, (shown, suppressed)  # the demo has both kinds
    axe(page)
    _no_overflow(page)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "publik-phone.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 700})
    _no_overflow(page)

    # a unit page: its nine elements equal the JSON's NRRs
    unit = next(u for u in data["units"] if not u["suppressed"])
    with page.expect_navigation():
        page.locator(f'a[href^="/publik/unit/{unit["unit"]}?"]').first.click()
    assert page.get_by_role("heading", level=1).inner_text() == unit["unit_name"]
    page.screenshot(path=str(ARTEFACTS / "publik-unit-phone.png"), full_page=True)
    nrr = page.locator("#el ~ .tablewrap tbody td").all_inner_texts()
    assert nrr[0::2] == [_num(v) for v in unit["nrr"].values()]
    axe(page)
    _no_overflow(page)

    # English, and the open-data index
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Respondents (n)" in page.inner_text("main")
    with page.expect_navigation():
        page.get_by_role("link", name="Open data").first.click()
    assert page.url.endswith("/publik/data?lang=en")
    assert page.locator(f'a[href="/publik/data/{key}/v{data["version"]}.csv"]').count() == 1
    axe(page)
    _no_overflow(page)

    # a period that is not published
    response = page.goto("/publik?period=2019-Q1")
    assert response.status == 404 and "2019-Q1" in page.inner_text("main")
    axe(page)
    assert all(url.startswith(server.base) for url in pages.requests), pages.requests


def _fits(page: Any) -> None:
    size = page.viewport_size
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], page.url
    assert page.evaluate("document.documentElement.scrollHeight") <= size["height"], page.url
    for selector in ("h1", ".ikm, .sup", ".invite svg", "footer"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None, selector
        assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
        assert box["x"] + box["width"] <= size["width"] + 0.5, (page.url, selector, box)
        assert box["y"] + box["height"] <= size["height"] + 0.5, (page.url, selector, box)


def test_tv_screens(pages, server: Server, axe, published) -> None:
    units = get_json(f"{server.base}/api/v1/units")
    agency = units["agencies"][0]["code"]
    for size in TV_SIZES:
        page = pages.new(viewport=size)
        # every unit of the city rotates; look at the first ones and the longest name
        response = page.goto("/tv")
        assert response.status == 200
        total = int(page.locator("footer span").first.inner_text().split("·")[-1].split("/")[1])
        names = []
        for i in range(total):
            page.goto(f"/tv?i={i}")
            names.append((len(page.locator("h1").inner_text()), i))
        for _length, i in sorted(names)[-3:] + [(0, 0)]:
            page.goto(f"/tv?i={i}")
            refresh = page.locator('meta[http-equiv="refresh"]').get_attribute("content")
            assert refresh == f"20;url=/tv?i={(i + 1) % total}"
            assert page.locator("script").count() == 0
            _fits(page)
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTEFACTS / f"tv-{size['width']}x{size['height']}.png"
        page.screenshot(path=str(shot))
        print(f"TV screen at {size['width']}x{size['height']}: {shot}")
        # the rotating screen breaks one rule on purpose (a timed refresh, WCAG 2.2.1): the
        # link "Hentikan pergantian" stops it; the stopped screen passes every rule
        axe(page, allow=frozenset({"meta-refresh"}))
        with page.expect_navigation():
            page.get_by_role("link", name="Hentikan pergantian").click()
        assert page.locator('meta[http-equiv="refresh"]').count() == 0
        axe(page)
        _fits(page)
        page.goto(f"/tv/{agency}")
        assert page.locator(".agency").inner_text() == units["agencies"][0]["name"]
        _fits(page)
    response = page.goto("/tv/tidak-ada")
    assert response.status == 404
    assert all(url.startswith(server.base) for url in pages.requests), pages.requests


def _first_load(pages, path: str, viewport: dict[str, int]) -> tuple[int, list[str]]:
    """Bytes over the network (bodies as sent, compressed, plus headers) of everything a
    fresh browser loads for `path`."""
    page = pages.new(viewport=viewport)
    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(path)
    page.wait_for_load_state("networkidle")
    total = 0
    urls = []
    for response in responses:
        sizes = response.request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        urls.append(response.url)
    return total, urls


def test_first_load_weight(pages, server: Server, published) -> None:
    _first, key = published
    figures = {}
    for path, viewport in ((f"/publik?period={key}", PHONE), ("/publik", PHONE),
                           ("/tv", TV_SIZES[0]), (f"/publik/unit/{_a_unit(server, key)}", PHONE)):
        total, urls = _first_load(pages, path, viewport)
        figures[path] = total
        print(f"first load of {path}: {total} bytes ({total / 1024:.1f} KB) in "
              f"{len(urls)} responses: {', '.join(u.replace(server.base, '') for u in urls)}")
        assert all(u.startswith(server.base) for u in urls), urls
    assert all(size <= PUBLIC_BUDGET for size in figures.values()), figures


def _a_unit(server: Server, key: str) -> str:
    data = get_json(f"{server.base}/publik/data/{key}.json")
    return next(u["unit"] for u in data["units"] if not u["suppressed"])
