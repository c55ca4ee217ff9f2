"""The citizen's "May we contact you?" in Chromium on a phone: a low rating with a contact
and consent opens a case and the thank-you page says how to track it; a contact without
consent comes back with the message at the box and the answers kept; a good rating with a
contact says the contact was not stored. axe-core's WCAG 2.2 A/AA rules on every state, no
sideways scrolling at 320 px, no external requests, no script on the phone form."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import PHONE, Server, get_json

pytestmark = pytest.mark.e2e

CONTACT = "0813-2222-4444"


def rate(page: Any, low: bool) -> None:
    """Answer every question 4, and the first one 1 when `low`, clicking the labels."""
    radios = page.locator(".opts input[type=radio][value='4']").all()
    assert len(radios) == 9
    for radio in radios:
        radio.locator("xpath=..").click()
    if low:
        page.locator(".opts input[type=radio][value='1']").first.locator("xpath=..").click()


def open_contact(page: Any) -> None:
    page.locator("details.contact summary").click()
    assert page.locator("details.contact").get_attribute("open") is not None


def send(page: Any) -> Any:
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    return posted.value


def phone_counter(server: Server) -> str:
    return server.counters(kiosk=False)[3][1]


def test_low_rating_with_contact_opens_a_case(pages, server: Server, axe) -> None:
    counter = phone_counter(server)
    page = pages.new(PHONE)
    page.goto(f"/s/{counter}")
    assert page.locator("script").count() == 0
    rate(page, low=True)
    open_contact(page)
    # The consent text is the checkbox's own label (read out with the box).
    label = page.locator("label.check").inner_text()
    assert "hanya untuk menindaklanjuti pengaduan ini" in label and "UU PDP 27/2022" in label
    page.locator("#contact").fill(CONTACT)
    page.get_by_label(re.compile("Saya setuju dihubungi")).check()
    axe(page)
    page.set_viewport_size({"width": 320, "height": 780})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size(PHONE)
    posted = send(page)
    assert posted.status == 303
    assert "/terima-kasih?" in page.url and "c=1" in page.url
    axe(page)
    receipt = page.locator(".code").inner_text().strip().replace("-", "")
    assert page.locator(".case h2").inner_text() == "Pengaduan Anda sedang ditindaklanjuti"
    link = page.locator(f"a[href^='/lacak?r={receipt}']")
    assert link.count() == 1
    # The case is there, with its clocks (the tracking API of the same server).
    case = get_json(f"{server.base}/api/v1/cases/{receipt}")
    assert case["status"] == "open" and case["verify_due"]
    # The English thank-you page says the same.
    page.locator("nav.lang a").click()
    page.wait_for_load_state()
    assert "Your complaint is being followed up" in page.inner_text("main")
    axe(page)
    assert all(url.startswith(server.base) for url in pages.requests), pages.requests


def test_contact_without_consent_is_refused_with_the_answers_kept(pages, server: Server,
                                                                  axe) -> None:
    counter = phone_counter(server)
    page = pages.new(PHONE)
    page.goto(f"/s/{counter}")
    rate(page, low=True)
    open_contact(page)
    page.locator("#contact").fill(CONTACT)
    posted = send(page)
    assert posted.status == 422
    assert "/terima-kasih" not in page.url
    assert page.locator("details.contact").get_attribute("open") is not None
    assert page.locator("#contact").input_value() == CONTACT
    assert page.locator("#e-consent").is_visible()
    assert page.locator("#errors a[href='#f-consent']").count() == 1
    axe(page)
    # Ticking the box now sends it.
    page.locator("input[name=consent]").check()
    assert send(page).status == 303
    assert page.locator("a[href^='/lacak?r=']").count() == 1


def test_good_rating_with_contact_stores_no_contact(pages, server: Server, axe) -> None:
    counter = phone_counter(server)
    page = pages.new(PHONE)
    page.goto(f"/s/{counter}?lang=en")
    rate(page, low=False)
    open_contact(page)
    page.locator("#contact").fill("warga@example.org")
    page.get_by_label(re.compile("I agree to be contacted")).check()
    assert send(page).status == 303
    text = page.inner_text("main")
    assert "so we did not store your contact" in text
    assert page.locator("a[href^='/lacak']").count() == 0
    axe(page)
