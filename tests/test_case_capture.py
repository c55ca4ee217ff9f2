"""Contact with consent on the citizen form, the kiosk and the JSON API; the cases a
submission opens (low rating) and the ones the comment pass opens; contact retention in
`suara purge`. Real rows on the test engine (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from feedback.cases.check_tables import CaseCheck
from feedback.cases.clocks import calendar, opening_clocks
from feedback.cases.contact import CONSENT_VERSION
from feedback.cases.events import open_case
from feedback.cases.opening import open_from_comments
from feedback.cases.tables import CaseContact, CaseEvent, CaseFile
from feedback.comments.tables import CommentLabel
from feedback.org.counters import load_counter
from feedback.survey import submit as submission
from feedback.survey.outcomes import Duplicate, Stored
from feedback.survey.retention import purge
from feedback.survey.validate import validate
from feedback.tables import Response
from tests.support import FULL, make_client

LOW = {**FULL, "waktu": 1}  # an element 1
GOOD = {code: 4 for code in FULL}
PHONE = "0812-3456-7890"
PHONE_STORED = "+6281234567890"


def form_data(answers=FULL, key="k" * 24, lang="id", **extra):
    data = {code: str(v) for code, v in answers.items()}
    data.update({"key": key, "lang": lang})
    data.update(extra)
    return data


async def counts() -> tuple[int, int, int, int]:
    return (await Response.count(), await CaseFile.count(), await CaseContact.count(),
            await CaseEvent.count())


def receipt_of(location: str) -> str:
    return parse_qs(urlparse(location).query)["r"][0]


# ---------------------------------------------------------------------------- the form


async def test_form_has_the_contact_section_with_the_consent_text(org):
    async with make_client() as client:
        html = (await client.get(f"/s/{org.counter}")).text
        english = (await client.get(f"/s/{org.counter}?lang=en")).text
        kiosk = (await client.get(f"/k/{org.kiosk}")).text
    assert "Boleh kami menghubungi Anda?" in html
    assert '<input class="text" id="contact" name="contact" type="text"' in html
    assert '<input type="checkbox" name="consent" value="1">' in html
    assert '<label for="contact">' in html
    # The consent text: purpose, kept apart, who sees it, retention, rights and how.
    for words in ("hanya untuk menindaklanjuti pengaduan ini", "terpisah dari jawaban",
                  "unit yang menangani", "30 hari setelah kasus ditutup", "UU PDP 27/2022",
                  "mengetahui", "memperbaiki", "menghapus", "menarik persetujuan",
                  "halaman lacak"):
        assert words in html, words
    assert "May we contact you? (optional)" in english
    assert "erased 30 days after the case closes" in english
    assert "withdraw my consent" in english
    # The contact section comes after the ratings and the comment, before the button.
    assert html.index('name="sarana"') < html.index('id="comment"') < html.index(
        'name="contact"') < html.index('type="submit"')
    # A shared kiosk does not offer the previous citizen's number.
    assert 'autocomplete="off"' in kiosk and 'autocomplete="off"' not in html


async def test_retention_days_come_from_the_setting(org):
    async with make_client(contact_retention_days=45) as client:
        html = (await client.get(f"/s/{org.counter}")).text
    assert "45 hari setelah kasus ditutup" in html


async def test_low_rating_with_contact_opens_a_case_and_keeps_the_contact(org):
    async with make_client() as client:
        before = datetime.now(UTC)
        r = await client.post(f"/s/{org.counter}",
                              data=form_data(LOW, contact=PHONE, consent="1"))
        assert r.status_code == 303, r.text
        location = r.headers["location"]
        assert "c=1" in location
        receipt = receipt_of(location)
        thanks = await client.get(location)
    case = await CaseFile.select().where(CaseFile.receipt == receipt).first()
    response = await Response.select(Response.id, Response.submitted_at,
                                     Response.unit).where(Response.receipt == receipt).first()
    assert case is not None and case["reason"] == "low_rating" and case["status"] == "open"
    assert case["response_id"] == response["id"] and case["unit_id"] == org.unit_id
    assert case["opened_at"] == response["submitted_at"] >= before.replace(microsecond=0)
    clocks = opening_clocks(await calendar(), case["opened_at"])
    assert case["verify_due"] == clocks.verify_due
    assert case["follow_up_due"] == clocks.follow_up_due
    contact = await CaseContact.select().where(
        CaseContact.response_id == response["id"]).first()
    assert contact["kind"] == "phone" and contact["value"] == PHONE_STORED
    assert contact["consent_version"] == CONSENT_VERSION
    assert contact["consented_at"] == response["submitted_at"]
    events = await CaseEvent.select().where(CaseEvent.case_id == case["id"])
    assert [(e["kind"], e["public"]) for e in events] == [("opened", True)]
    # The contact is not on the response itself.
    raw = await Response.select().where(Response.id == response["id"]).first()
    assert PHONE_STORED not in str(raw) and "3456" not in str(raw)
    assert thanks.status_code == 200
    assert "Pengaduan Anda sedang ditindaklanjuti" in thanks.text
    assert f'href="/lacak?r={receipt}&amp;lang=id"' in thanks.text


async def test_good_rating_with_contact_and_no_comment_stores_no_contact(org):
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}",
                              data=form_data(GOOD, contact="Warga@Example.ORG", consent="1"))
        assert r.status_code == 303
        thanks = await client.get(r.headers["location"])
        english = await client.get(r.headers["location"].replace("lang=id", "lang=en"))
    assert await Response.count() == 1
    assert await CaseFile.count() == 0 and await CaseContact.count() == 0
    assert "jadi kontak Anda tidak kami simpan" in thanks.text
    assert "so we did not store your contact" in english.text
    assert "/lacak" not in thanks.text


async def test_good_rating_with_comment_keeps_the_contact_for_the_comment_pass(org):
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}", data=form_data(
            GOOD, contact="Warga@Example.ORG", consent="1", comment="Toilet kotor dan bau"))
        assert r.status_code == 303
        thanks = await client.get(r.headers["location"])
    assert await CaseFile.count() == 0
    rows = await CaseContact.select(CaseContact.kind, CaseContact.value)
    assert rows == [{"kind": "email", "value": "warga@example.org"}]
    assert "sampai komentar Anda dibaca" in thanks.text


async def test_without_contact_the_thanks_page_says_nothing_about_it(org):
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}", data=form_data(LOW))
        assert "c=1" not in r.headers["location"]
        thanks = await client.get(r.headers["location"])
    assert await CaseFile.count() == 0 and await CaseContact.count() == 0
    for said in ("tidak kami simpan", "sampai komentar Anda dibaca", "/lacak"):
        assert said not in thanks.text


async def test_kiosk_opens_a_case(org):
    async with make_client() as client:
        r = await client.post(f"/k/{org.kiosk}", data=form_data(
            LOW, key="q" * 24, contact="+62 380 821234", consent="1"))
        assert r.status_code == 303
        assert r.headers["location"].startswith(f"/k/{org.kiosk}/terima-kasih?")
        thanks = await client.get(r.headers["location"])
    case = await CaseFile.select(CaseFile.counter_id, CaseFile.reason).first()
    assert case["reason"] == "low_rating"
    assert (await CaseContact.select(CaseContact.value).first())["value"] == "+62380821234"
    assert "/lacak?r=" in thanks.text


@pytest.mark.parametrize(("extra", "field", "message"), [
    ({"contact": PHONE}, "consent", "Centang kotak jika kami boleh menghubungi Anda"),
    ({"consent": "1"}, "contact", "Tuliskan nomor HP/WhatsApp atau alamat e-mail Anda"),
    ({"contact": "  ", "consent": "1"}, "contact",
     "Tuliskan nomor HP/WhatsApp atau alamat e-mail Anda"),
    ({"contact": "nomor saya 12", "consent": "1"}, "contact",
     "Tuliskan nomor HP/WhatsApp (08…, +62…) atau alamat e-mail"),
    ({"contact": "a@b", "consent": "1"}, "contact", "alamat e-mail"),
    ({"contact": PHONE, "consent": "yes"}, "consent", "Kotak ini hanya dapat dicentang"),
])
async def test_bad_contact_on_the_form_is_422_and_writes_nothing(org, extra, field, message):
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}", data=form_data(LOW, **extra))
    assert r.status_code == 422
    assert f'href="#f-{field}"' in r.text and message in r.text
    assert f'id="e-{field}"' in r.text
    # The answers and the contact section are kept open with what was typed.
    assert '<details class="more contact" open>' in r.text
    if extra.get("contact", "").strip():
        assert f'value="{extra["contact"]}"' in r.text
    assert await counts() == (0, 0, 0, 0)


async def test_bad_contact_in_english(org):
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}",
                              data=form_data(LOW, lang="en", contact=PHONE))
    assert r.status_code == 422
    assert "Tick the box if we may contact you, or leave the contact empty." in r.text
    assert await counts() == (0, 0, 0, 0)


async def test_resubmitting_the_form_opens_one_case_and_stores_one_contact(org):
    async with make_client() as client:
        data = form_data(LOW, key="same-key-1234", contact=PHONE, consent="1")
        first = await client.post(f"/s/{org.counter}", data=data)
        second = await client.post(f"/s/{org.counter}", data=data)
        thanks = await client.get(second.headers["location"])
    assert first.status_code == second.status_code == 303
    assert receipt_of(first.headers["location"]) == receipt_of(second.headers["location"])
    assert await counts() == (1, 1, 1, 1)
    assert "/lacak?r=" in thanks.text


# ---------------------------------------------------------------------------- the JSON API


def body(org, answers=LOW, **extra):
    return {"counter": org.kiosk, "answers": answers, **extra}


@pytest.mark.parametrize("consent", [True, 1])
async def test_api_opens_a_case_and_says_where_to_track_it(org, consent):
    async with make_client() as client:
        r = await client.post("/api/v1/responses", json=body(
            org, contact="Someone@Example.org", consent=consent, idempotency_key="api-key-01"))
        again = await client.post("/api/v1/responses", json=body(
            org, contact="Someone@Example.org", consent=consent, idempotency_key="api-key-01"))
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["case"] is True and out["contact_kept"] is True
    assert out["tracking"] == f"/lacak?r={out['receipt']}"
    assert again.status_code == 200
    assert again.json()["duplicate"] is True and again.json()["case"] is True
    assert again.json()["tracking"] == out["tracking"]
    assert await counts() == (1, 1, 1, 1)
    contact = await CaseContact.select(CaseContact.kind, CaseContact.value).first()
    assert contact == {"kind": "email", "value": "someone@example.org"}


async def test_api_without_a_case(org):
    async with make_client() as client:
        plain = await client.post("/api/v1/responses", json=body(org, answers=GOOD))
        dropped = await client.post("/api/v1/responses", json=body(
            org, answers=GOOD, contact=PHONE, consent=True))
        kept = await client.post("/api/v1/responses", json=body(
            org, answers=GOOD, contact=PHONE, consent=1, comment="Kursi tunggu kurang"))
        nulls = await client.post("/api/v1/responses", json=body(
            org, answers=GOOD, contact=None, consent=None))
        unticked = await client.post("/api/v1/responses", json=body(
            org, answers=GOOD, contact="", consent=False))
    for r in (plain, dropped, kept, nulls, unticked):
        assert r.status_code == 201, r.text
        assert r.json()["case"] is False and r.json()["tracking"] is None
    assert [r.json()["contact_kept"] for r in (plain, dropped, kept, nulls, unticked)] == [
        False, False, True, False, False]
    assert await CaseFile.count() == 0 and await CaseContact.count() == 1


@pytest.mark.parametrize(("extra", "field", "code"), [
    ({"contact": PHONE}, "consent", "consent_required"),
    ({"contact": PHONE, "consent": False}, "consent", "consent_required"),
    ({"contact": PHONE, "consent": 0}, "consent", "consent_required"),
    ({"consent": True}, "contact", "contact_required"),
    ({"consent": 1, "contact": ""}, "contact", "contact_required"),
    ({"consent": True, "contact": "12345"}, "contact", "invalid_contact"),
    ({"consent": True, "contact": "warga@localhost"}, "contact", "invalid_contact"),
])
async def test_api_bad_contact_is_422_naming_the_field(org, extra, field, code):
    async with make_client() as client:
        r = await client.post("/api/v1/responses", json=body(org, **extra))
        english = await client.post("/api/v1/responses", json=body(org, lang="en", **extra))
    assert r.status_code == 422, r.text
    out = r.json()
    assert out["error"] == "invalid_response"
    assert [(f["field"], f["code"]) for f in out["fields"]] == [(field, code)]
    assert english.json()["fields"][0]["message"] != out["fields"][0]["message"]
    assert await counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("extra", [{"consent": 2}, {"consent": "yes"}, {"consent": 1.5},
                                   {"contact": 812345678}, {"contact": "x" * 255}])
async def test_api_contact_of_the_wrong_type_is_400(org, extra):
    async with make_client() as client:
        r = await client.post("/api/v1/responses", json=body(org, consent=True, **extra)
                              if "consent" not in extra else body(org, contact=PHONE, **extra))
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_body"
    assert await counts() == (0, 0, 0, 0)


async def test_openapi_documents_contact_and_consent(org):
    async with make_client() as client:
        doc = (await client.get("/schema/openapi.json")).json()
    schema = doc["components"]["schemas"]
    fields = schema["ResponseIn"]["properties"]
    assert "contact" in fields and "consent" in fields
    assert "consent_required" in str(fields["contact"])
    assert {"case", "tracking", "contact_kept"} <= set(schema["ReceiptOut"]["properties"])


# ---------------------------------------------------------------------------- store_batch


async def test_one_batch_opens_each_case_once(org):
    counter = await load_counter(org.kiosk)
    now = datetime.now(UTC)

    def item(key, answers, contact=None, comment=None):
        draft = validate(counter, answers, comment=comment,
                         contact=contact, consent="1" if contact else None)
        return submission.Pending(counter=counter, draft=draft, channel="kiosk", lang="id",
                                  submission_key=key, now=now)

    items = [item("b-1", LOW, PHONE), item("b-2", LOW, "a@example.org"),
             item("b-1", LOW, PHONE),  # the same submission twice in one batch
             item("b-3", GOOD, PHONE), item("b-4", GOOD, PHONE, "Kursi tunggu kurang"),
             item("b-5", LOW)]
    outcomes = await submission.store_batch(items, submission.Policy())
    assert [type(o) for o in outcomes] == [Stored, Stored, Duplicate, Stored, Stored, Stored]
    assert [(o.case, o.contact_kept) for o in outcomes if isinstance(o, Stored)] == [
        (True, True), (True, True), (False, False), (False, True), (False, False)]
    assert await counts() == (5, 2, 3, 2)
    assert {c["value"] for c in await CaseContact.select(CaseContact.value)} == {
        PHONE_STORED, "a@example.org"}
    again = await submission.store_batch(items[:2], submission.Policy())
    assert [type(o) for o in again] == [Duplicate, Duplicate]
    assert await counts() == (5, 2, 3, 2)


# ---------------------------------------------------------------------------- comments

URGENT = "Saya diminta bayar uang pelicin 50 ribu oleh petugas, tolong ditindak"
NEGATIVE = "Toilet kotor dan bau, kursi tunggu kurang"
POSITIVE = "Pelayanan cepat dan petugas ramah, terima kasih"


async def _store(org, when, comment, key, contact=None, answers=GOOD):
    counter = await load_counter(org.kiosk)
    draft = validate(counter, answers, comment=comment, contact=contact,
                     consent="1" if contact else None)
    outcome = await submission.store_one(submission.Pending(
        counter=counter, draft=draft, channel="kiosk", lang="id", submission_key=key,
        now=when), submission.Policy())
    return (await Response.select(Response.id).where(
        Response.receipt == outcome.receipt.receipt).first())["id"]


async def test_comments_open_cases_once_with_a_real_classifier(org):
    now = datetime.now(UTC).replace(microsecond=0)
    earlier = now - timedelta(hours=30)
    urgent = await _store(org, earlier, URGENT, "c-urgent", contact=PHONE)
    negative = await _store(org, now - timedelta(hours=2), NEGATIVE, "c-neg")
    positive = await _store(org, now - timedelta(hours=1), POSITIVE, "c-pos",
                            contact="a@example.org")
    corrected = await _store(org, now - timedelta(hours=1), POSITIVE, "c-corr")
    old = await _store(org, now - timedelta(days=5), NEGATIVE, "c-old")
    excluded = await _store(org, now - timedelta(hours=1), NEGATIVE, "c-excl")
    await Response.update({Response.excluded: True}).where(Response.id == excluded)
    # A case opened at submission (low rating + contact) is not opened again.
    low = await _store(org, now - timedelta(hours=1), NEGATIVE, "c-low", contact=PHONE,
                       answers=LOW)
    await CommentLabel.insert(CommentLabel(
        response=corrected, element="sarana", sentiment="negatif", urgent=False,
        corrected_by="unit@example.org", corrected_at=now))
    assert await CaseContact.count() == 3 and await CaseFile.count() == 1

    assert await open_from_comments(now) == 3
    cases = {c["response_id"]: c for c in await CaseFile.select()}
    assert {k: c["reason"] for k, c in cases.items()} == {
        urgent: "urgent", negative: "complaint", corrected: "complaint", low: "low_rating"}
    # Opened at the response's time: its clocks count from then.
    assert cases[urgent]["opened_at"] == earlier
    assert cases[urgent]["verify_due"] == opening_clocks(await calendar(), earlier).verify_due
    assert old not in cases and excluded not in cases and positive not in cases
    # The positive comment opened nothing: its contact is erased; the others stay.
    assert {c["response_id"] for c in await CaseContact.select(CaseContact.response_id)} == {
        urgent, low}
    checks = {c["response_id"]: c["reason"] for c in await CaseCheck.select()}
    assert checks == {urgent: "urgent", negative: "complaint", positive: None,
                      corrected: "complaint"}
    # Each comment is classified for cases once: a later correction opens nothing.
    await CommentLabel.insert(CommentLabel(
        response=positive, element="sarana", sentiment="negatif", urgent=True,
        corrected_by="unit@example.org", corrected_at=now))
    assert await open_from_comments(now + timedelta(minutes=1)) == 0
    assert await CaseFile.count() == 4 and await CaseCheck.count() == 4
    events = await CaseEvent.select(CaseEvent.kind).where(
        CaseEvent.case_id == cases[urgent]["id"])
    assert events == [{"kind": "opened"}]


async def test_a_case_opened_by_hand_is_not_opened_again(org):
    now = datetime.now(UTC).replace(microsecond=0)
    rid = await _store(org, now - timedelta(hours=1), NEGATIVE, "c-hand")
    row = await Response.select(Response.receipt, Response.counter).where(
        Response.id == rid).first()
    await open_case(response_id=rid, receipt=row["receipt"], counter_id=row["counter"],
                    unit_id=org.unit_id, agency_id=1, reason="complaint", opened_at=now,
                    cal=await calendar())
    assert await open_from_comments(now) == 0
    assert await CaseFile.count() == 1 and await CaseCheck.count() == 0


# ---------------------------------------------------------------------------- retention


async def _case_with_contact(org, key, closed_days_ago, now):
    rid = await _store(org, now - timedelta(days=40), None, key, contact=PHONE, answers=LOW)
    if closed_days_ago is not None:
        await CaseFile.update({CaseFile.status: "closed", CaseFile.outcome: "resolved",
                               CaseFile.closed_at: now - timedelta(days=closed_days_ago)}
                              ).where(CaseFile.response_id == rid)
    return rid


async def test_purge_erases_contacts_past_retention(org):
    now = datetime.now(UTC)
    closed_31 = await _case_with_contact(org, "p-31", 31, now)
    closed_29 = await _case_with_contact(org, "p-29", 29, now)
    still_open = await _case_with_contact(org, "p-open", None, now)
    orphan_old = await _store(org, now - timedelta(days=2), POSITIVE, "p-orphan-old",
                              contact=PHONE)
    orphan_new = await _store(org, now - timedelta(hours=3), POSITIVE, "p-orphan-new",
                              contact=PHONE)
    assert await CaseContact.count() == 5
    done = await purge(now, timedelta(days=90), timedelta(minutes=15), timedelta(days=30))
    assert (done.contacts_closed, done.contacts_without_case) == (1, 1)
    left = {c["response_id"] for c in await CaseContact.select(CaseContact.response_id)}
    assert left == {closed_29, still_open, orphan_new}
    assert closed_31 not in left and orphan_old not in left
    # The cases themselves stay (only the contact is erased).
    assert await CaseFile.count() == 3
    again = await purge(now, timedelta(days=90), timedelta(minutes=15), timedelta(days=30))
    assert (again.contacts_closed, again.contacts_without_case) == (0, 0)


async def test_suara_purge_prints_the_contact_counts(org):
    from tests.test_cli import suara

    now = datetime.now(UTC)
    await _case_with_contact(org, "cli-31", 31, now)
    await _case_with_contact(org, "cli-29", 29, now)
    done = suara("purge")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stderr.split())
    assert ("Erased 1 complaint contacts of cases closed more than 30 days ago and 0 "
            "contacts left without a case.") in text
    assert await CaseContact.count() == 1



async def test_the_periodic_case_pass_opens_cases_from_comments(org):
    from feedback.cases import schedule

    now = datetime.now(UTC).replace(microsecond=0)
    rid = await _store(org, now - timedelta(hours=1), URGENT, "s-urgent")
    results = await schedule.case_pass(now)
    assert results["comments"] == 1
    assert (await CaseFile.select(CaseFile.reason).where(
        CaseFile.response_id == rid).first())["reason"] == "urgent"
    assert (await schedule.case_pass(now))["comments"] == 0


async def test_contacts_add_a_fixed_number_of_statements_per_batch(org, monkeypatch):
    """Opening the cases and keeping the contacts of a batch costs the same number of
    statements whatever the batch size; a batch without contacts costs nothing more."""
    import aiosqlite
    import asyncpg

    counter = await load_counter(org.kiosk)
    statements = []

    def counting(cls, name):
        real = getattr(cls, name)

        def wrapper(self, *args, **kwargs):  # returns the driver's own awaitable
            statements.append(args[0] if args else "")
            return real(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, wrapper)

    counting(aiosqlite.Connection, "execute")
    counting(asyncpg.Connection, "fetch")

    async def cost(n, prefix, contact):
        items = []
        for i in range(n):
            draft = validate(counter, LOW if i % 2 else GOOD,
                             comment="Kursi tunggu kurang" if i % 3 == 0 else None,
                             contact=contact, consent="1" if contact else None)
            items.append(submission.Pending(counter=counter, draft=draft, channel="kiosk",
                                            lang="id", submission_key=f"{prefix}-{i}",
                                            now=datetime.now(UTC)))
        statements.clear()
        outcomes = await submission.store_batch(items, submission.Policy())
        assert all(isinstance(o, Stored) for o in outcomes)
        return len(statements)

    plain_2, plain_20 = await cost(2, "p2", None), await cost(20, "p20", None)
    with_2, with_20 = await cost(2, "c2", PHONE), await cost(20, "c20", PHONE)
    assert plain_2 == plain_20
    assert with_2 == with_20
    assert 0 < with_20 - plain_20 <= 10  # calendar, agencies, cases, events, contacts
    assert await CaseFile.count() == 1 + 10 and await CaseEvent.count() == 11
