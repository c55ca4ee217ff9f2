"""The submission service below the web layer: validation properties, concurrency,
aggregates, limits, retention, engine selection."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.aggregates import daily as aggregates
from feedback.engine import engine_from_url, transaction
from feedback.org.counters import CounterInfo, load_counter
from feedback.survey import limits, outcomes, retention
from feedback.survey import submit as submission
from feedback.survey.validate import Invalid, validate
from feedback.survey.writer import Writer
from feedback.tables import DeviceSeen, Response, UnitDayScore, UnitDayStats
from scoring.ikm import ELEMENTS, official_ikm
from tests.support import FULL

COUNTER = CounterInfo(
    id=1, code="X", name="Loket", is_kiosk=False, secret="00" * 32, unit_id=1, unit_code="u",
    unit_name="Unit", agency_name="Agency", questionnaire_id=1,
    services=(("umum", "Umum", "General"),), service_ids={"umum": 7},
)

answer_values = st.one_of(
    st.integers(-5, 10), st.text(max_size=4), st.none(), st.booleans(), st.floats(),
    st.lists(st.integers(), max_size=2),
)


@given(
    answers=st.dictionaries(st.sampled_from([*ELEMENTS, "x", "Waktu", ""]), answer_values),
    comment=st.one_of(st.none(), st.text(max_size=1200), st.integers()),
    gender=st.one_of(st.none(), st.sampled_from(["L", "P", "X", ""]), st.integers()),
)
def test_validate_accepts_exactly_the_valid_submissions(answers, comment, gender):
    try:
        draft = validate(COUNTER, answers, comment=comment,
                                    profile={"gender": gender})
    except Invalid as exc:
        assert exc.errors
        for err in exc.errors:
            assert err.code in ("not_a_number", "out_of_range", "unknown_element",
                                "too_few_answers", "invalid_choice", "not_text", "too_long")
        return
    assert set(draft.answers) <= set(ELEMENTS)
    assert len(draft.answers) >= 7
    assert all(isinstance(v, int) and 1 <= v <= 4 for v in draft.answers.values())
    assert draft.gender in (None, "L", "P")
    assert draft.comment is None or (isinstance(draft.comment, str)
                                     and len(draft.comment) <= 1000)


@pytest.mark.parametrize("value", ["²", "٣", "３", "1e0", " ", "+3", "0x3", "3.0"])
def test_non_ascii_or_odd_digits_are_not_ratings(value):
    with pytest.raises(Invalid) as exc:
        validate(COUNTER, dict(FULL, waktu=value))
    assert [e.code for e in exc.value.errors] == ["not_a_number"]


def test_comment_control_characters_are_dropped():
    draft = validate(COUNTER, FULL, comment="  baik\x00\x07 sekali\n ")
    assert draft.comment == "baik sekali"


@pytest.mark.parametrize(
    ("url", "kind"),
    [("", "SQLiteEngine"), ("sqlite:///x.db", "SQLiteEngine"),
     ("sqlite:////tmp/y.db", "SQLiteEngine"),
     ("postgresql://u:p@localhost:5432/db", "PostgresEngine"),
     ("postgres://u@h/db", "PostgresEngine")],
)
@pytest.mark.filterwarnings("ignore:.*Unable to fetch server version")
def test_engine_from_url(url, kind):
    # PostgreSQL: a subclass whose transactions survive a lost connection (feedback.engine)
    assert kind in [cls.__name__ for cls in type(engine_from_url(url)).__mro__]


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite://", "nonsense"])
def test_engine_from_url_refuses_unknown(url):
    with pytest.raises(ValueError):
        engine_from_url(url)


def _policy(**kw):
    return submission.Policy(**kw)


async def test_simultaneous_double_submit_stores_once(org):
    counter = await load_counter(org.kiosk)  # kiosk: no device interval
    draft = validate(counter, FULL)
    now = datetime.now(UTC)
    item = submission.Pending(counter=counter, draft=draft, channel="kiosk", lang="id",
                              submission_key="same-key-123", now=now)
    results = await asyncio.gather(*[
        submission.store_one(item, _policy()) for _ in range(5)
    ])
    assert sum(isinstance(r, outcomes.Stored) for r in results) == 1
    assert len({r.receipt.receipt for r in results}) == 1
    assert await Response.count() == 1
    stats = await UnitDayStats.select(UnitDayStats.n).first()
    assert stats["n"] == 1


async def test_simultaneous_device_submissions_store_once(org):
    counter = await load_counter(org.counter)
    draft = validate(counter, FULL)
    now = datetime.now(UTC)

    async def attempt(i):
        return await submission.store_one(submission.Pending(
            counter=counter, draft=draft, channel="qr", lang="id",
            submission_key=f"key-{i}-abcdef", now=now, device_key="device-1"), _policy())

    results = await asyncio.gather(*[attempt(i) for i in range(4)])
    assert sum(isinstance(r, outcomes.Stored) for r in results) == 1
    assert sum(isinstance(r, outcomes.TooSoon) for r in results) == 3
    assert await Response.count() == 1


async def test_aggregates_equal_a_recomputation_from_responses(org):
    import random

    rng = random.Random(7)
    counter = await load_counter(org.kiosk)
    start = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    for i in range(60):
        answers = {e: rng.randint(1, 4) for e in ELEMENTS}
        for e in rng.sample(ELEMENTS, rng.choice([0, 0, 1, 2])):
            del answers[e]
        draft = validate(counter, answers)
        await submission.store_one(submission.Pending(
            counter=counter, draft=draft, channel="kiosk", lang="id",
            submission_key=f"agg-{i:04d}-key", now=start + timedelta(hours=7 * i)), _policy())
    rows = await Response.select(Response.answers)
    stored = [json.loads(r["answers"]) for r in rows]
    expected = [[sum(1 for a in stored if a.get(e) == v) for v in range(1, 5)] for e in ELEMENTS]
    counts = await aggregates.unit_period_counts(org.unit_id, start.date(), start.date()
                                                 + timedelta(days=30))
    assert counts.n == 60
    assert counts.element_counts == expected
    ikm = official_ikm(counts.element_counts, counts.n)
    direct = 25 * sum(
        sum(a[e] for a in stored if e in a) / sum(1 for a in stored if e in a) for e in ELEMENTS
    ) / 9
    assert ikm.ikm == pytest.approx(direct)
    hist = await UnitDayScore.select(UnitDayScore.answered, UnitDayScore.total,
                                     UnitDayScore.count)
    assert sum(h["count"] for h in hist) == 60
    total_score = sum(h["count"] * h["total"] / h["answered"] for h in hist)
    assert total_score == pytest.approx(sum(sum(a.values()) / len(a) for a in stored))
    days = {r["day"] for r in await UnitDayStats.select(UnitDayStats.day)}
    assert len(days) > 5  # split by WITA day


def test_uncounted_responses_stay_out_of_aggregates():
    d = aggregates.deltas([(1, datetime(2026, 1, 1).date(), {"waktu": 3, "biaya": 4})])
    assert d == {}


async def test_device_marks_and_rate_windows(org):
    now = datetime(2026, 5, 5, 2, 0, tzinfo=UTC)
    interval = timedelta(minutes=15)

    async def marks(keys, when):
        async with transaction():
            return await limits.device_marks(keys, when, interval)

    async def hits(counts, when):
        async with transaction():
            return await limits.rate_hits(counts, when, 60)

    assert await marks(["1:a", "1:b", "1:a"], now) == {"1:a", "1:b"}
    assert await marks(["1:a", "1:c"], now + timedelta(minutes=14)) == {"1:c"}
    assert await marks(["1:a"], now + timedelta(minutes=15)) == {"1:a"}
    assert await hits({"net:a": 2, "net:b": 1}, now) == {"net:a": 2, "net:b": 1}
    assert await hits({"net:a": 2}, now) == {"net:a": 4}
    assert await hits({"net:a": 1}, now + timedelta(seconds=60)) == {"net:a": 1}


async def test_a_batch_gives_each_item_its_own_outcome(org):
    """Duplicates, a rate limit, a device interval and good items in one batch."""
    counter = await load_counter(org.counter)
    draft = validate(counter, FULL)
    now = datetime.now(UTC)

    def item(key, device, rate="net:x"):
        return submission.Pending(counter=counter, draft=draft, channel="qr", lang="id",
                                  submission_key=key, now=now, device_key=device,
                                  rate_key=rate)

    batch = [item("key-a-000", "d1"), item("key-a-000", "d1"), item("key-b-000", "d1"),
             item("key-c-000", "d2"), item("key-d-000", "d3"), item("key-e-000", "d4", None)]
    out = await submission.store_batch(batch, _policy(rate_limit=3))
    assert isinstance(out[0], outcomes.Stored) and not out[0].receipt.duplicate
    assert isinstance(out[1], outcomes.Duplicate) and out[1].receipt.duplicate
    assert out[1].receipt.receipt == out[0].receipt.receipt
    assert out[2] == outcomes.TooSoon(15 * 60)
    assert isinstance(out[3], outcomes.Stored)
    assert isinstance(out[4], outcomes.RateLimited) and 1 <= out[4].retry_after <= 60
    assert isinstance(out[5], outcomes.Stored)
    assert await Response.count() == 3
    again = await submission.store_batch([item("key-a-000", "d9")], _policy())
    assert isinstance(again[0], outcomes.Duplicate)
    assert again[0].receipt.receipt == out[0].receipt.receipt


async def test_writer_batches_concurrent_submissions(org):
    counter = await load_counter(org.kiosk)
    draft = validate(counter, FULL)
    writer = Writer(_policy(), max_batch=16)
    now = datetime.now(UTC)
    try:
        receipts = await asyncio.gather(*[
            writer.submit(submission.Pending(counter=counter, draft=draft, channel="kiosk",
                                             lang="id", submission_key=f"w-{i:05d}", now=now))
            for i in range(100)
        ] + [writer.submit(submission.Pending(counter=counter, draft=draft, channel="kiosk",
                                              lang="id", submission_key="w-00000", now=now))])
    finally:
        await writer.close()
    assert len({r.receipt.receipt for r in receipts}) == 100
    # The two submissions of key w-00000 may land in batches that commit in either order.
    assert receipts[0].receipt.receipt == receipts[-1].receipt.receipt
    assert {type(receipts[0]), type(receipts[-1])} == {outcomes.Stored, outcomes.Duplicate}
    assert await Response.count() == 100
    assert (await UnitDayStats.select(UnitDayStats.n).first())["n"] == 100


async def test_retention_erases_old_device_codes(org):
    counter = await load_counter(org.counter)
    draft = validate(counter, FULL)
    old = datetime.now(UTC) - timedelta(days=200)
    for key, device, when in (("old-response-1", "dev-old", old),
                              ("new-response-1", "dev-new", datetime.now(UTC))):
        await submission.store_one(submission.Pending(
            counter=counter, draft=draft, channel="qr", lang="id", submission_key=key,
            now=when, device_key=device), _policy())
    done = await retention.purge(datetime.now(UTC), timedelta(days=90), timedelta(minutes=15))
    assert done.device_codes == 1 and done.device_marks == 1
    rows = await Response.select(Response.submission_key, Response.device_hash).order_by(
        Response.id)
    assert rows == [{"submission_key": "old-response-1", "device_hash": None},
                    {"submission_key": "new-response-1", "device_hash": "dev-new"}]
    assert await DeviceSeen.count() == 1


async def test_receipt_clashes_in_a_batch_get_fresh_codes(org, monkeypatch):
    """Two items of a batch draw receipts already stored: both are stored with new codes,
    the others keep theirs; receipts stay unique, aggregates count every stored item."""
    from feedback.survey import receipts

    counter = await load_counter(org.kiosk)
    draft = validate(counter, FULL)
    now = datetime.now(UTC)

    def item(key):
        return submission.Pending(counter=counter, draft=draft, channel="kiosk", lang="id",
                                  submission_key=key, now=now)

    seed = await submission.store_batch([item("seed-0000"), item("seed-0001")], _policy())
    taken = [o.receipt.receipt for o in seed]
    real, calls = receipts.new_receipts, []

    def clashing(n, rng=None):
        calls.append(n)
        codes = real(n)
        if len(calls) == 1:
            codes[1], codes[3] = taken
        return codes

    monkeypatch.setattr(receipts, "new_receipts", clashing)
    out = await submission.store_batch([item(f"batch-{i:04d}") for i in range(5)], _policy())
    assert calls == [5, 2]
    assert all(isinstance(o, outcomes.Stored) for o in out)
    got = {o.receipt.receipt for o in out}
    assert len(got) == 5 and not got & set(taken)
    rows = await Response.select(Response.submission_key, Response.receipt)
    assert len({r["receipt"] for r in rows}) == 7
    assert {r["submission_key"]: r["receipt"] for r in rows if r["submission_key"]
            .startswith("batch")} == {f"batch-{i:04d}": o.receipt.receipt
                                      for i, o in enumerate(out)}
    assert (await UnitDayStats.select(UnitDayStats.n).first())["n"] == 7


async def test_receipt_clashes_give_up_after_bounded_attempts(org, monkeypatch):
    from feedback.survey import receipts, responses

    counter = await load_counter(org.kiosk)
    draft = validate(counter, FULL)
    now = datetime.now(UTC)
    (seed,) = await submission.store_batch([submission.Pending(
        counter=counter, draft=draft, channel="kiosk", lang="id", submission_key="seed-0000",
        now=now)], _policy())
    calls = []

    def always(n, rng=None):
        calls.append(n)
        return [seed.receipt.receipt] * n

    monkeypatch.setattr(receipts, "new_receipts", always)
    out = await submission.store_one(submission.Pending(
        counter=counter, draft=draft, channel="kiosk", lang="id", submission_key="other-000",
        now=now), _policy())
    assert out == outcomes.Conflict()
    assert len(calls) == responses.RECEIPT_ATTEMPTS
    assert await Response.count() == 1
    assert (await UnitDayStats.select(UnitDayStats.n).first())["n"] == 1


def test_one_receipt_generator_distinct_and_reproducible():
    import numpy as np

    from feedback.survey.receipts import RECEIPT_ALPHABET, RECEIPT_LENGTH, new_receipts

    codes = new_receipts(5000)
    assert len(set(codes)) == 5000
    assert all(len(c) == RECEIPT_LENGTH and set(c) <= set(RECEIPT_ALPHABET) for c in codes)
    seeded = new_receipts(100, np.random.default_rng(3))
    assert seeded == new_receipts(100, np.random.default_rng(3)) and len(set(seeded)) == 100


def test_one_text_cleaner_and_one_row_encoder_for_form_and_import():
    from feedback.ingest import importer
    from feedback.survey import responses, text

    assert importer.clean_text is text.clean_text
    assert validate(COUNTER, FULL, comment="a\x00b\n").comment == "ab"
    row = responses.row(counter_id=1, unit_id=2, questionnaire_id=3, service_id=None,
                        answers={"waktu": 3}, channel="qr", lang="id",
                        submitted_at=datetime(2026, 1, 1, tzinfo=UTC), receipt="ABCD2345",
                        submission_key="k" * 10)
    assert len(row) == len(responses.COLUMNS)
    named = dict(zip([c for c, _ in responses.COLUMNS], row, strict=True))
    assert named["answered"] == 1 and named["counted"] is False
    assert json.loads(named["answers"]) == {"waktu": 3} and named["flags"] == "[]"


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_writer_answers_an_integrity_error_with_conflict(org, monkeypatch, kind):
    import sqlite3

    import asyncpg

    from feedback.survey import writer as writer_module

    async def clash(items, policy):
        if kind == "sqlite":
            raise sqlite3.IntegrityError("UNIQUE constraint failed: response.receipt")
        raise asyncpg.UniqueViolationError("duplicate key value")

    monkeypatch.setattr(writer_module, "store_batch", clash)
    counter = await load_counter(org.kiosk)
    writer = Writer(_policy())
    try:
        out = await writer.submit(submission.Pending(
            counter=counter, draft=validate(counter, FULL), channel="kiosk", lang="id",
            submission_key="clash-0001", now=datetime.now(UTC)))
    finally:
        await writer.close()
    assert out == outcomes.Conflict()


async def test_a_batch_is_three_statements_on_postgresql(org, monkeypatch):
    """Between BEGIN and COMMIT a batch without tokens or contacts sends three statements
    to PostgreSQL (stored keys with the rate windows, the device marks with the insert, the
    aggregates), whatever its size and mix of outcomes; SQLite runs the same steps one by
    one (eight). Every outcome is still decided as before."""
    from feedback import sql
    from feedback.engine import is_sqlite

    sent: list[str] = []
    original = sql.fetch

    async def counting(statement, *args):
        sent.append(statement)
        return await original(statement, *args)

    monkeypatch.setattr(sql, "fetch", counting)
    counter = await load_counter(org.counter)
    now = datetime.now(UTC)

    def item(key, device, rate="net:y"):
        return submission.Pending(counter=counter, draft=validate(counter, FULL), channel="qr",
                                  lang="id", submission_key=key, now=now, device_key=device,
                                  rate_key=rate)

    expected = 8 if is_sqlite() else 3
    assert await submission.store_batch([item("three-000", "e1")], _policy())
    assert len(sent) == expected
    sent.clear()
    out = await submission.store_batch(
        [item("three-000", "e1"), item("three-001", "e1"), item("three-002", "e2"),
         *(item(f"three-1{i:02d}", f"f{i}") for i in range(30))], _policy(rate_limit=20))
    assert len(sent) == expected
    kinds = [type(o).__name__ for o in out]
    assert kinds[:3] == ["Duplicate", "TooSoon", "Stored"]
    # 1 + 32 submissions counted in the window, 20 allowed: 19 of the batch pass the
    # limit (one of them then too soon), 13 do not.
    assert kinds.count("Stored") == 18 and kinds.count("RateLimited") == 13
    assert await Response.count() == 19
