"""Lean peer for the submission benchmark (never imported by the app; not installed).

Raw ASGI + msgspec + a batching writer: the requests that arrive while a batch is being
written wait for the next one, and each batch is one `INSERT … SELECT … FROM unnest(…)`
(asyncpg, autocommit), answered only after it returns. No limits, idempotency or
aggregates. Routes: POST /api/v1/responses (JSON, 201), POST /s/{counter}
(form-urlencoded, 303), GET /health/live.

Run:  PEER_DATABASE_URL=postgresql://… uvicorn peer_lean:app --workers 2 --loop uvloop
      --http httptools   (from benchmarks/; `python peer_lean.py URL` creates the table)
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import parse_qsl

import asyncpg
import msgspec

ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
            "pengaduan", "sarana")
SCHEMA = ("CREATE TABLE IF NOT EXISTS peer_response (id bigserial PRIMARY KEY, "
          "counter text NOT NULL, " + ", ".join(f"{e} smallint NOT NULL" for e in ELEMENTS)
          + ", created_at timestamptz NOT NULL DEFAULT now())")
INSERT = (f"INSERT INTO peer_response (counter, {', '.join(ELEMENTS)}) "
          f"SELECT * FROM unnest($1::text[], "
          + ", ".join(f"${i + 2}::int2[]" for i in range(len(ELEMENTS))) + ")")

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


decoder = msgspec.json.Decoder(ResponseIn)


class Writer:
    """Batches submissions: the rows that arrive while a batch is being written wait for
    the next one; each batch is ONE prepared statement (`insert`, autocommit) whose
    arguments `columns(rows)` builds, and every waiter is answered once it returns."""

    def __init__(self, insert: str, columns: Callable[[list[Any]], list[Any]]) -> None:
        self.insert, self.columns = insert, columns
        self.pending: list[tuple[Any, asyncio.Future[None]]] = []
        self.wake = asyncio.Event()
        self.pool: asyncpg.Pool | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self, url: str) -> None:
        self.pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        self.task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
        if self.pool:
            await self.pool.close()

    async def submit(self, row: Any) -> None:
        fut = asyncio.get_running_loop().create_future()
        self.pending.append((row, fut))
        self.wake.set()
        await fut

    async def run(self) -> None:
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            stmt = await conn.prepare(self.insert)
            while True:
                await self.wake.wait()
                self.wake.clear()
                batch, self.pending = self.pending, []
                if not batch:
                    continue
                try:
                    await stmt.fetch(*self.columns([row for row, _ in batch]))
                except Exception as exc:  # every waiter learns it failed
                    for _, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                for _, fut in batch:
                    if not fut.done():
                        fut.set_result(None)


def _columns(rows: list[tuple[str, tuple[int, ...]]]) -> list[Any]:
    return [[r[0] for r in rows], *([r[1][i] for r in rows] for i in range(len(ELEMENTS)))]


writer = Writer(INSERT, _columns)
JSON_HEADERS = [(b"content-type", b"application/json")]
TEXT_HEADERS = [(b"content-type", b"text/plain")]


async def _read(receive) -> bytes:
    body = b""
    while True:
        msg = await receive()
        body += msg.get("body", b"")
        if not msg.get("more_body"):
            return body


async def _send(send, status: int, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def make_app(writer: Writer, json_row: Callable[[bytes], Any],
             form_row: Callable[[str, dict[str, str]], Any | None],
             on_start: Callable[[str], Awaitable[None]] | None = None) -> Callable:
    """The ASGI app: `json_row(body)` turns a JSON body into the writer's row (raising
    msgspec.DecodeError or ValueError: 400), `form_row(counter, fields)` a form (None: 422);
    `on_start(url)` runs before the writer starts."""

    async def app(scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    if on_start is not None:
                        await on_start(os.environ["PEER_DATABASE_URL"])
                    await writer.start(os.environ["PEER_DATABASE_URL"])
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await writer.stop()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path, method = scope["path"], scope["method"]
        if method == "GET" and path == "/health/live":
            return await _send(send, 200, JSON_HEADERS, b'{"status":"ok"}')
        if method == "POST" and path == "/api/v1/responses":
            try:
                row = json_row(await _read(receive))
            except (msgspec.DecodeError, ValueError) as exc:
                return await _send(send, 400, TEXT_HEADERS, str(exc).encode())
            await writer.submit(row)
            return await _send(send, 201, JSON_HEADERS, b'{"stored":true}')
        if method == "POST" and path.startswith("/s/"):
            counter = path[3:]
            row = form_row(counter, dict(parse_qsl((await _read(receive)).decode("utf-8",
                                                                                 "strict"))))
            if row is None:
                return await _send(send, 422, TEXT_HEADERS, b"answers 1..4 required")
            await writer.submit(row)
            return await _send(send, 303,
                               [(b"location", f"/s/{counter}/terima-kasih".encode())], b"")
        return await _send(send, 404, TEXT_HEADERS, b"not found")

    return app


def form_answers(counter: str, values: dict[str, str]) -> tuple[int, ...] | None:
    """The 9 answers of a form post, or None when one is missing or not 1..4 or the counter
    code is not 1..16 characters."""
    try:
        answers = tuple(int(values[e]) for e in ELEMENTS)
    except (KeyError, ValueError):
        return None
    if not (1 <= len(counter) <= 16 and all(1 <= x <= 4 for x in answers)):
        return None
    return answers


def _json_row(body: bytes) -> tuple[str, tuple[int, ...]]:
    data = decoder.decode(body)
    a = data.answers
    return data.counter, (a.persyaratan, a.prosedur, a.waktu, a.biaya, a.produk,
                          a.kompetensi, a.perilaku, a.pengaduan, a.sarana)


def _form_row(counter: str, values: dict[str, str]) -> tuple[str, tuple[int, ...]] | None:
    answers = form_answers(counter, values)
    return None if answers is None else (counter, answers)


app = make_app(writer, _json_row, _form_row)


async def _create_schema(url: str) -> None:
    conn = await asyncpg.connect(url)
    await conn.execute("DROP TABLE IF EXISTS peer_response")
    await conn.execute(SCHEMA)
    await conn.close()


if __name__ == "__main__":
    asyncio.run(_create_schema(sys.argv[1]))
