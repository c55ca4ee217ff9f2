"""Writing and finding responses in bulk: the one insert path shared by live submissions,
imports and the demo data (inside the caller's transaction)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from feedback import sql
from feedback.engine import is_sqlite
from feedback.survey import receipts
from scoring.ikm import is_counted

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
RECEIPT_AT = [name for name, _ in COLUMNS].index("receipt")
KEY_AT = [name for name, _ in COLUMNS].index("submission_key")
RECEIPT_ATTEMPTS = 5  # a clash even twice in a row is already very unlikely
_LOOKUP_SQLITE = 1000
# Stored responses by an array of submission keys (PostgreSQL), for `find`. A join on an
# array keeps to the unique index even when the statistics are stale (just after a large
# import), where `IN (…)` was planned as a sequential scan.
FIND_PG = ('SELECT r."submission_key", r."receipt", r."submitted_at", r."verified" '
           'FROM unnest(?::varchar[]) AS k("key") '
           'JOIN "response" AS r ON r."submission_key" = k."key"')
_LOOKUP_PG = 20_000


def row(
    *,
    counter_id: int,
    unit_id: int,
    questionnaire_id: int,
    service_id: int | None,
    answers: Mapping[str, int],
    channel: str,
    lang: str,
    submitted_at: datetime,
    receipt: str,
    submission_key: str,
    gender: str | None = None,
    age_band: str | None = None,
    education: str | None = None,
    occupation: str | None = None,
    comment: str | None = None,
    verified: bool = False,
    token: str | None = None,
    device_hash: str | None = None,
) -> tuple[Any, ...]:
    """A response as a value tuple in COLUMNS order: the one encoding used by live
    submissions, imports and the demo data. `answers` holds the answered elements only;
    `answered` and `counted` (the 7-of-9 rule) derive from it."""
    return (
        counter_id, unit_id, questionnaire_id, service_id, json.dumps(answers), len(answers),
        is_counted(answers), gender, age_band, education, occupation, comment, channel, lang,
        submitted_at, receipt, submission_key, verified, token, device_hash, "[]", False,
    )


async def store(records: Sequence[Sequence[Any]]) -> dict[str, tuple[int, str]]:
    """Insert responses (value tuples in COLUMNS order, each with a fresh receipt code) inside
    the caller's transaction, so that every stored response has a unique receipt: a row whose
    receipt clashes with a stored response gets a new code and is inserted again (at most
    RECEIPT_ATTEMPTS times in all). A row whose submission key is already stored (by another
    worker) is skipped. Returns submission key → (id, receipt) of the rows stored; a row left
    out of it was either stored before or, after RECEIPT_ATTEMPTS clashes, not at all."""
    out: dict[str, tuple[int, str]] = {}
    pending = list(records)
    for attempt in range(RECEIPT_ATTEMPTS):
        ids = await insert(pending)
        out.update((r[KEY_AT], (ids[r[KEY_AT]], r[RECEIPT_AT]))
                   for r in pending if r[KEY_AT] in ids)
        left = [r for r in pending if r[KEY_AT] not in ids]
        if not left:
            break
        elsewhere = await find([r[KEY_AT] for r in left])
        left = [r for r in left if r[KEY_AT] not in elsewhere]  # receipt clashes
        if not left or attempt == RECEIPT_ATTEMPTS - 1:
            break
        codes = receipts.new_receipts(len(left))
        pending = [(*r[:RECEIPT_AT], code, *r[RECEIPT_AT + 1:])
                   for r, code in zip(left, codes, strict=True)]
    return out


async def insert(records: Sequence[Sequence[Any]]) -> dict[str, int]:
    """Insert responses (value tuples in COLUMNS order). A row that clashes on a unique
    column (submission key, receipt) is skipped. Returns submission key → id of the rows
    stored. Use `store` to have receipt clashes retried."""
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
    for start in range(0, len(keys), _LOOKUP_PG):
        rows = await sql.fetch(FIND_PG, list(keys[start:start + _LOOKUP_PG]))
        found.update((r["submission_key"], r) for r in rows)
    return found
