"""The kiosk without network, in Chromium: the service worker keeps the kiosk form and the
offline thank-you page, stores ratings made offline (also after a reload while offline) in
IndexedDB with a fresh one-time key each, and sends them when the network returns; every
rating reaches the database exactly once (checked by its key in the e2e server's SQLite
file). The phone form stays without any script."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import PHONE, TABLET, Server
from .test_citizen import answer_all, choose, element_codes

pytestmark = pytest.mark.e2e

CACHE = "suara-kiosk-v1"


def stored_keys(server: Server, keys: list[str]) -> dict[str, int]:
    """How many stored responses carry each of these submission keys."""
    db = sqlite3.connect(f"file:{server.workdir / 'e2e.db'}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute(
            'SELECT "submission_key", count(*) FROM "response" WHERE "submission_key" IN '
            f"({', '.join('?' * len(keys))}) GROUP BY \"submission_key\"",
            keys,
        ).fetchall()
    finally:
        db.close()
    return {key: n for key, n in rows}


def wait_until(check: Callable[[], Any], what: str, seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.2)


def queued(page: Any) -> list[str]:
    """The keys waiting in the kiosk's IndexedDB queue."""
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open('suara-kiosk', 1);
            open.onupgradeneeded = () => open.result.createObjectStore('queue', {keyPath: 'key'});
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
                const req = open.result.transaction('queue').objectStore('queue').getAllKeys();
                req.onsuccess = () => { open.result.close(); resolve(req.result); };
                req.onerror = () => reject(req.error);
            };
        })"""
    )


def cached(page: Any, path: str) -> bool:
    return page.evaluate(
        "async ([name, p]) => !!(await (await caches.open(name)).match(p))", [CACHE, path]
    )


def ready_for_offline(page: Any, kiosk: str) -> None:
    """Wait until the service worker controls the page and keeps what the kiosk needs."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    for path in (f"/k/{kiosk}?lang=id", f"/k/{kiosk}?lang=en",
                 f"/k/{kiosk}/tersimpan?lang=id", f"/k/{kiosk}/tersimpan?lang=en",
                 "/static/kiosk.js"):
        wait_until(lambda p=path: cached(page, p), f"{path} in the kiosk's cache")


def rate_offline(page: Any, kiosk: str, answers: dict[str, int] | None = None) -> str:
    """Rate on the (offline) kiosk form; returns the form's one-time key."""
    key = page.locator("input[name=key]").input_value()
    if answers is None:
        answer_all(page)
    else:
        for code, value in answers.items():
            choose(page, code, value)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"**/k/{kiosk}/tersimpan?lang=id")
    return key


@pytest.fixture
def kiosk(server: Server) -> tuple[str, str]:
    """A kiosk counter of its own (the other browser tests rate the first one)."""
    kiosks = server.counters(kiosk=True)
    assert len(kiosks) >= 2, kiosks
    return kiosks[-1]


