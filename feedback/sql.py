"""Plain SQL on the current transaction's own driver connection, for the few hot statements
of the submission path (multi-row upserts), where building Piccolo query objects for
thousands of values per second would cost more than the database work itself.

Statements use `?` placeholders (never inside string literals); for PostgreSQL they are
rewritten to `$1, $2, …` once per statement text."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine


@lru_cache(maxsize=512)
def _numbered(sql: str) -> str:
    counter = iter(range(1, 1_000_000))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


async def fetch(engine: Engine, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run one statement inside the current transaction and return its rows as dicts."""
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("feedback.sql.fetch must run inside a transaction")
    connection = transaction.connection
    if isinstance(engine, SQLiteEngine):
        cursor = await connection.execute(sql, args)
        rows = await cursor.fetchall()
        await cursor.close()
        return list(rows)  # the connection's row factory already makes dicts
    return [dict(record) for record in await connection.fetch(_numbered(sql), *args)]


def values(rows: int, width: int) -> str:
    """`(?, ?), (?, ?)` for a multi-row VALUES clause."""
    one = "(" + ", ".join("?" * width) + ")"
    return ", ".join([one] * rows)
