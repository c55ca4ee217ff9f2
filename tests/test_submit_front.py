"""The raw ASGI front of the submission routes (app.web.front): it answers the stored case
exactly as the Litestar handler would, hands every other case on with the body replayed, and
a submission it decided is never submitted a second time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import msgspec
import pytest
from litestar.serialization import encode_json

from app.web import api, front, submitting
from feedback.survey.receipts import Receipt
from feedback.tables import RateWindow, Response
from tests.support import FULL, make_client


def body(counter: str, **fields):
    return {"counter": counter, "answers": dict(FULL), **fields}


def form(answers=FULL, key="k" * 24, **extra):
    return {**{code: str(v) for code, v in answers.items()}, "key": key, "lang": "id", **extra}


def litestar_only(client):
    """The same application without the front: Litestar's handlers answer everything."""
    client.app.asgi_handler = client.app.asgi_handler.inner
    return client


@pytest.fixture
def calls(monkeypatch):
    """How often a submission was submitted (`run`) and how often a handler was reached
    (`decide`), and whether the handler found the front's decision."""
    seen = {"run": 0, "decide": 0, "decided": 0}
    run, decide = submitting.run, submitting.decide

    async def counting_run(request, sub):
        seen["run"] += 1
        return await run(request, sub)

    async def counting_decide(request, build):
        seen["decide"] += 1
        seen["decided"] += submitting.DECIDED in request.scope["state"]
        return await decide(request, build)

    monkeypatch.setattr(submitting, "run", counting_run)
    monkeypatch.setattr(submitting, "decide", counting_decide)
    return seen


def comparable(headers) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in ("content-length", "date")}


async def test_the_front_answers_a_stored_json_submission_as_the_handler_does(org, calls):
    async with make_client() as client:
        fast = await client.post("/api/v1/responses",
                                 json=body(org.counter, idempotency_key="front-json-1"))
    assert calls == {"run": 1, "decide": 0, "decided": 0}  # the handler was not reached
    async with litestar_only(make_client()) as client:
        slow = await client.post("/api/v1/responses",
                                 json=body(org.other_counter, idempotency_key="front-json-2"))
    assert calls == {"run": 2, "decide": 1, "decided": 0}
    assert fast.status_code == slow.status_code == 201
    assert comparable(fast.headers) == comparable(slow.headers)
    assert "content-security-policy" in fast.headers  # the before_send hook ran
    assert list(fast.json()) == list(slow.json())
    assert {k: v for k, v in fast.json().items() if k not in ("receipt", "submitted_at")} == {
        k: v for k, v in slow.json().items() if k not in ("receipt", "submitted_at")}
    assert await Response.count() == 2


def test_the_front_encodes_a_receipt_byte_for_byte_as_litestar():
    for case in (False, True):
        out = api.receipt_out(Receipt("ABCDEFGH", datetime(2026, 11, 30, 1, 2, 3, 456789,
                                                           tzinfo=UTC), True), case, case)
        assert front._ENCODE(out) == encode_json(out)


async def test_the_front_answers_a_stored_form_post_as_the_handler_does(org, calls):
    async with make_client() as client:
        fast = await client.post(f"/s/{org.counter}", data=form(key="f" * 24))
    assert calls["decide"] == 0
    async with litestar_only(make_client()) as client:
        slow = await client.post(f"/s/{org.other_counter}", data=form(key="g" * 24))
    assert fast.status_code == slow.status_code == 303
    assert comparable(fast.headers).keys() == comparable(slow.headers).keys()
    assert fast.headers["location"].startswith(f"/s/{org.counter}/terima-kasih?r=")
    assert fast.content == slow.content == b""
    assert fast.headers["content-type"] == slow.headers["content-type"]


async def test_a_repeated_form_post_redirects_to_the_first_receipt(org, calls):
    async with make_client() as client:
        first = await client.post(f"/k/{org.kiosk}", data=form(key="r" * 24))
        again = await client.post(f"/k/{org.kiosk}", data=form(key="r" * 24))
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert calls["decide"] == 0 and await Response.count() == 1


async def test_every_other_outcome_is_rendered_by_the_handler_without_submitting_again(
        org, calls):
    window = int(datetime.now(UTC).timestamp()) // 60
    async with make_client() as client:
        stored = await client.post("/api/v1/responses",
                                   json=body(org.counter, device_id="phone-1"))
        too_soon = await client.post("/api/v1/responses",
                                     json=body(org.counter, device_id="phone-1"))
        invalid = await client.post("/api/v1/responses",
                                    json=body(org.counter, answers={"waktu": 9}))
        unknown = await client.post("/api/v1/responses", json=body("NOSUCH"))
        repeat = await client.post("/api/v1/responses",
                                   json=body(org.counter, idempotency_key="again-0001"))
        duplicate = await client.post("/api/v1/responses",
                                      json=body(org.counter, idempotency_key="again-0001"))
    assert [r.status_code for r in (stored, too_soon, invalid, unknown, repeat, duplicate)] \
        == [201, 429, 422, 404, 201, 200]
    assert too_soon.json()["error"] == "too_soon" and "retry-after" in too_soon.headers
    assert invalid.json()["fields"][0]["field"].startswith("answers")
    assert duplicate.json()["duplicate"] is True
    # Six submissions, each submitted once; four answered by the handler from the decision.
    assert calls == {"run": 6, "decide": 4, "decided": 4}
    # The network was counted once per submission that reached the limits (not the invalid
    # one, not the unknown counter, not the duplicate).
    row = await RateWindow.select(RateWindow.hits, RateWindow.window).first()
    if row["window"] == window:  # (a new minute in between starts the count again)
        assert row["hits"] == 3