def test_ratings_made_offline_arrive_once(server: Server, pages, axe, kiosk) -> None:
    unit, counter = kiosk
    before = server.ikm_n(unit)
    page = pages.new(TABLET)
    context = page.context
    seen: list[str] = []
    context.on("request", lambda req: seen.append(req.url))
    page.goto(f"/k/{counter}")
    assert page.locator("body").get_attribute("data-kiosk") == f"/k/{counter}"
    ready_for_offline(page, counter)
    online_key = page.locator("input[name=key]").input_value()

    context.set_offline(True)
    keys = [rate_offline(page, counter)]
    # The offline thank-you: honest (saved, to be sent; no receipt code), accessible.
    assert page.locator("h1").inner_text() == "Terima kasih!"
    text = page.locator("main").inner_text()
    assert "tersimpan di tablet ini" in text and "belum ada kode tanda terima" in text.lower()
    assert page.locator(".code").count() == 0
    page.locator("#kiosk-return").wait_for(state="visible")  # kiosk.js loads from the cache
    axe(page)

    # Back to the form: from the cache, with a new one-time key.
    page.locator("a.button").click()
    page.wait_for_url(f"**/k/{counter}?lang=id")
    keys.append(rate_offline(page, counter))

    # A reload while offline: the form again from the cache, again with a new key.
    page.goto(f"/k/{counter}?lang=id")
    page.reload()
    assert page.locator("form button[type=submit]").count() == 1
    keys.append(rate_offline(page, counter))

    # Too few answers while offline: caught on the tablet, with the server's message (from
    # the page, in its language), and nothing is stored.
    page.goto(f"/k/{counter}?lang=id")
    codes = element_codes(page)
    for code in codes[:2]:
        choose(page, code, 3)
    page.locator("form button[type=submit]").click()
    alert = page.locator("#offline-check[role=alert]")
    alert.wait_for()
    message = page.get_attribute("form", "data-too-few")
    assert message and message.startswith("Mohon") and alert.inner_text() == message
    assert page.url.endswith(f"/k/{counter}?lang=id")
    assert len(queued(page)) == 3
    axe(page)

    # A rating the server will refuse (an answer out of range, as a tampered page could
    # send): kept while offline, dropped when the server refuses it.
    page.evaluate("(code) => { document.querySelector(`#f-${code} .opts input[value='4']`)"
                  ".value = '9'; }", codes[0])
    refused = rate_offline(page, counter, {code: 4 for code in codes})

    assert len(set(keys + [refused])) == 4, keys
    assert keys[0] == online_key  # the first form was the server's; later ones are fresh
    assert sorted(queued(page)) == sorted(keys + [refused])
    assert stored_keys(server, keys + [refused]) == {}
    assert server.ikm_n(unit) == before

    context.set_offline(False)  # the `online` event: the kiosk sends its queue
    wait_until(lambda: len(stored_keys(server, keys)) == 3, "the three ratings in the database")
    wait_until(lambda: queued(page) == [], "an empty queue")
    # Another page load asks for the queue again: nothing is sent twice.
    page.goto(f"/k/{counter}")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_timeout(500)
    assert stored_keys(server, keys + [refused]) == {key: 1 for key in keys}
    assert server.ikm_n(unit) == before + 3

    foreign = [u for u in seen + pages.requests if not u.startswith(server.base + "/")]
    assert not foreign, f"requests to other origins: {foreign}"


def test_server_unavailable_is_treated_like_offline(server: Server, pages, kiosk) -> None:
    """A 503 (the database is down) to a rating keeps it on the tablet with the offline
    thank-you; a replay answered 503 keeps it queued; once the server stores again, it
    arrives exactly once."""
    unit, counter = kiosk
    page = pages.new(TABLET)
    page.goto(f"/k/{counter}")
    ready_for_offline(page, counter)
    page.reload()
    answered_503: list[str] = []

    def unavailable(route: Any) -> None:
        if route.request.method != "POST":
            route.fallback()
            return
        answered_503.append(route.request.url)
        route.fulfill(status=503, headers={"Retry-After": "5"}, content_type="text/plain",
                      body="Service unavailable")

    target = f"**/k/{counter}"
    page.context.route(target, unavailable)  # also what the service worker sends
    key = page.locator("input[name=key]").input_value()
    answer_all(page)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"**/k/{counter}/tersimpan?lang=id")
    assert page.locator(".code").count() == 0
    assert queued(page) == [key]
    flush = "navigator.serviceWorker.controller.postMessage({type: 'flush'})"
    page.evaluate(flush)
    wait_until(lambda: len(answered_503) >= 2, "a replay answered 503")
    page.wait_for_timeout(300)
    assert queued(page) == [key]
    assert stored_keys(server, [key]) == {}

    page.context.unroute(target, unavailable)
    page.evaluate(flush)
    wait_until(lambda: stored_keys(server, [key]) == {key: 1}, "the rating in the database")
    wait_until(lambda: queued(page) == [], "an empty queue")


def test_online_kiosk_rating_goes_through_the_worker(server: Server, pages, kiosk) -> None:
    """With the worker in control, a rating made online gets its receipt as before."""
    unit, counter = kiosk
    before = server.ikm_n(unit)
    page = pages.new(TABLET)
    page.goto(f"/k/{counter}")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.reload()
    key = page.locator("input[name=key]").input_value()
    answer_all(page)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"**/k/{counter}/terima-kasih?r=*")
    assert page.locator(".code").count() == 1
    assert stored_keys(server, [key]) == {key: 1}
    assert server.ikm_n(unit) == before + 1


def test_phone_form_has_no_script(server: Server, pages) -> None:
    (_unit, counter), *_ = server.counters(kiosk=False)
    page = pages.new(PHONE)
    page.goto(f"/s/{counter}")
    assert page.locator("script").count() == 0
    assert page.get_attribute("body", "data-kiosk") is None
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
