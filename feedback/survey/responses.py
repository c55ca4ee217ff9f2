"""Writing and finding responses in bulk: the one insert path shared by live submissions,
imports and the demo data (inside the caller's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
_LOOKUP_SQLITE = 1000
_LOOKUP_PG = 20_000


async def insert(records: Sequence[Sequence[Any]]) -> dict[str, int]:
    """Insert responses (value tuples in COLUMNS order). A row that clashes on a unique
    column (submission key, receipt) is skipped. Returns submission key → id of the rows
    stored."""
    rows = await sql.insert_rows("response", COLUMNS, records,
                                 'ON CONFLICT DO NOTHING RETURNING "id", "submission_key"')
    return {r["submission_key"]: r["id"] for r in rows}


async def find(keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Stored responses by submission key: receipt, submitted_at, verified."""
    found: dict[str, dict[str, Any]] = {}
    if is_sqlite():
        for start in range(0, len(keys), _LOOKUP_SQLITE):
            chunk = keys[start:start + _LOOKUP_SQLITE]
            rows = await sql.fetch(
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
            'SELECT r."submission_key", r."receipt", r."submitted_at", r."verified" '
            'FROM unnest(?::varchar[]) AS k("key") '
            'JOIN "response" AS r ON r."submission_key" = k."key"',
            list(keys[start:start + _LOOKUP_PG]),
        )
        found.update((r["submission_key"], r) for r in rows)
    return found
