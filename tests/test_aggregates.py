"""The per-unit-day aggregates can be added and retracted: after any sequence of add,
retract and re-add, `unit_day_stats` and `unit_day_score` equal a recomputation from the
stored, not excluded responses (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from feedback.aggregates import daily as aggregates
from feedback.clock import wita_day
from feedback.engine import transaction
from feedback.survey.skm import current_questionnaire_id
from feedback.tables import Counter, Response, UnitDayScore, UnitDayStats
from scoring.ikm import ELEMENTS, is_counted


async def maintained() -> tuple[dict, dict]:
    stats = {}
    for r in await UnitDayStats.select():
        stats[(r["unit"], r["day"])] = [r["n"], *(r[c] for c in aggregates.COUNT_COLUMNS)]
    scores = {(r["unit"], r["day"], r["answered"], r["total"]): r["count"]
              for r in await UnitDayScore.select()}
    return stats, scores


async def recomputed() -> tuple[dict, dict]:
    """From the stored responses, independently of feedback.aggregates."""
    stats: dict = {}
    scores: dict = {}
    rows = await Response.select(Response.unit, Response.answers, Response.submitted_at
                                 ).where(Response.excluded == False)  # noqa: E712
    for r in rows:
        answers = json.loads(r["answers"]) if isinstance(r["answers"], str) else r["answers"]
        if not is_counted(answers):
            continue
        key = (r["unit"], wita_day(r["submitted_at"]))
        row = stats.setdefault(key, [0] * (1 + 4 * len(ELEMENTS)))
        row[0] += 1
        for i, element in enumerate(ELEMENTS):
            if element in answers:
                row[1 + 4 * i + answers[element] - 1] += 1
        cell = (*key, len(answers), sum(answers.values()))
        scores[cell] = scores.get(cell, 0) + 1
    return stats, scores


async def assert_consistent() -> None:
    assert await maintained() == await recomputed()


def _answers(rng: random.Random) -> dict[str, int]:
    answered = rng.choice([9, 9, 9, 8, 7, 5, 0])  # some not counted
    return {e: rng.randint(1, 4) for e in rng.sample(ELEMENTS, answered)}


async def _store(rows: list[dict]) -> list[int]:
    """Insert responses and add them to the aggregates, as the submission path does."""
    async with transaction():
        ids = []
        for r in rows:
            saved = await Response.insert(Response(**r)).returning(Response.id)
            ids.append(saved[0]["id"])
        await aggregates.apply(aggregates.deltas(
            (r["unit"], wita_day(r["submitted_at"]), r["answers"]) for r in rows))
    return ids


async def _set_excluded(ids: list[int], rows: list[dict], excluded: bool) -> None:
    async with transaction():
        await Response.update({Response.excluded: excluded}).where(Response.id.is_in(ids))
        batch = aggregates.deltas((r["unit"], wita_day(r["submitted_at"]), r["answers"])
                                  for r in rows)
        if excluded:
            await aggregates.retract(batch)
        else:
            await aggregates.apply(batch)


async def test_add_retract_and_readd_match_a_recomputation(org):
    rng = random.Random(2026)
    questionnaire = await current_questionnaire_id()
    counters = await Counter.select(Counter.id, Counter.unit)
    start = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
    rows = []
    for i in range(160):
        counter = rng.choice(counters)
        answers = _answers(rng)
        rows.append(dict(
            counter=counter["id"], unit=counter["unit"], questionnaire=questionnaire,
            answers=answers, answered=len(answers), counted=is_counted(answers),
            channel="import", submitted_at=start + timedelta(hours=rng.randint(0, 24 * 6)),
            receipt=f"T{i:07d}", submission_key=f"test:{i}",
        ))
    ids = await _store(rows)
    await assert_consistent()
    assert (await maintained())[0]

    for _round in range(4):
        chosen = rng.sample(range(len(rows)), rng.randint(1, 80))
        await _set_excluded([ids[i] for i in chosen], [rows[i] for i in chosen], True)
        await assert_consistent()
        back = rng.sample(chosen, rng.randint(0, len(chosen)))
        await _set_excluded([ids[i] for i in back], [rows[i] for i in back], False)
        await assert_consistent()
        # leave the rest excluded for this round, then bring everything back
        rest = [i for i in chosen if i not in back]
        await _set_excluded([ids[i] for i in rest], [rows[i] for i in rest], False)
        await assert_consistent()

    # Retracting everything leaves empty tables (zero rows are deleted, not kept).
    await _set_excluded(ids, rows, True)
    assert await maintained() == ({}, {})
    await _set_excluded(ids, rows, False)
    await assert_consistent()


async def test_retracting_what_was_never_added_raises_and_rolls_back(org):
    answers = dict.fromkeys(ELEMENTS, 3)
    day = wita_day(datetime(2026, 3, 2, 3, tzinfo=UTC))
    with pytest.raises(RuntimeError, match="never added"):
        async with transaction():
            await aggregates.retract(aggregates.deltas([(org.unit_id, day, answers)]))
    assert await maintained() == ({}, {})
