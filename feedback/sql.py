"""Plain SQL on the current transaction's own driver connection, for the few hot statements
of the submission path and bulk loads (multi-row inserts and upserts), where building
Piccolo query objects for thousands of values per second would cost more than the database
work itself.

Statements use `?` placeholders (never inside string literals); for PostgreSQL they are
rewritten to `$1, $2, …` once per statement text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine

from feedback.engine import db


@lru_cache(maxsize=512)
def _numbered(sql: str) -> str:
    counter = iter(range(1, 1_000_000))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run one statement inside the current transaction (of the configured engine) and return
    its rows as dicts."""
    engine = db()
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


_SQLITE_PARAMETERS = 30_000  # below SQLite's limit of 32,766 bound parameters
_PG_ROWS = 5000


async def insert_rows(
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    tail: str = "",
    tail_args: Sequence[Any] = (),
) -> list[dict[str, Any]]:
    """`INSERT INTO table (columns) … tail` for many rows, inside the current transaction;
    `tail` is e.g. an ON CONFLICT clause and RETURNING, with `?` for `tail_args`. Columns
    are (name, PostgreSQL type) pairs. PostgreSQL gets one array per column
    (`SELECT * FROM unnest(…)`): one statement text whatever the number of rows, so its
    prepared plan is reused. SQLite gets multi-row VALUES lists. Returns the RETURNING rows."""
    engine = db()
    names = ", ".join(f'"{name}"' for name, _ in columns)
    head = f'INSERT INTO "{table}" ({names}) '
    out: list[dict[str, Any]] = []
    if isinstance(engine, SQLiteEngine):
        size = max(1, (_SQLITE_PARAMETERS - len(tail_args)) // len(columns))
        for start in range(0, len(rows), size):
            chunk = rows[start:start + size]
            statement = f"{head}VALUES {values(len(chunk), len(columns))} {tail}"
            out.extend(await fetch(statement, *[v for r in chunk for v in r],
                                   *tail_args))
        return out
    statement = f"{head}SELECT * FROM {unnest(columns)} {tail}"
    for start in range(0, len(rows), _PG_ROWS):
        out.extend(await fetch(statement, *arrays(columns, rows[start:start + _PG_ROWS]),
                               *tail_args))
    return out


_INTEGERS = ("integer", "smallint", "bigint")


def unnest(columns: Sequence[tuple[str, str]]) -> str:
    """`unnest(…)` of one array parameter per column (PostgreSQL), for `arrays`. Integer
    columns come as array literals (text): asyncpg checks every element of a list it
    encodes as an array against the abstract collection types, which made the encoding of
    the aggregates' wide integer rows a quarter of a submission worker's time; joining the
    digits costs about half as much on the client, and PostgreSQL reads the literal faster
    than the binary array too (benchmarks/README figures)."""
    return "unnest(" + ", ".join(
        f"?::text::{kind}[]" if kind in _INTEGERS else f"?::{kind}[]"
        for _, kind in columns) + ")"


def arrays(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> list[Any]:
    """The arguments of `unnest(columns)` for these rows."""
    out: list[Any] = []
    data = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    for (_, kind), column in zip(columns, data, strict=True):
        if kind in _INTEGERS:
            if None in column:
                out.append("{" + ",".join("NULL" if v is None else str(v) for v in column)
                           + "}")
            else:
                out.append("{" + ",".join(map(str, column)) + "}")
        else:
            out.append(list(column))
    return out