async def test_form_outcomes_other_than_stored_come_back_as_the_form(org, calls):
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}", data=form(answers={"waktu": "2"}))
    assert r.status_code == 422 and "<form" in r.text
    assert calls == {"run": 1, "decide": 1, "decided": 1}
    assert await Response.count() == 0


@pytest.mark.parametrize(("headers", "content", "status", "code"), [
    ({"content-type": "text/plain"}, b'{"counter": "X"}', 415, "unsupported_media_type"),
    ({"content-type": "application/json"}, b'{"counter": ', 400, "bad_request"),
    ({"content-type": "application/json"}, b'{"counter": "X", "answers": {}, "extra": 1}',
     400, "invalid_body"),
    ({"content-type": "application/json"},
     b'{"counter": "X", "answers": {}, "idempotency_key": "abcdefgh\\n"}', 400, "invalid_body"),
    ({"content-type": "application/json"}, b" " * (33 * 1024), 413, "too_large"),
])
async def test_bodies_the_handler_refuses_go_to_it_unsubmitted(org, calls, headers, content,
                                                                status, code):
    async with make_client() as client:
        r = await client.post("/api/v1/responses", headers=headers, content=content)
    assert r.status_code == status
    assert r.json()["error"] == code
    assert calls["run"] == 0 and await Response.count() == 0


async def test_form_posts_the_handler_must_see_first_go_to_it(org, calls):
    async with make_client(public_url="https://suara.kupangkota.go.id") as client:
        cross = await client.post(f"/s/{org.counter}", data=form(key="c" * 24),
                                  headers={"origin": "https://evil.example"})
        unreadable = await client.post(
            f"/s/{org.counter}", content=b"key=" + b"u" * 24 + b"&comment=%FF&waktu=2",
            headers={"content-type": "application/x-www-form-urlencoded"})
        client.cookies.set("sl_d", "made-up.cookie")
        forged = await client.post(f"/s/{org.counter}", data=form(key="d" * 24))
    assert cross.status_code == 403
    assert unreadable.status_code == 422
    assert forged.status_code == 303 and "sl_d=" in forged.headers["set-cookie"]
    # Only the post with the forged cookie was submitted, by the handler itself.
    assert calls == {"run": 1, "decide": 1, "decided": 0}
    assert await Response.count() == 1


async def test_an_error_while_submitting_reaches_the_error_handlers(org, calls, monkeypatch):
    async def broken(item):
        raise RuntimeError("a bug")

    wrapper = make_client()
    monkeypatch.setattr(wrapper.app.state.writer, "submit", broken)
    async with wrapper as client:
        r = await client.post("/api/v1/responses", json=body(org.counter))
        page = await client.post(f"/s/{org.counter}", data=form(key="e" * 24))
    assert r.status_code == page.status_code == 500
    assert r.json()["error"] == "server_error"
    assert calls == {"run": 2, "decide": 2, "decided": 2}  # raised once, by the handler


def receive_from(messages):
    queue = list(messages)

    async def receive():
        return queue.pop(0)

    return receive


async def test_a_body_is_read_whole_or_replayed_from_where_reading_stopped():
    chunks = [{"type": "http.request", "body": b"ab", "more_body": True},
              {"type": "http.request", "body": b"cd", "more_body": False}]
    body_read, rest = await front._read(receive_from(chunks), 100)
    assert (body_read, rest) == (b"abcd", None)
    # Past the limit: what was read, then the server's remaining messages.
    receive = receive_from(chunks)
    body_read, rest = await front._read(receive, 1)
    replay = front._replay(body_read, rest, receive)
    assert await replay() == {"type": "http.request", "body": b"ab", "more_body": True}
    assert await replay() == chunks[1]
    # A disconnect in the middle: the partial body, then the disconnect.
    gone = {"type": "http.disconnect"}
    receive = receive_from([chunks[0], gone])
    body_read, rest = await front._read(receive, 100)
    replay = front._replay(body_read, rest, receive)
    assert await replay() == {"type": "http.request", "body": b"ab", "more_body": True}
    assert await replay() == gone


async def test_concurrent_stored_submissions_through_the_front_are_each_stored_once(org):
    async with make_client() as client:
        answers = await asyncio.gather(*(
            client.post("/api/v1/responses",
                        json=body(org.kiosk, idempotency_key=f"many-{i:04d}", channel="kiosk"))
            for i in range(40)))
    assert [r.status_code for r in answers] == [201] * 40
    receipts = {msgspec.json.decode(r.content)["receipt"] for r in answers}
    assert len(receipts) == 40 and await Response.count() == 40
