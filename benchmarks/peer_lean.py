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
from typing import Annotated
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
    def __init__(self) -> None:
        self.pending: list[tuple[str, tuple[int, ...], asyncio.Future[None]]] = []
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

    async def submit(self, counter: str, answers: tuple[int, ...]) -> None:
        fut = asyncio.get_running_loop().create_future()
        self.pending.append((counter, answers, fut))
        self.wake.set()
        await fut

    async def run(self) -> None:
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            stmt = await conn.prepare(INSERT)
            while True:
                await self.wake.wait()
                self.wake.clear()
                batch, self.pending = self.pending, []
                if not batch:
                    continue
                columns = [[b[0] for b in batch]]
                columns += [[b[1][i] for b in batch] for i in range(len(ELEMENTS))]
                try:
                    await stmt.fetch(*columns)
                except Exception as exc:  # every waiter learns it failed
                    for *_, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                for *_, fut in batch:
                    if not fut.done():
                        fut.set_result(None)


writer = Writer()
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


async def app(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
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
            data = decoder.decode(await _read(receive))
        except msgspec.DecodeError as exc:
            return await _send(send, 400, TEXT_HEADERS, str(exc).encode())
        a = data.answers
        await writer.submit(data.counter, (a.persyaratan, a.prosedur, a.waktu, a.biaya,
                                           a.produk, a.kompetensi, a.perilaku, a.pengaduan,
                                           a.sarana))
        return await _send(send, 201, JSON_HEADERS, b'{"stored":true}')
    if method == "POST" and path.startswith("/s/"):
        counter = path[3:]
        values = dict(parse_qsl((await _read(receive)).decode("utf-8", "strict")))
        try:
            answers = tuple(int(values[e]) for e in ELEMENTS)
        except (KeyError, ValueError):
            answers = ()
        if not (1 <= len(counter) <= 16 and answers and all(1 <= x <= 4 for x in answers)):
            return await _send(send, 422, TEXT_HEADERS, b"answers 1..4 required")
        await writer.submit(counter, answers)
        return await _send(send, 303, [(b"location", f"/s/{counter}/terima-kasih".encode())],
                           b"")
    return await _send(send, 404, TEXT_HEADERS, b"not found")


async def _create_schema(url: str) -> None:
    conn = await asyncpg.connect(url)
    await conn.execute("DROP TABLE IF EXISTS peer_response")
    await conn.execute(SCHEMA)
    await conn.close()


if __name__ == "__main__":
    asyncio.run(_create_schema(sys.argv[1]))
