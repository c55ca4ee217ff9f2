"""The citizen's tracking of a complaint: `feedback.cases.tracking` (the public view, the
answer to a reply), the page `/lacak` and `GET /api/v1/cases/{receipt}`: no personal data,
the state machine's answer step, bad input refused with nothing written, the lookup limit."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from feedback.accounts.audit import Actor, entries
from feedback.accounts.scope import Scope
from feedback.cases import lookups, work
from feedback.cases.clocks import calendar, follow_up_after_answer, opening_clocks
from feedback.cases.events import add_event, open_case
from feedback.cases.tables import CITIZEN, CaseContact, CaseEvent, CaseFile
from feedback.cases.tracking import (
    AnswerRefused,
    case_view,
    citizen_answer,
    normalise_receipt,
)
from feedback.engine import transaction
from feedback.org.counters import load_counter
from feedback.survey import submit as submission
from feedback.survey.validate import validate
from feedback.tables import Response, Unit
from tests.staff_support import audit_mark
from tests.support import make_client

LOW = {"persyaratan": 1, "prosedur": 2, "waktu": 1, "biaya": 4, "produk": 3,
       "kompetensi": 3, "perilaku": 2, "pengaduan": 3, "sarana": 2}
OPENED = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # Tuesday 10:30 WITA
COMMENT = "Antre lama sekali, hubungi saya di 0812-3456-7890"
CONTACT = "citizen@example.id"
STAFF = Actor(email="kepala.unit@test.id", id=None)


async def open_test_case(org, when: datetime = OPENED, comment: str | None = COMMENT) -> str:
    """A case opened from a stored low rating with a contact; its receipt (ABCDEF23)."""
    counter = await load_counter(org.counter)
    await submission.store_one(submission.Pending(
        counter=counter, draft=validate(counter, LOW, comment=comment), channel="qr",
        lang="id", submission_key=f"case-{when.isoformat()}", now=when), submission.Policy())
    row = await Response.select().order_by(Response.id, ascending=False).first()
    unit = await Unit.select(Unit.agency).where(Unit.id == row["unit"]).first()
    await CaseContact.insert(CaseContact(response_id=row["id"], kind="email", value=CONTACT,
                                         consent_version="test", consented_at=when))
    async with transaction():
        await open_case(response_id=row["id"], receipt=row["receipt"],
                        counter_id=row["counter"], unit_id=row["unit"],
                        agency_id=unit["agency"], reason="low_rating", opened_at=when,
                        cal=await calendar())
    return row["receipt"]


def unit_scope(org) -> Scope:
    return Scope(role="unit", unit_id=org.unit_id)


async def replied(org, receipt: str, text: str = "Mohon maaf, loket kedua kini dibuka.",
                  at: datetime | None = None) -> int:
    done = await work.reply(receipt, text, STAFF, unit_scope(org), now=at or OPENED
                            + timedelta(days=1))
    return done.event_id


async def _state(receipt: str) -> tuple[dict, list[dict]]:
    case = await CaseFile.select().where(CaseFile.receipt == receipt).first()
    events = await CaseEvent.select().where(CaseEvent.case_id == case["id"]).order_by(
        CaseEvent.id)
    return case, events


# The domain ------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, expected", [
    ("ABCD-EF23", "ABCDEF23"), ("abcdef23", "ABCDEF23"), (" abcd ef23 ", "ABCDEF23"),
    ("ABCD-EF2", None), ("ABCD-EF231", None), ("ABCD-EF20", None), ("ABCDEFI3", None),
    ("", None), (None, None), ("x" * 100, None)])
def test_receipts_are_normalised(typed, expected):
    assert normalise_receipt(typed) == expected


async def test_view_of_a_new_case(org):
    receipt = await open_test_case(org)
    view = await case_view(f"{receipt[:4]}-{receipt[4:]}".lower())
    assert view is not None and view.receipt == receipt
    assert view.status == "open" and view.replies == ()
    clocks = opening_clocks(await calendar(), OPENED)
    assert (view.verify_due, view.follow_up_due) == (clocks.verify_due, clocks.follow_up_due)
    assert view.verify_due == date(2026, 11, 27)  # Wed, Thu, Fri
    assert view.unit_name == "UPTD Puskesmas Oesapa"
    assert [e.kind for e in view.history] == ["opened"]
    assert await case_view("ZZZZ-ZZZZ") is None
    assert await case_view("not a code") is None


async def test_view_shows_public_steps_only(org):
    receipt = await open_test_case(org)
    case, _ = await _state(receipt)
    await work.verify(receipt, STAFF, unit_scope(org), now=OPENED + timedelta(hours=2))
    await work.escalate(receipt, "internal: slow unit", STAFF, unit_scope(org),
                        now=OPENED + timedelta(hours=3))
    async with transaction():  # a private note with text must never show
        await add_event(case["id"], "replied", STAFF, OPENED + timedelta(hours=4),
                        text="staff only draft", public=False)
    view = await case_view(receipt)
    assert [e.kind for e in view.history] == ["opened", "verified"]
    assert view.replies == ()


async def test_a_citizen_answer_moves_the_case(org):
    receipt = await open_test_case(org)
    reply_id = await replied(org, receipt)
    case, _ = await _state(receipt)
    assert case["status"] == "answered" and case["auto_close_due"] is not None
    now = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # Wednesday 07:30 WITA
    event_id = await citizen_answer(receipt.lower(), reply_id, "  Terima kasih, sudah lebih "
                                    "cepat.\x07 ", now)
    case, events = await _state(receipt)
    assert case["status"] == "verified"
    assert case["auto_close_due"] is None
    assert case["follow_up_due"] == follow_up_after_answer(await calendar(), now)
    assert case["follow_up_due"] == date(2026, 12, 9)  # 5 working days after Wed 2 Dec
    answer = events[-1]
    assert (answer["id"], answer["kind"], answer["actor"], answer["actor_id"],
            answer["public"], answer["answers_event"]) == (
        event_id, "citizen_answer", CITIZEN, None, True, reply_id)
    assert answer["text"] == "Terima kasih, sudah lebih cepat."
    view = await case_view(receipt)
    assert view.replies[0].answer.text == "Terima kasih, sudah lebih cepat."
    assert view.open_replies() == set()


async def _everything() -> tuple[list[dict], list[dict]]:
    return (await CaseFile.select().order_by(CaseFile.id),
            await CaseEvent.select().order_by(CaseEvent.id))


async def _refused(code: str, receipt, reply_id, text="Jawaban saya.") -> None:
    before = await _everything()
    with pytest.raises(AnswerRefused) as exc:
        await citizen_answer(receipt, reply_id, text, OPENED + timedelta(days=2))
    assert exc.value.code == code
    assert await _everything() == before  # nothing written


async def test_answers_that_are_refused_write_nothing(org):
    receipt = await open_test_case(org)
    other = await open_test_case(org, when=OPENED + timedelta(minutes=5), comment=None)
    _, events = await _state(receipt)
    opened_event = events[0]["id"]
    await _refused("not_a_reply", receipt, opened_event)  # not a reply
    reply_id = await replied(org, receipt)
    other_reply = await replied(org, other)
    await _refused("not_a_reply", receipt, other_reply)  # another case's reply
    await _refused("not_a_reply", receipt, 0)
    await _refused("not_found", "ZZZZZZZZ", reply_id)
    await _refused("not_found", "bad", reply_id)
    await _refused("too_short", receipt, reply_id, " a ")
    await _refused("too_short", receipt, reply_id, None)
    await _refused("too_long", receipt, reply_id, "x" * 1001)
    first = await citizen_answer(receipt, reply_id, "x" * 1000, OPENED + timedelta(days=2))
    await _refused("already_answered", receipt, reply_id)  # once per reply
    before = await _everything()  # the same answer again (a double tap): the stored one
    assert await citizen_answer(receipt, reply_id, " " + "x" * 1000, OPENED
                                + timedelta(days=3)) == first
    assert await _everything() == before


async def test_a_closed_case_takes_no_answer(org):
    receipt = await open_test_case(org)
    reply_id = await replied(org, receipt)
    await work.close(receipt, "resolved", "Loket kedua dibuka setiap pagi.", STAFF,
                     unit_scope(org), now=OPENED + timedelta(days=2))
    await _refused("closed", receipt, reply_id)
    view = await case_view(receipt)
    assert view.closed and view.outcome == "resolved" and view.open_replies() == set()
    assert view.history[-1].text == "Loket kedua dibuka setiap pagi."


async def test_the_same_reply_answered_twice_at_once_is_stored_once(org):
    import asyncio

    receipt = await open_test_case(org)
    reply_id = await replied(org, receipt)
    results = await asyncio.gather(*(citizen_answer(receipt, reply_id, f"Jawaban {i}",
                                                    OPENED + timedelta(days=2))
                                     for i in range(3)), return_exceptions=True)
    assert sum(isinstance(r, int) for r in results) == 1
    assert all(isinstance(r, AnswerRefused) and r.code == "already_answered"
               for r in results if not isinstance(r, int))
    _, events = await _state(receipt)
    assert sum(e["kind"] == "citizen_answer" for e in events) == 1


# The page --------------------------------------------------------------------------------

def _no_personal_data(html: str) -> None:
    assert CONTACT not in html
    assert "0812" not in html and "Antre lama" not in html  # the comment, never
    assert STAFF.email not in html and "kepala.unit" not in html


async def test_the_page_asks_for_a_code(org):
    async with make_client() as client:
        page = await client.get("/lacak")
        english = await client.get("/lacak?lang=en")
    assert page.status_code == 200
    assert 'name="r"' in page.text and "Lacak pengaduan" in page.text
    assert "Track your complaint" in english.text
    assert "<script" not in page.text
    assert page.headers["cache-control"] == "private, no-store"


async def test_the_page_shows_a_case_without_personal_data(org):
    receipt = await open_test_case(org)
    shown = f"{receipt[:4]}-{receipt[4:]}"
    async with make_client() as client:
        page = await client.get(f"/lacak?r={shown}")
        lower = await client.get(f"/lacak?r={receipt.lower()}")
        english = await client.get(f"/lacak?r={shown}&lang=en")
    assert page.status_code == 200 and lower.status_code == 200
    html = page.text
    assert shown in html and 'data-status="open"' in html
    assert "Diterima" in html  # status in words, Indonesian
    assert "24-11-2026 10:30 WITA" in html  # opened, WITA
    assert 'id="verify-due">27-11-2026<' in html
    assert 'id="follow-up-due">04-12-2026<' in html
    _no_personal_data(html)
    assert "Received" in english.text and 'lang="en"' in english.text
    assert 'name="reply"' not in html  # nothing to answer yet
    assert 'id="h-contact"' in html and 'id="no-contact"' not in html  # kept, not shown


async def test_unknown_and_malformed_codes(org):
    async with make_client() as client:
        unknown = await client.get("/lacak?r=ZZZZ-ZZZZ")
        malformed = await client.get("/lacak?r=12")
        api_unknown = await client.get("/api/v1/cases/ZZZZ-ZZZZ")
        api_bad = await client.get("/api/v1/cases/abc")
    assert unknown.status_code == 404 and "ZZZZ-ZZZZ" in unknown.text
    assert 'role="alert"' in unknown.text and 'name="r"' in unknown.text
    assert malformed.status_code == 400
    assert api_unknown.status_code == 404
    assert api_unknown.json()["error"] == "unknown_case"
    assert set(api_unknown.json()) == {"error", "message", "fields"}
    # The API's contract: 404 whenever the code has no case, written like a receipt or not.
    assert api_bad.status_code == 404 and api_bad.json()["error"] == "unknown_case"
    assert "ABCD-EF23" in api_bad.json()["message"]


async def test_answering_on_the_page(org):
    receipt = await open_test_case(org)
    reply_id = await replied(org, receipt, text="Kami sudah menambah petugas loket.")
    path = f"/lacak/{receipt}/jawab"
    async with make_client() as client:
        page = await client.get(f"/lacak?r={receipt}")
        assert page.status_code == 200
        html = page.text
        assert "Kami sudah menambah petugas loket." in html and "Petugas unit" in html
        assert f'name="reply" value="{reply_id}"' in html and f'action="{path}"' in html
        _no_personal_data(html)
        short = await client.post(path, data={"reply": str(reply_id), "text": "x"})
        assert short.status_code == 422 and 'aria-invalid="true"' in short.text
        assert (await _state(receipt))[0]["status"] == "answered"
        bad_reply = await client.post(path, data={"reply": "abc", "text": "Baik"})
        assert bad_reply.status_code == 422
        cross = await client.post(path, data={"reply": str(reply_id), "text": "Baik sekali"},
                                  headers={"Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403
        assert (await _state(receipt))[0]["status"] == "answered"
        done = await client.post(path, data={"reply": str(reply_id), "text": "Sudah lebih "
                                             "baik, terima kasih.", "lang": "en"})
        assert done.status_code == 303
        assert done.headers["location"].startswith(f"/lacak?r={receipt[:4]}-{receipt[4:]}")
        after = await client.get(done.headers["location"])
        assert after.status_code == 200 and "Sudah lebih baik, terima kasih." in after.text
        assert "your answer was sent" in after.text
        assert 'data-status="verified"' in after.text
        assert 'name="reply"' not in after.text  # answered: no form
        again = await client.post(path, data={"reply": str(reply_id), "text": "Lagi"})
        assert again.status_code == 409
        double_tap = await client.post(path, data={"reply": str(reply_id), "text": "Sudah "
                                                   "lebih baik, terima kasih."})
        assert double_tap.status_code == 303
        unknown = await client.post("/lacak/ZZZZZZZZ/jawab", data={"reply": "1", "text": "Hai"})
        assert unknown.status_code == 404
    _, events = await _state(receipt)
    assert sum(e["kind"] == "citizen_answer" for e in events) == 1


async def test_a_closed_case_on_the_page(org):
    receipt = await open_test_case(org)
    await replied(org, receipt)
    await work.close(receipt, "resolved", "Selesai ditangani.", STAFF, unit_scope(org),
                     now=OPENED + timedelta(days=3))
    async with make_client() as client:
        page = await client.get(f"/lacak?r={receipt}")
    assert 'data-status="closed"' in page.text and "Selesai ditangani." in page.text
    assert "Terselesaikan" in page.text or "Selesai" in page.text
    assert 'name="reply"' not in page.text


# The JSON API ----------------------------------------------------------------------------

async def test_the_api_gives_the_case(org):
    receipt = await open_test_case(org)
    async with make_client() as client:
        first = await client.get(f"/api/v1/cases/{receipt[:4]}-{receipt[4:]}")
        reply_id = await replied(org, receipt, at=datetime(2026, 11, 25, 1, tzinfo=UTC))
        second = await client.get(f"/api/v1/cases/{receipt.lower()}")
        await citizen_answer(receipt, reply_id, "Terima kasih, email saya a@b.id",
                             datetime(2026, 11, 26, 1, tzinfo=UTC))
        third = await client.get(f"/api/v1/cases/{receipt}")
    assert first.status_code == 200
    body = first.json()
    assert body == {  # exactly the contract's fields
        "status": "open", "opened": "2026-11-24T02:30:00Z", "verify_due": "2026-11-27",
        "follow_up_due": "2026-12-04", "replies": []}
    assert CONTACT not in first.text and "Antre" not in first.text
    assert second.json()["status"] == "answered"
    assert second.json()["replies"] == [{"id": reply_id, "at": "2026-11-25T01:00:00Z",
                                         "text": "Mohon maaf, loket kedua kini dibuka.",
                                         "answer": None}]
    replies = third.json()["replies"]
    assert replies[0]["answer"] == {"at": "2026-11-26T01:00:00Z",
                                    "text": "Terima kasih, email saya [email disamarkan]"}
    assert third.json()["status"] == "verified"


# The lookup limit ------------------------------------------------------------------------

async def test_guessing_codes_is_limited_per_network(org, monkeypatch):
    monkeypatch.setattr(lookups, "MISSES_PER_HOUR", 3)
    receipt = await open_test_case(org)
    async with make_client() as client:
        assert (await client.get(f"/lacak?r={receipt}")).status_code == 200  # hits are free
        statuses = [(await client.get(f"/lacak?r=ZZZZ-ZZZ{c}")).status_code for c in "ABC"]
        assert statuses == [404, 404, 404]
        page = await client.get(f"/lacak?r={receipt}")  # now even a real code waits
        api = await client.get(f"/api/v1/cases/{receipt}")
        answer = await client.post(f"/lacak/{receipt}/jawab", data={"reply": "1",
                                                                    "text": "Halo"})
        malformed = await client.get("/lacak?r=12")  # no lookup: not limited
    assert page.status_code == 429 and int(page.headers["retry-after"]) > 0
    assert re.search(r"\d+ menit", page.text)
    assert api.status_code == 429 and api.json()["error"] == "rate_limited"
    assert int(api.headers["retry-after"]) <= 3600
    assert answer.status_code == 429
    assert malformed.status_code == 400


# Withdrawing the consent -------------------------------------------------------------------

async def test_the_citizen_erases_the_contact(org):
    receipt = await open_test_case(org)
    other = await open_test_case(org, when=OPENED + timedelta(minutes=3))
    mark = await audit_mark()
    path = f"/lacak/{receipt}/kontak/hapus"
    async with make_client() as client:
        cross = await client.post(path, data={"lang": "id"},
                                  headers={"Origin": "https://evil.example"})
        assert cross.status_code == 403
        assert await CaseContact.count() == 2
        done = await client.post(path, data={"lang": "id"})
        assert done.status_code == 303 and "erased=1" in done.headers["location"]
        page = await client.get(done.headers["location"])
        again = await client.post(path, data={"lang": "en"})  # nothing left: same answer
        unknown = await client.post("/lacak/ZZZZZZZZ/kontak/hapus", data={})
    assert 'id="no-contact"' in page.text and 'id="notice"' in page.text
    assert again.status_code == 303 and unknown.status_code == 404
    kept = await CaseContact.select(CaseContact.response_id)
    other_response = await Response.select(Response.id).where(Response.receipt == other).first()
    assert [r["response_id"] for r in kept] == [other_response["id"]]  # only this case's
    log = await entries(object_type="case", object_key=receipt, after_id=mark)
    assert [(r["action"], r["actor"]) for r in log] == [("case.contact_erased", CITIZEN)]
    assert (await case_view(receipt)).has_contact is False
    assert (await case_view(other)).has_contact is True
