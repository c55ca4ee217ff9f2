"""A unit's comments for staff (feedback.comments.listing): order, filters, pagination,
masking, exclusions, scope, and the index the query uses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from feedback.accounts.scope import Scope
from feedback.clock import WITA
from feedback.comments import listing
from feedback.engine import is_sqlite, transaction
from feedback.org import scoped
from feedback.performance.periods import custom, parse
from feedback.survey.skm import current_questionnaire_id
from feedback.tables import Counter, Response, Unit
from tests.support import FULL

START = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)  # 09:00 WITA


async def add_responses(org, specs) -> list[int]:
    """specs: (minutes after START, comment, answers overrides, excluded, unit id or None)."""
    qid = await current_questionnaire_id()
    counter = await Counter.select(Counter.id).where(Counter.code == org.counter).first()
    other = await Counter.select(Counter.id, Counter.unit).where(
        Counter.code == org.other_counter).first()
    rows = []
    for i, (minutes, comment, changes, excluded, unit) in enumerate(specs):
        answers = {**FULL, **changes}
        own = unit is None
        rows.append(Response(
            counter=counter["id"] if own else other["id"],
            unit=org.unit_id if own else other["unit"],
            questionnaire=qid, answers=answers, answered=len(answers), counted=True,
            comment=comment, channel="qr", submitted_at=START + timedelta(minutes=minutes),
            receipt=f"R{i:07d}", submission_key=f"k-{i}", device_hash="secretdevice",
            token=f"TOKEN{i}", excluded=excluded,
        ))
    saved = await Response.insert(*rows).returning(Response.id)
    return [r["id"] for r in saved]


async def unit_scope(org) -> Scope:
    row = await Unit.select(Unit.agency).where(Unit.id == org.unit_id).first()
    return Scope("unit", unit_id=org.unit_id, agency_id=row["agency"])


async def test_newest_first_masked_in_wita_without_device_or_receipt(org):
    await add_responses(org, [
        (0, "Pelayanan lambat, hubungi 0812-3456-7890", {"waktu": 1}, False, None),
        (10, None, {}, False, None),  # no comment
        (20, "Petugas ramah. Email saya budi@gmail.com", {}, False, None),
        (30, "Dikeluarkan: jangan tampil", {}, True, None),  # excluded
        (40, "Unit lain", {}, False, "other"),  # another unit
    ])
    scope = await unit_scope(org)
    page = await listing.unit_comments(scope, org.unit_code, parse("2026-03"))
    texts = [c.text for c in page.comments]
    assert texts == ["Petugas ramah. Email saya [email disamarkan]",
                     "Pelayanan lambat, hubungi [nomor telepon disamarkan]"]
    first = page.comments[1]
    assert first.submitted_at == datetime(2026, 3, 1, 9, 0, tzinfo=WITA)
    assert first.submitted_at.utcoffset() == timedelta(hours=8)
    assert first.answers == {**FULL, "waktu": 1}
    assert first.mean == pytest.approx(sum({**FULL, "waktu": 1}.values()) / 9)
    assert not page.has_next and not page.has_previous
    fields = set(vars(first))
    assert not fields & {"device_hash", "receipt", "token", "counter", "service"}


async def test_rating_filter_period_and_pagination(org):
    specs = []
    for i in range(25):
        specs.append((i, f"komentar {i}", {"waktu": 1 + i % 4}, False, None))
    specs.append((60 * 24 * 40, "April", {"waktu": 1}, False, None))  # next period
    await add_responses(org, specs)
    scope = await unit_scope(org)
    march = parse("2026-03")
    slow = await listing.unit_comments(scope, org.unit_code, march, element="waktu",
                                       rating=(1, 2))
    expected = [f"komentar {i}" for i in range(24, -1, -1) if 1 + i % 4 in (1, 2)]
    assert [c.text for c in slow.comments] == expected
    assert all(c.answers["waktu"] in (1, 2) for c in slow.comments)

    first = await listing.unit_comments(scope, org.unit_code, march, per_page=10)
    second = await listing.unit_comments(scope, org.unit_code, march, per_page=10, page=2)
    third = await listing.unit_comments(scope, org.unit_code, march, per_page=10, page=3)
    assert first.has_next and second.has_next and not third.has_next
    got = [c.text for p in (first, second, third) for c in p.comments]
    assert got == [f"komentar {i}" for i in range(24, -1, -1)]

    april = await listing.unit_comments(scope, org.unit_code, parse("2026-04"))
    assert [c.text for c in april.comments] == ["April"]
    # a custom range of WITA days; None: any time
    assert len((await listing.unit_comments(
        scope, org.unit_code, custom(date(2026, 3, 1), date(2026, 3, 1)))).comments) == 20
    latest = await listing.latest_comments(scope, org.unit_code, n=3)
    assert [c.text for c in latest] == ["April", "komentar 24", "komentar 23"]


async def test_scope_and_roles(org):
    await add_responses(org, [(0, "Halo", {}, False, None)])
    row = await Unit.select(Unit.agency).where(Unit.id == org.unit_id).first()
    other = await Unit.select(Unit.id, Unit.code).where(Unit.id != org.unit_id).first()
    march = parse("2026-03")
    # another unit's comments: not found, like an unknown unit
    mine = Scope("unit", unit_id=org.unit_id, agency_id=row["agency"])
    with pytest.raises(scoped.NotFound):
        await listing.unit_comments(mine, other["code"], march)
    with pytest.raises(scoped.NotFound):
        await listing.unit_comments(mine, "no-such-unit", march)
    with pytest.raises(scoped.NotFound):
        await listing.unit_comments(Scope("agency", agency_id=row["agency"] + 1000),
                                    org.unit_code, march)
    for scope in (Scope("agency", agency_id=row["agency"]), Scope("city")):
        page = await listing.unit_comments(scope, org.unit_code, march)
        assert [c.text for c in page.comments] == ["Halo"]
    # officers (even of this unit's counter) and admins never read comments
    for scope in (Scope("officer", counter_id=org.counter_id, unit_id=org.unit_id,
                        agency_id=row["agency"]), Scope("admin")):
        with pytest.raises(scoped.NotAllowed):
            await listing.unit_comments(scope, org.unit_code, march)


@pytest.mark.parametrize("kwargs", [
    {"element": "nope", "rating": (1,)},
    {"element": "waktu", "rating": (0,)},
    {"element": "waktu", "rating": (5,)},
    {"rating": (1,)},
    {"page": 0},
    {"per_page": 0},
    {"per_page": 101},
])
async def test_bad_filters(org, kwargs):
    scope = await unit_scope(org)
    with pytest.raises(ValueError):
        await listing.unit_comments(scope, org.unit_code, parse("2026-03"), **kwargs)


async def test_the_query_uses_the_comment_index(org):
    """The planner reads the partial index of comments (no scan of all responses)."""
    await add_responses(org, [(i, f"c{i}" if i % 10 == 0 else None, {}, False, None)
                              for i in range(200)])
    period = parse("2026-03")
    start, end = listing._bounds(period)
    where = ('"unit" = {} AND "comment" IS NOT NULL AND "excluded" = {} '
             'AND "submitted_at" >= {} AND "submitted_at" < {} '
             'ORDER BY "submitted_at" DESC, "id" DESC LIMIT 21')
    args = (org.unit_id, False, start, end)
    if is_sqlite():
        plan = await Response.raw('EXPLAIN QUERY PLAN SELECT "id" FROM "response" WHERE '
                                  + where, *args)
        text = " ".join(str(r["detail"]) for r in plan)
    else:
        await Response.raw("ANALYZE response")
        async with transaction():  # one connection for SET LOCAL and EXPLAIN
            await Response.raw("SET LOCAL enable_seqscan = off")
            plan = await Response.raw('EXPLAIN SELECT "id" FROM "response" WHERE ' + where,
                                      *args)
        text = " ".join(str(v) for r in plan for v in r.values())
    assert "response_unit_comment" in text, text
