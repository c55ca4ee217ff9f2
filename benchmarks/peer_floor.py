"""Floor peer for the submission benchmark (never imported by the app; not installed).

The lean peer (benchmarks/peer_lean.py: raw ASGI + msgspec + one batched `INSERT … SELECT …
FROM unnest(…)` per batch, autocommit, answered after it returns) storing the PROJECT's own
response row (`feedback.survey.responses.row`, the same columns, indexes and foreign keys)
into a database with the project's schema and the demo city. It does nothing else: no
idempotency lookup, limits, tokens, receipts clash retry or aggregates, no framework. What
it measures is the cost of storing the project's row at all: a floor no implementation of
the project's guarantees can go below on the same machine.

Routes as the other peers: POST /api/v1/responses (JSON, 201), POST /s/{counter}
(form-urlencoded, 303), GET /health/live.

Run:  PEER_DATABASE_URL=postgresql://… uvicorn peer_floor:app --workers 2 --loop uvloop
      --http httptools   (from benchmarks/, PYTHONPATH the project; the database prepared by
      submit_bench's `prepare` phase)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
from peer_lean import ELEMENTS, Answers, Writer, form_answers, make_app

from feedback import sql
from feedback.survey import responses
from feedback.survey.receipts import new_receipts


class FloorIn(msgspec.Struct):
    counter: str
    answers: Answers
    idempotency_key: str


decoder = msgspec.json.Decoder(FloorIn)
_NAMES = ", ".join(f'"{name}"' for name, _ in responses.COLUMNS)
INSERT = sql._numbered(  # noqa: SLF001  (the project's own `?` → `$n` rewriting)
    f'INSERT INTO "response" ({_NAMES}) SELECT * FROM {sql.unnest(responses.COLUMNS)} '
    'ON CONFLICT DO NOTHING')
counters: dict[str, tuple[int, int, int]] = {}  # code -> (counter id, unit id, questionnaire)


async def _load_counters(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        questionnaire = await conn.fetchval('SELECT min("id") FROM "questionnaire"')
        for r in await conn.fetch('SELECT "id", "code", "unit" FROM "counter"'):
            counters[r["code"]] = (r["id"], r["unit"], questionnaire)
    finally:
        await conn.close()


def _row(code: str, answers: dict[str, int], key: str) -> tuple[Any, ...]:
    counter_id, unit_id, questionnaire_id = counters[code]
    return responses.row(counter_id=counter_id, unit_id=unit_id,
                         questionnaire_id=questionnaire_id, service_id=None, answers=answers,
                         channel="web", lang="id", submitted_at=datetime.now(UTC),
                         receipt=new_receipts(1)[0], submission_key=key)


def _json_row(body: bytes) -> tuple[Any, ...]:
    data = decoder.decode(body)
    if data.counter not in counters:
        raise ValueError("unknown counter")
    return _row(data.counter, msgspec.structs.asdict(data.answers), data.idempotency_key)


def _form_row(counter: str, values: dict[str, str]) -> tuple[Any, ...] | None:
    answers = form_answers(counter, values)
    if answers is None or counter not in counters or not values.get("key"):
        return None
    return _row(counter, dict(zip(ELEMENTS, answers, strict=True)), values["key"])


writer = Writer(INSERT, lambda rows: sql.arrays(responses.COLUMNS, rows))
app = make_app(writer, _json_row, _form_row, _load_counters)
