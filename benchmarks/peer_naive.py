"""Naive peer for the submission benchmark (never imported by the app; not installed).

A minimal Litestar app as typical e-SKM apps are written: one INSERT per request into its
own table, msgspec validation of a counter code and 9 answers, no limits, no idempotency,
no aggregates. Routes: POST /api/v1/responses (JSON, 201), POST /s/{counter}
(form-urlencoded, 303), GET /health/live.

Run:  PEER_DATABASE_URL=postgresql://… uvicorn peer_naive:app --workers 2 --loop uvloop
      --http httptools   (from benchmarks/; `python peer_naive.py URL` creates the table)
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Litestar, Request, get, post
from litestar.exceptions import ValidationException
from litestar.response import Redirect

ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
            "pengaduan", "sarana")
SCHEMA = ("CREATE TABLE IF NOT EXISTS peer_response (id bigserial PRIMARY KEY, "
          "counter text NOT NULL, " + ", ".join(f"{e} smallint NOT NULL" for e in ELEMENTS)
          + ", created_at timestamptz NOT NULL DEFAULT now())")
INSERT = (f"INSERT INTO peer_response (counter, {', '.join(ELEMENTS)}) VALUES "
          f"($1, {', '.join(f'${i + 2}' for i in range(len(ELEMENTS)))})")

Answer = Annotated[int, msgspec.Meta(ge=1, le=4)]


class Answers(msgspec.Struct):
    persyaratan: Answer
    prosedur: Answer
    waktu: Answer
    biaya: Answer
    produk: Answer
    kompetensi: Answer
    perilaku: Answer
    pengaduan: Answer
    sarana: Answer


class ResponseIn(msgspec.Struct):
    counter: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
    answers: Answers


class Created(msgspec.Struct):
    id: int


pool: asyncpg.Pool | None = None


async def startup() -> None:
    global pool
    pool = await asyncpg.create_pool(os.environ["PEER_DATABASE_URL"], min_size=4, max_size=10)


async def shutdown() -> None:
    if pool is not None:
        await pool.close()


async def _insert(counter: str, values: list[int]) -> int:
    assert pool is not None
    async with pool.acquire() as conn:
        return await conn.fetchval(INSERT + " RETURNING id", counter, *values)


@post("/api/v1/responses", status_code=201)
async def create(data: ResponseIn) -> Created:
    a = data.answers
    return Created(await _insert(data.counter, [getattr(a, e) for e in ELEMENTS]))


@post("/s/{counter:str}")
async def form(request: Request, counter: str) -> Redirect:
    values = await request.form()
    try:
        answers = [int(values[e]) for e in ELEMENTS]
    except (KeyError, ValueError):
        raise ValidationException("answers 1..4 required") from None
    if not (1 <= len(counter) <= 16 and all(1 <= a <= 4 for a in answers)):
        raise ValidationException("answers 1..4 required")
    await _insert(counter, answers)
    return Redirect(f"/s/{counter}/terima-kasih", status_code=303)


@get("/health/live")
async def live() -> dict[str, Any]:
    return {"status": "ok"}


app = Litestar([create, form, live], on_startup=[startup], on_shutdown=[shutdown])


async def _create_schema(url: str) -> None:
    conn = await asyncpg.connect(url)
    await conn.execute("DROP TABLE IF EXISTS peer_response")
    await conn.execute(SCHEMA)
    await conn.close()


if __name__ == "__main__":
    asyncio.run(_create_schema(sys.argv[1]))
