"""A citizen's complaint from the form to its closing, in Chromium, on the demo server:

the citizen rates low on a phone, asks to be contacted (contact + consent) and gets a
receipt; /lacak shows the case open; the unit head signs in, verifies and replies on
/staf/kasus/{receipt}; the citizen sees the reply on /lacak and answers it; the unit closes
the case; the citizen sees it closed with the outcome and the closing note. The JSON API
says the same at each step. axe-core's WCAG 2.2 A/AA rules on every citizen page; the
contact and the comment never appear on the tracking page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import PHONE, TABLET, Server, get_json
from .test_predicate import sign_in

pytestmark = pytest.mark.e2e

CONTACT = "0812 3456 7891"
COMMENT = "Antrean sangat lama, loket kedua tutup."
REPLY = "Mohon maaf. Mulai besok loket kedua buka pukul 08.00."
ANSWER = "Terima kasih, hari ini sudah lebih cepat."
NOTE = "Loket kedua kini buka setiap pagi."


def unit_and_counter(page: Any, server: Server) -> tuple[str, str]:
    """The signed-in unit head's unit code and a (non-kiosk) counter of that unit."""
    page.goto("/staf")
    found = re.search(r"/staf/unit/([^/?]+)", page.url)
    assert found, page.url
    unit = found.group(1)
    counters = [c for u, c in server.counters(kiosk=False) if u == unit]
    assert counters, f"the demo unit {unit} has no counter"
    return unit, counters[0]


def api_case(server: Server, receipt: str) -> dict[str, Any]:
    return get_json(f"{server.base}/api/v1/cases/{receipt}")


def tracking(page: Any, axe, receipt: str) -> str:
    """Open the case's tracking page; axe; its status code (data-status)."""
    response = page.goto(f"/lacak?r={receipt}")
    assert response.status == 200
    axe(page)
    text = page.inner_text("body")
    assert CONTACT not in text and COMMENT not in text  # no personal data
    return page.locator("#status").get_attribute("data-status")


def test_a_complaint_from_the_form_to_its_closing(pages, server: Server, axe) -> None:
    staff = pages.new(TABLET)
    sign_in(staff, *server.accounts["unit"])
    _unit, counter = unit_and_counter(staff, server)

    # The citizen rates low and asks to be contacted.
    citizen = pages.new(PHONE)
    citizen.goto(f"/s/{counter}")
    axe(citizen)
    for radio in citizen.locator(".opts input[type=radio][value='1']").all():
        radio.locator("xpath=..").click()
    citizen.locator("details.more:not(.contact) summary").click()
    citizen.locator("#comment").fill(COMMENT)
    citizen.locator("details.contact summary").click()
    citizen.locator("#contact").fill(CONTACT)
    citizen.locator("input[name=consent]").check()
    axe(citizen)
    with citizen.expect_navigation():
        citizen.locator("form button[type=submit]").click()
    assert "/terima-kasih?" in citizen.url, citizen.url
    axe(citizen)
    receipt = citizen.locator(".code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", receipt), receipt
    link = citizen.locator("a[href^='/lacak?r=']")
    assert link.count() == 1, "the thank-you page links to the tracking page"

    # Tracking: open.
    with citizen.expect_navigation():
        link.click()
    assert citizen.locator("#receipt").inner_text() == receipt
    assert tracking(citizen, axe, receipt) == "open"
    opened = api_case(server, receipt)
    assert opened["status"] == "open" and opened["replies"] == []
    assert citizen.locator("#verify-due").inner_text() == "-".join(
        reversed(opened["verify_due"].split("-")))

    # The unit verifies and replies.
    staff.goto(f"/staf/kasus/{receipt}")
    with staff.expect_navigation():
        staff.locator("form[action*='/verifikasi'] button[type=submit]").click()
    assert tracking(citizen, axe, receipt) == "verified"
    staff.locator("#reply-text").fill(REPLY)
    with staff.expect_navigation():
        staff.locator("form[action*='/balas'] button[type=submit]").click()

    # The citizen sees the reply and answers it.
    assert tracking(citizen, axe, receipt) == "answered"
    reply = citizen.locator("li[data-kind='replied']")
    assert REPLY in reply.inner_text() and "Petugas unit" in reply.inner_text()
    replied = api_case(server, receipt)
    assert [r["text"] for r in replied["replies"]] == [REPLY]
    assert replied["replies"][0]["answer"] is None
    reply.locator("textarea").fill(ANSWER)
    with citizen.expect_navigation():
        reply.get_by_role("button", name="Kirim tanggapan").click()
    assert citizen.locator("#notice").is_visible()
    assert citizen.locator("#status").get_attribute("data-status") == "verified"
    assert ANSWER in citizen.locator("li[data-kind='citizen_answer']").inner_text()
    assert citizen.locator("textarea").count() == 0  # once per reply
    axe(citizen)
    narrow = pages.new({"width": 320, "height": 700})  # the case page on a small phone
    narrow.goto(f"/lacak?r={receipt}")
    scroll, inner = narrow.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= inner, (scroll, inner)
    answered = api_case(server, receipt)
    assert answered["status"] == "verified"
    assert answered["replies"][0]["answer"]["text"] == ANSWER

    # The unit sees the answer and closes the case.
    staff.goto(f"/staf/kasus/{receipt}")
    assert ANSWER in staff.inner_text("main")
    staff.locator("input[name=outcome][value=resolved]").check()
    staff.locator("#close-note").fill(NOTE)
    with staff.expect_navigation():
        staff.locator("form[action*='/tutup'] button[type=submit]").click()

    # The citizen sees it closed.
    assert tracking(citizen, axe, receipt) == "closed"
    assert "Terselesaikan" in citizen.inner_text("#status")
    assert NOTE in citizen.locator("li[data-kind='closed']").inner_text()
    assert citizen.locator("textarea").count() == 0  # nothing left to answer
    closed = api_case(server, receipt)
    assert closed["status"] == "closed" and closed["follow_up_due"] is not None

    # The citizen withdraws the consent: the contact is erased at once.
    with citizen.expect_navigation():
        citizen.locator("#contact button[type=submit]").click()
    assert citizen.locator("#no-contact").is_visible()
    axe(citizen)
    staff.goto(f"/staf/kasus/{receipt}")
    assert CONTACT.replace(" ", "") not in staff.inner_text("main").replace(" ", "")
    assert all(url.startswith(server.base) for url in pages.requests)
