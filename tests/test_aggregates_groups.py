"""The breakdown aggregates (`unit_day_group`: per unit, WITA day, counter / service /
profile key; `unit_month_group`: the same per month) equal a recomputation from the stored,
not excluded, counted responses after every write path: form and API submissions, an
import, a superseding import and a retract; and the readers of feedback.aggregates.groups
return those sums for whole and partial months (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.aggregates import daily as aggregates
from feedback.aggregates import groups
from feedback.clock import WITA
from feedback.engine import transaction
from feedback.ingest.importer import import_file
from feedback.org.counters import load_counter
from feedback.survey import submit as submission
from feedback.survey.outcomes import Stored
from feedback.survey.skm import AGE_BANDS, EDUCATION, GENDERS, OCCUPATIONS
from feedback.survey.validate import validate
from feedback.tables import Counter, Response, UnitDayGroup, UnitMonthGroup
from scoring.ikm import ELEMENTS
from tests.support import FULL, make_client, seed_small_org, wipe_rows
from tests.test_import import FULL_HEADER, row, write_csv

DIMS = ("counter", "service", "gender", "age_band", "education", "occupation")
WIDTH = 1 + 4 * len(ELEMENTS)


async def maintained() -> dict[tuple, list[int]]:
    return {(r["unit"], r["day"], r["dim"], r["key"]):
            [r["n"], *(r[c] for c in aggregates.COUNT_COLUMNS)]
            for r in await UnitDayGroup.select()}


async def maintained_months() -> dict[tuple, list[int]]:
    return {(r["unit"], r["month"], r["dim"], r["key"]):
            [r["n"], *(r[c] for c in aggregates.COUNT_COLUMNS)]
            for r in await UnitMonthGroup.select()}


def _by_month(days: dict[tuple, list[int]]) -> dict[tuple, list[int]]:
    out: dict[tuple, list[int]] = {}
    for (unit, day, dim, key), cell in days.items():
        total = out.setdefault((unit, day.replace(day=1), dim, key), [0] * WIDTH)
        for i, v in enumerate(cell):
            total[i] += v
    return out


async def counted_responses() -> list[dict]:
    rows = await Response.select(
        Response.unit, Response.counter, Response.service, Response.gender,
        Response.age_band, Response.education, Response.occupation, Response.answers,
        Response.submitted_at,
    ).where(Response.excluded == False).output(load_json=True)  # noqa: E712
    return [r for r in rows if len(r["answers"]) >= 7]  # 7 of 9 answered: counted


def _keys(r: dict) -> dict[str, str]:
    return {"counter": str(r["counter"]),
            "service": "-" if r["service"] is None else str(r["service"]),
            **{d: r[d] or "-" for d in ("gender", "age_band", "education", "occupation")}}


def _add(cell: list[int], answers: dict[str, int]) -> None:
    cell[0] += 1
    for i, element in enumerate(ELEMENTS):
        if element in answers:
            cell[1 + 4 * i + answers[element] - 1] += 1


async def recomputed() -> dict[tuple, list[int]]:
    """From the stored responses, independently of feedback.aggregates."""
    out: dict[tuple, list[int]] = {}
    for r in await counted_responses():
        day = r["submitted_at"].astimezone(WITA).date()
        for dim, key in _keys(r).items():
            _add(out.setdefault((r["unit"], day, dim, key), [0] * WIDTH), r["answers"])
    return out


def _flat(counts: groups.GroupCounts) -> list[int]:
    return [counts.n, *(c for element in counts.element_counts for c in element)]


async def assert_read(want: dict[tuple, list[int]], units: list[int], first: date,
                      last: date) -> None:
    """The readers return the sums of the recomputed days in [first, last]."""
    read = await groups.groups_counts(units, first, last)
    for dim in DIMS:
        summed: dict[tuple[int, str], list[int]] = {}
        for (unit, day, d, key), cell in want.items():
            if d == dim and first <= day <= last:
                total = summed.setdefault((unit, key), [0] * WIDTH)
                for i, v in enumerate(cell):
                    total[i] += v
        assert {k: _flat(v) for k, v in read[dim].items()} == summed, (dim, first, last)
        assert await groups.group_counts(units, first, last, dim) == read[dim]
        totals: dict[str, list[int]] = {}
        for (_unit, key), cell in summed.items():
            total = totals.setdefault(key, [0] * WIDTH)
            for i, v in enumerate(cell):
                total[i] += v
        got = (await groups.groups_totals(units, first, last, (dim,)))[dim]
        assert {k: _flat(v) for k, v in got.items()} == totals


async def assert_consistent(periods: list[tuple[date, date]] = ()) -> None:
    want = await recomputed()
    assert await maintained() == want
    assert await maintained_months() == _by_month(want)
    # The readers: sums over a period, per dimension, and per month from unit_day_stats.
    responses = await counted_responses()
    if not responses:
        return
    units = sorted({r["unit"] for r in responses})
    days = sorted({d for (_, d, _, _) in want})
    first, last = days[0], days[-1]
    for period in [(first, last), *periods]:
        await assert_read(want, units, *period)
    months: dict[tuple[int, date], list[int]] = {}
    for r in responses:
        day = r["submitted_at"].astimezone(WITA).date()
        _add(months.setdefault((r["unit"], day.replace(day=1)), [0] * WIDTH), r["answers"])
    got = await groups.unit_month_counts(units, first, last)
    assert {k: _flat(v) for k, v in got.items()} == months
    per_unit = await groups.unit_counts(units, first, last)
    assert {u: _flat(v) for u, v in per_unit.items()} == {
        u: [sum(c[i] for (unit, _), c in months.items() if unit == u) for i in range(WIDTH)]
        for u in units}


async def _exclude(response_id: int) -> None:
    """Exclude one response as a staff exclusion would: flag it and retract its aggregates
    (with its group keys) in one transaction."""
    async with transaction():
        r = await Response.select(
            Response.unit, Response.counter, Response.service, Response.gender,
            Response.age_band, Response.education, Response.occupation, Response.answers,
            Response.submitted_at,
        ).where(Response.id == response_id).output(load_json=True).first()
        await Response.update({Response.excluded: True, Response.excluded_reason: "test"}
                              ).where(Response.id == response_id)
        await aggregates.retract(aggregates.deltas([(
            r["unit"], r["submitted_at"].astimezone(WITA).date(), r["answers"],
            aggregates.group_keys(r["counter"], r["service"], r["gender"], r["age_band"],
                                  r["education"], r["occupation"]),
        )]))


def _form(answers, key, **extra):
    data = {code: str(v) for code, v in answers.items()}
    data.update({"key": key, "lang": "id"})
    data.update(extra)
    return data


async def test_every_write_path_keeps_the_breakdowns_exact(org, tmp_path):
    async with make_client(device_interval=timedelta(0), rate_limit=10_000) as client:
        # The form: with and without service and profile, on a normal and a kiosk counter.
        forms = [
            (org.counter, {"service": "umum", "gender": "P", "age_band": "30-39",
                           "education": "S1", "occupation": "PNS"}),
            (org.counter, {"service": "kia", "gender": "L"}),
            (org.kiosk, {}),
            (org.kiosk, {"service": "umum", "education": "SLTA", "occupation": "Swasta"}),
            (org.other_counter, {"gender": "P", "age_band": "60+"}),
        ]
        for i, (counter, extra) in enumerate(forms):
            answers = dict(FULL, waktu=1 + i % 4)
            if i == 1:
                answers.pop("sarana")  # 8 of 9 answered: counted
            r = await client.post(f"/s/{counter}", data=_form(answers, f"form-key-{i:016d}",
                                                              **extra))
            assert r.status_code == 303, r.text
        # The API.
        for i, extra in enumerate([{"service": "kia", "age_band": "<20"},
                                   {"gender": "L", "occupation": "Lainnya"}, {}]):
            r = await client.post("/api/v1/responses", json={
                "counter": org.counter, "answers": dict(FULL, biaya=1 + i),
                "idempotency_key": f"api-key-{i:08d}", **extra})
            assert r.status_code == 201, r.text
    assert await Response.count() == 8
    await assert_consistent()
    assert {k[2] for k in await maintained()} == set(DIMS)

    # An import: services, profiles, a response without them, one that does not count.
    rows = _first_version()
    path = write_csv(tmp_path / "skm-maret.csv", FULL_HEADER, rows)
    report = await import_file(path)
    assert report.imported == 5 and report.not_counted == 1
    await assert_consistent()

    # A corrected file of the same source supersedes the earlier import.
    rows[1] = row(when="2025-03-04 10:00", ratings=(2, 2, 3, 4, 1, 2, 3, 4, 1), service="umum",
                  gender="L", age=19)
    rows[4] = row(unit="pkm-oebobo", when="2025-04-02 08:30", education="S2")
    report = await import_file(write_csv(path, FULL_HEADER, rows))
    assert report.superseded == 5 and report.imported == 5
    await assert_consistent()

    # A retract (an exclusion) of a form response and of an imported one.
    first = await Response.select(Response.id).order_by(Response.id).first()
    await _exclude(first["id"])
    imported = await Response.select(Response.id).where(
        (Response.channel == "import") & (Response.excluded == False)  # noqa: E712
    ).order_by(Response.id).first()
    await _exclude(imported["id"])
    await assert_consistent()
    # Going back to the first version reinstates its rows.
    report = await import_file(write_csv(path, FULL_HEADER, _first_version()))
    assert report.reinstated == 5 and report.superseded == 4  # one was excluded by staff
    await assert_consistent()


def _first_version() -> list[list]:
    return [
        row(when="2025-03-04 09:15", service="umum", gender="P", age=34, education="S1",
            occupation="PNS"),
        row(when="2025-03-04 10:00", ratings=(1, 2, 3, 4, 1, 2, 3, 4, 1), service="kia",
            gender="L", age=19),
        row(when="2025-03-05 11:00", ratings=(4, 4, 4, None, None, 4, 4, 4, 4)),
        row(when="2025-03-05 12:00", ratings=(4, 4, 4, None, None, None, 4, 4, 4),
            gender="P"),  # 6 of 9: stored, not counted
        row(unit="pkm-oebobo", when="2025-04-01 08:30", education="SD", occupation="TNI"),
    ]


def _db():
    from piccolo_conf import DB

    return DB


async def test_readers_of_nothing_are_empty(org):
    day = date(2026, 3, 1)
    assert await groups.group_counts([org.unit_id], day, day, "service") == {}
    assert await groups.unit_month_counts([org.unit_id], day, day) == {}
    assert await groups.unit_counts([], day, day) == {}
    assert await groups.groups_counts([org.unit_id], day, day - timedelta(days=1)) == {
        dim: {} for dim in DIMS}


async def test_an_unknown_dimension_is_refused(org):
    with pytest.raises(ValueError, match="dimension"):
        await groups.group_counts([org.unit_id], date(2026, 1, 1), date(2026, 1, 2), "unit")


_PROFILE = {"gender": [None, *GENDERS], "age_band": [None, *AGE_BANDS],
            "education": [None, *EDUCATION], "occupation": [None, *OCCUPATIONS]}
_response = st.fixed_dictionaries({
    "counter": st.integers(0, 2),
    "service": st.sampled_from([None, "umum", "kia"]),
    "profile": st.fixed_dictionaries({k: st.sampled_from(v) for k, v in _PROFILE.items()}),
    "answers": st.lists(st.integers(1, 4), min_size=9, max_size=9),
    "skip": st.lists(st.sampled_from(ELEMENTS), max_size=2, unique=True),
    "hours": st.integers(0, 24 * 40),
})


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(responses=st.lists(_response, min_size=1, max_size=24),
       batch=st.integers(1, 8), seed=st.integers(0, 2**32))
async def test_random_batches_and_exclusions_keep_the_breakdowns_exact(db, responses, batch,
                                                                       seed):
    await wipe_rows()
    org = await seed_small_org()
    counters = [await load_counter(code) for code in (org.counter, org.kiosk,
                                                      org.other_counter)]
    start = datetime(2026, 1, 30, 15, 0, tzinfo=UTC)  # WITA midnight falls at 16:00 UTC
    items = []
    for i, spec in enumerate(responses):
        counter = counters[spec["counter"]]
        answers = {e: a for e, a in zip(ELEMENTS, spec["answers"], strict=True)
                   if e not in spec["skip"]}
        service = spec["service"] if counter.services else None
        draft = validate(counter, answers, service=service, profile=spec["profile"])
        items.append(submission.Pending(
            counter=counter, draft=draft, channel="kiosk", lang="id",
            submission_key=f"prop-{seed}-{i}", now=start + timedelta(hours=spec["hours"])))
    policy = submission.Policy(rate_limit=10_000)
    for k in range(0, len(items), batch):
        outcomes = await submission.store_batch(items[k:k + batch], policy)
        assert all(isinstance(o, Stored) for o in outcomes)
    rng = random.Random(seed)
    # Periods of whole and partial months around the days used (30 January to 11 March).
    periods = []
    for _ in range(4):
        a, b = sorted(date(2026, 1, 25) + timedelta(days=rng.randint(0, 50)) for _ in range(2))
        periods.append((a, b))
    periods += [(date(2026, 2, 1), date(2026, 2, 28)), (date(2026, 1, 1), date(2026, 3, 31)),
                (date(2026, 1, 31), date(2026, 3, 1))]
    await assert_consistent(periods)

    ids = [r["id"] for r in await Response.select(Response.id)]
    for response_id in rng.sample(ids, rng.randint(0, len(ids))):
        await _exclude(response_id)
    await assert_consistent(periods)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 3),
                          st.lists(st.integers(0, 4), min_size=9, max_size=9),
                          st.sampled_from(["1", "2"]), st.sampled_from(["-", "L", "P"])),
                max_size=40))
def test_bulk_deltas_equal_the_submission_path_deltas(rows):
    """deltas_from_arrays (the demo's bulk path) builds exactly what deltas builds."""
    import numpy as np

    base = date(2026, 3, 1)
    want = aggregates.deltas(
        (unit, base + timedelta(days=day), {e: a for e, a in zip(ELEMENTS, answers,
                                                                   strict=True) if a},
         (("counter", counter), ("gender", gender)))
        for unit, day, answers, counter, gender in rows)
    got = aggregates.deltas_from_arrays(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([(base + timedelta(days=r[1])).toordinal() for r in rows], dtype=np.int64),
        np.array([r[2] for r in rows], dtype=np.int64).reshape(len(rows), 9),
        {"counter": np.array([r[3] for r in rows], dtype=str),
         "gender": np.array([r[4] for r in rows], dtype=str)})
    assert got == want


async def test_the_demo_loader_fills_the_breakdowns(empty_db):
    from feedback.demo.load import load_demo

    await load_demo(responses=400, now=datetime(2026, 3, 15, 4, tzinfo=UTC))
    await assert_consistent([(date(2025, 6, 10), date(2026, 2, 3)),
                             (date(2026, 1, 1), date(2026, 1, 31))])
    assert await UnitDayGroup.count() > 0


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 70),
                          st.lists(st.integers(0, 4), min_size=9, max_size=9),
                          st.sampled_from(["-", "L", "P"]), st.sampled_from(["-", "a", "b"])),
                min_size=1, max_size=40))
