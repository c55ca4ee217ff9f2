"""The citizen pages in Chromium: rating on a phone and on a kiosk tablet, the error state,
English, no sideways scrolling from 320 px up, no external requests, and axe-core's WCAG 2.2
A/AA rules on every page. The server, browser and axe fixtures are in conftest.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from .conftest import KIOSK_RETURN, PHONE, TABLET, Server, add_style

pytestmark = pytest.mark.e2e

RECEIPT = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{2,8}$")


# ---------------------------------------------------------------- helpers


def element_codes(page: Any) -> list[str]:
    """The question codes in the order the form shows them (read from the page)."""
    return page.eval_on_selector_all(
        ".opts input[type=radio][value='1']", "els => els.map(e => e.name)"
    )


def choose(page: Any, code: str, value: int) -> None:
    """Answer a question by clicking the label of the answer, as a person would."""
    page.locator(f"fieldset#f-{code} .opts label").nth(value - 1).click()


def answer_all(page: Any, values: dict[str, int] | None = None) -> dict[str, int]:
    codes = element_codes(page)
    assert len(codes) == 9, codes
    chosen = values or {code: 1 + (i % 4) for i, code in enumerate(codes)}
    for code, value in chosen.items():
        choose(page, code, value)
    return chosen


def submit(page: Any) -> Any:
    """Press the send button; returns the response to the POST."""
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    return posted.value


def checked(page: Any) -> dict[str, int]:
    return {
        name: int(value)
        for name, value in page.eval_on_selector_all(
            ".opts input[type=radio]:checked", "els => els.map(e => [e.name, e.value])"
        )
    }


def overflow(page: Any) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@dataclass(frozen=True)
class Citizen:
    """The counters the tests use and a thank-you page of each mode."""

    unit: str
    counter: str
    kiosk_unit: str
    kiosk: str
    thanks_url: str
    kiosk_thanks_url: str


def _rate(browser: Any, base: str, path: str, viewport: dict[str, int]) -> str:
    ctx = browser.new_context(viewport=viewport, base_url=base)
    try:
        page = ctx.new_page()
        page.goto(path)
        answer_all(page)
        assert submit(page).status == 303
        assert "/terima-kasih?" in page.url, page.url
        return page.url.removeprefix(base)
    finally:
        ctx.close()


@pytest.fixture(scope="package")
def citizen(server: Server, browser: Any) -> Citizen:
    (unit, counter), *_ = server.counters(kiosk=False)
    kiosks = server.counters(kiosk=True)
    assert kiosks, "the demo city has no kiosk counter"
    kiosk_unit, kiosk = kiosks[0]
    return Citizen(
        unit=unit,
        counter=counter,
        kiosk_unit=kiosk_unit,
        kiosk=kiosk,
        thanks_url=_rate(browser, server.base, f"/s/{counter}", PHONE),
        kiosk_thanks_url=_rate(browser, server.base, f"/k/{kiosk}", TABLET),
    )


def error_state(page: Any, path: str) -> Any:
    """Open a form, answer only three questions, send: the 422 page."""
    page.goto(path)
    codes = element_codes(page)
    for code, value in zip(codes[:3], (4, 2, 3), strict=True):
        choose(page, code, value)
    response = submit(page)
    assert response.status == 422
    return response


# ---------------------------------------------------------------- rating


def test_rating_on_a_phone_is_stored(server: Server, citizen: Citizen, pages) -> None:
    before = server.ikm_n(citizen.unit)
    page = pages.new(PHONE)
    page.goto(f"/s/{citizen.counter}")
    assert page.locator("html").get_attribute("lang") == "id"
    chosen = answer_all(page)
    assert checked(page) == chosen
    response = submit(page)
    assert response.status == 303
    assert re.search(rf"/s/{citizen.counter}/terima-kasih\?r=\w+&lang=id$", page.url), page.url
    assert page.locator("h1").inner_text() == "Terima kasih!"
    assert RECEIPT.match(page.locator(".code").inner_text())
    again = page.locator("a.button")
    assert again.get_attribute("href") == f"/s/{citizen.counter}?lang=id"
    assert server.ikm_n(citizen.unit) == before + 1


def test_kiosk_on_a_tablet(server: Server, citizen: Citizen, pages) -> None:
    before = server.ikm_n(citizen.kiosk_unit)
    page = pages.new(TABLET)
    page.goto(f"/k/{citizen.kiosk}")
    assert page.locator("body").get_attribute("class") == "kiosk"
    first = page.locator(".opts").first.locator("label")
    boxes = [first.nth(i).bounding_box() for i in range(4)]
    assert len({round(b["y"]) for b in boxes}) == 1, "the four answers share one row"
    assert all(b["height"] >= 72 for b in boxes), boxes
    answer_all(page)
    assert submit(page).status == 303
    assert f"/k/{citizen.kiosk}/terima-kasih?r=" in page.url
    assert RECEIPT.match(page.locator(".code").inner_text())
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    countdown = page.locator("#kiosk-return")
    countdown.wait_for(state="visible")  # the script runs: the countdown is shown
    left = int(countdown.locator("[data-left]").inner_text())
    assert 0 < left <= KIOSK_RETURN
    assert server.ikm_n(citizen.kiosk_unit) == before + 1


def test_kiosk_thanks_returns_with_more_time_on_request(citizen: Citizen, pages) -> None:
    """The countdown is visible, "More time" restarts it (WCAG 2.2.1), and at zero the
    kiosk is back on a fresh form for the next citizen."""
    page = pages.new(TABLET)
    page.clock.install()
    page.goto(f"/k/{citizen.kiosk}")
    answer_all(page)
    assert submit(page).status == 303
    countdown = page.locator("#kiosk-return [data-left]")
    countdown.wait_for(state="visible")
    assert int(countdown.inner_text()) == KIOSK_RETURN
    page.clock.run_for((KIOSK_RETURN - 5) * 1000)
    assert int(countdown.inner_text()) == 5
    page.locator("#kiosk-return button").click()
    assert int(countdown.inner_text()) == KIOSK_RETURN
    assert "/terima-kasih" in page.url
    page.clock.run_for((KIOSK_RETURN + 1) * 1000)
    page.wait_for_url(f"**/k/{citizen.kiosk}?lang=id")
    assert page.locator("form button[type=submit]").count() == 1


def test_error_keeps_the_answers(server: Server, citizen: Citizen, pages) -> None:
    before = server.ikm_n(citizen.unit)
    page = pages.new(PHONE)
    error_state(page, f"/s/{citizen.counter}")
    codes = element_codes(page)
    assert checked(page) == dict(zip(codes[:3], (4, 2, 3), strict=True))
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    assert alert.locator("li").count() >= 1
    bad = page.locator("fieldset.bad")
    assert [b.get_attribute("id") for b in bad.all()] == [f"f-{c}" for c in codes[3:]]
    for fieldset in bad.all():
        assert fieldset.locator(".emsg").inner_text().strip()
    assert server.ikm_n(citizen.unit) == before
    # the citizen finishes the form: the kept answers and the new ones are stored together
    for code in codes[3:]:
        choose(page, code, 3)
    assert submit(page).status == 303
    assert "/terima-kasih?" in page.url
    assert server.ikm_n(citizen.unit) == before + 1


def test_english(server: Server, citizen: Citizen, pages) -> None:
    page = pages.new(PHONE)
    page.goto(f"/s/{citizen.counter}?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("form button[type=submit]").inner_text() == "Send rating"
    # the language switch, both ways
    page.goto(f"/s/{citizen.counter}")
    assert page.locator("form button[type=submit]").inner_text() == "Kirim penilaian"
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Bahasa Indonesia").click()
    page.wait_for_url(re.compile(r"lang=id"))
    assert page.locator("html").get_attribute("lang") == "id"
    # a rating sent in English is thanked in English
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    answer_all(page)
    assert submit(page).status == 303
    assert page.url.endswith("&lang=en")
    assert page.locator("h1").inner_text() == "Thank you!"
    assert page.locator("html").get_attribute("lang") == "en"


def test_inlined_stylesheet_is_applied(citizen: Citizen, pages) -> None:
    """The CSS is inlined in a <style> element; all of it must reach the browser (an
    HTML-escaped quote in it makes the browser drop the declaration)."""
    page = pages.new(PHONE)
    page.goto(f"/s/{citizen.counter}")
    family, size = page.evaluate(
        "(s => [s.fontFamily, s.fontSize])(getComputedStyle(document.body))"
    )
    assert family.startswith("system-ui"), family
    assert size == "17px"


def test_touch_targets_are_44px(citizen: Citizen, pages) -> None:
    for path in (f"/s/{citizen.counter}", f"/k/{citizen.kiosk}"):
        for width in (320, 360):
            page = pages.new({"width": width, "height": 780})
            page.goto(path)
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            small = page.evaluate(
                """() => [...document.querySelectorAll(
                        '.opts label, button, summary, select, textarea, a.button')]
                    .map(e => [e.tagName + (e.id ? '#' + e.id : ''), e.getBoundingClientRect()])
                    .filter(([, r]) => r.width < 44 || r.height < 44)
                    .map(([name, r]) => `${name} ${r.width}x${r.height}`)"""
            )
            assert not small, f"{path} at {width} px: {small}"


# ---------------------------------------------------------------- every page


def _citizen_pages(citizen: Citizen) -> list[tuple[str, str]]:
    """(name, path) of every citizen page reachable with a GET."""
    return [
        ("directory", "/"),
        ("form", f"/s/{citizen.counter}"),
        ("form-en", f"/s/{citizen.counter}?lang=en"),
        ("kiosk", f"/k/{citizen.kiosk}"),
        ("thanks", citizen.thanks_url),
        ("kiosk-thanks", citizen.kiosk_thanks_url),
        ("unknown-counter", "/s/TIDAKADA"),
        ("unknown-kiosk", "/k/TIDAKADA"),
    ]


# Words may not be broken to make a page fit: measured once more with this style added.
NO_BREAKING = "*{overflow-wrap:normal!important;word-break:normal!important}"


@pytest.mark.parametrize("width", [320, 360, 412, 768])
def test_no_sideways_scrolling(citizen: Citizen, pages, width: int) -> None:
    page = pages.new({"width": width, "height": 780})
    too_wide = []

    def measure(name: str) -> None:
        # open every <details> so that what they hide is measured too
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        scroll, inner = overflow(page)
        if scroll > inner:
            too_wide.append(f"{name} ({page.url}): {scroll} px wide in a {inner} px window")
            return
        add_style(page, NO_BREAKING)
        scroll, inner = overflow(page)
        if scroll > inner:
            too_wide.append(f"{name} ({page.url}): fits only by breaking words ({scroll} px)")

    for name, path in _citizen_pages(citizen):
        page.goto(path)
        measure(name)
    error_state(page, f"/s/{citizen.counter}")
    measure("error")
    error_state(page, f"/k/{citizen.kiosk}")
    measure("kiosk-error")
    page.goto(f"/s/{citizen.counter}?lang=en")
    answer_all(page, {code: 2 for code in element_codes(page)})  # the longest labels, bold
    measure("form-en-answered")
    assert not too_wide, "pages scroll sideways:\n" + "\n".join(too_wide)


def test_no_external_requests(server: Server, citizen: Citizen, pages) -> None:
    page = pages.new(PHONE)
    for _name, path in _citizen_pages(citizen):
        page.goto(path)
    error_state(page, f"/s/{citizen.counter}")
    page.goto(f"/k/{citizen.kiosk}")
    answer_all(page)
    submit(page)
    assert pages.requests, "no request was recorded"
    foreign = [u for u in pages.requests if not u.startswith(server.base + "/")]
    assert not foreign, f"requests to other origins: {foreign}"


AXE_PAGES = [
    "directory",
    "form",
    "form-en",
    "kiosk",
    "thanks",
    "kiosk-thanks",
    "error",
    "unknown-counter",
]
AXE_ALLOW: dict[str, frozenset[str]] = {}


@pytest.mark.parametrize("name", AXE_PAGES)
def test_accessibility(citizen: Citizen, pages, axe, name: str) -> None:
    paths = dict(_citizen_pages(citizen))
    page = pages.new(TABLET if name.startswith("kiosk") else PHONE)
    if name == "error":
        error_state(page, paths["form"])
    else:
        page.goto(paths[name])
    axe(page, allow=AXE_ALLOW.get(name, frozenset()))
