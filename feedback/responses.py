"""Writing and finding responses in bulk: the one insert path shared by live submissions,
imports and the demo data (inside the caller's transaction).

PostgreSQL gets one array per column (`INSERT … SELECT * FROM unnest(…)`): one statement
text whatever the number of rows, so its prepared plan is reused, and far fewer parameters.
SQLite gets multi-row VALUES lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from piccolo.engine.base import Engine

from feedback import sql
from feedback.engine import is_sqlite

# Column and PostgreSQL array type, in the order of the value tuples. `answers` and `flags`
# are JSON text.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("counter", "integer"), ("unit", "integer"), ("questionnaire", "integer"),
    ("service", "integer"), ("answers", "jsonb"), ("answered", "smallint"),
    ("counted", "boolean"), ("gender", "varchar"), ("age_band", "varchar"),
    ("education", "varchar"), ("occupation", "varchar"), ("comment", "text"),
    ("channel", "varchar"), ("lang", "varchar"), ("submitted_at", "timestamptz"),
    ("receipt", "varchar"), ("submission_key", "varchar"), ("verified", "boolean"),
    ("token", "varchar"), ("device_hash", "varchar"), ("flags", "jsonb"),
    ("excluded", "boolean"),
)
_NAMES = ", ".join(f'"{name}"' for name, _ in COLUMNS)
_RETURNING = 'ON CONFLICT DO NOTHING RETURNING "id", "submission_key"'
_INSERT_PG = (
    f'INSERT INTO "response" ({_NAMES}) SELECT * FROM unnest('
    + ", ".join(f"?::{kind}[]" for _, kind in COLUMNS) + f") {_RETURNING}"
)
_SQLITE_ROWS = 1000  # 22,000 parameters a statement, within SQLite's limit
_PG_ROWS = 5000
_LOOKUP_SQLITE = 1000
_LOOKUP_PG = 20_000


def _insert_sqlite(rows: int) -> str:
    return f'INSERT INTO "response" ({_NAMES}) VALUES {sql.values(rows, len(COLUMNS))} {_RETURNING}'


async def insert(engine: Engine, records: Sequence[Sequence[Any]]) -> dict[str, int]:
    """Insert responses (value tuples in COLUMNS order). A row that clashes on a unique
    column (submission key, receipt) is skipped. Returns submission key → id of the rows
    stored."""
    stored: dict[str, int] = {}
    sqlite = is_sqlite(engine)
    size = _SQLITE_ROWS if sqlite else _PG_ROWS
    for start in range(0, len(records), size):
        chunk = records[start:start + size]
        if sqlite:
            rows = await sql.fetch(engine, _insert_sqlite(len(chunk)),
                                   *[v for record in chunk for v in record])
        else:
            rows = await sql.fetch(engine, _INSERT_PG,
                                   *[list(column) for column in zip(*chunk, strict=True)])
        stored.update((r["submission_key"], r["id"]) for r in rows)
    return stored


async def find(engine: Engine, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Stored responses by submission key: receipt, submitted_at, verified."""
    found: dict[str, dict[str, Any]] = {}
    if is_sqlite(engine):
        for start in range(0, len(keys), _LOOKUP_SQLITE):
            chunk = keys[start:start + _LOOKUP_SQLITE]
            rows = await sql.fetch(
                engine,
                'SELECT "submission_key", "receipt", "submitted_at", "verified" '
                f'FROM "response" WHERE "submission_key" IN ({", ".join("?" * len(chunk))})',
                *chunk,
            )
            found.update((r["submission_key"], r) for r in rows)
        return found
    # A join on an array keeps to the unique index even when the statistics are stale (just
    # after a large import), where `IN (…)` was planned as a sequential scan.
    for start in range(0, len(keys), _LOOKUP_PG):
        rows = await sql.fetch(
            engine,
            'SELECT r."submission_key", r."receipt", r."submitted_at", r."verified" '
            'FROM unnest(?::varchar[]) AS k("key") '
            'JOIN "response" AS r ON r."submission_key" = k."key"',
            list(keys[start:start + _LOOKUP_PG]),
        )
        found.update((r["submission_key"], r) for r in rows)
    return found