async def test_bulk_writes_equal_the_submission_path_writes(db, rows):
    """apply_groups(group_arrays(...)) (the demo's bulk path) writes exactly what
    apply(deltas(...)) writes, days and months."""
    import numpy as np

    await wipe_rows()
    org = await seed_small_org()
    other = await Counter.select(Counter.unit).where(Counter.code == org.other_counter).first()
    units = [org.unit_id, other["unit"], org.unit_id]
    base = date(2026, 1, 20)
    given_rows = [(units[u], base + timedelta(days=d),
                   {e: a for e, a in zip(ELEMENTS, answers, strict=True) if a},
                   (("gender", g), ("education", e)))
                  for u, d, answers, g, e in rows]
    async with transaction():
        await aggregates.apply(aggregates.deltas(given_rows))
    expected = (await maintained(), await maintained_months())
    for table in (UnitMonthGroup, UnitDayGroup):
        await table.delete(force=True)
    arrays = aggregates.group_arrays(
        np.array([units[r[0]] for r in rows], dtype=np.int64),
        np.array([(base + timedelta(days=r[1])).toordinal() for r in rows], dtype=np.int64),
        np.array([r[2] for r in rows], dtype=np.int64),
        {"gender": np.array([r[3] for r in rows], dtype=str),
         "education": np.array([r[4] for r in rows], dtype=str)})
    async with transaction():
        await aggregates.apply_groups(arrays)
    assert (await maintained(), await maintained_months()) == expected


async def test_a_submit_batch_costs_the_same_statements_whatever_its_size(org, monkeypatch):
    """The breakdowns keep the submit path at a fixed number of statements per batch: one
    multi-row upsert per aggregate table, whether the batch holds 1 or 40 responses over
    several counters, services, profiles, days and months."""
    from feedback import sql

    statements: list[str] = []
    original = sql.fetch

    async def counting(statement: str, *args):
        statements.append(statement)
        return await original(statement, *args)

    monkeypatch.setattr(sql, "fetch", counting)
    counters = [await load_counter(code) for code in (org.kiosk, org.counter,
                                                      org.other_counter)]
    profiles = [{}, {"gender": "P", "age_band": "20-29"}, {"education": "S2"},
                {"gender": "L", "occupation": "TNI"}]

    async def batch(size: int, tag: str) -> int:
        items = []
        for i in range(size):
            counter = counters[i % 3]
            service = ("umum", "kia", None)[i % 3] if counter.services else None
            items.append(submission.Pending(
                counter=counter, channel="kiosk", lang="id", submission_key=f"{tag}-{i}",
                draft=validate(counter, dict(FULL, waktu=1 + i % 4), service=service,
                               profile=profiles[i % 4]),
                now=datetime(2026, 1, 28, 3, tzinfo=UTC) + timedelta(days=i % 7)))
        statements.clear()
        outcomes = await submission.store_batch(items, submission.Policy(rate_limit=10_000))
        assert all(isinstance(o, Stored) for o in outcomes)
        return len(statements)

    one, forty = await batch(1, "one"), await batch(40, "forty")
    assert one == forty
    assert sum('"unit_day_group"' in s for s in statements) == 1
    assert sum('"unit_month_group"' in s for s in statements) == 1
    await assert_consistent()
