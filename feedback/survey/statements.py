"""The submission batch's statements, combined on PostgreSQL (inside the caller's
transaction).

A batch needs, in order: the submission keys already stored, the network rate windows of
the others, the device marks of those that passed, the insert of those allowed, the
aggregates. Every decision stays in `feedback.survey.submit`; this module only says how the
statements reach the database. On PostgreSQL two pairs go as one statement each (a
data-modifying WITH query feeding the next part through RETURNING), so a batch costs
BEGIN, `stored_and_rate`, `mark_and_insert`, the aggregates (one statement,
`feedback.aggregates.daily.apply`) and COMMIT: five round trips instead of ten. On SQLite
(one process writes at a time, no round trips) the same steps run one by one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from feedback import sql
from feedback.clock import aware
from feedback.engine import is_sqlite
from feedback.survey import limits, responses
from feedback.survey.receipts import Receipt, find_receipts

_STORED_AND_RATE = (
    f'WITH "known" AS ({responses.FIND_PG}), '
    '"hits" AS (INSERT INTO "rate_window" ("key", "window", "hits") '
    'SELECT b."rate", ?::integer, count(*)::integer '
    'FROM unnest(?::varchar[], ?::varchar[]) AS b("key", "rate") '
    'WHERE b."rate" IS NOT NULL AND b."key" NOT IN (SELECT "submission_key" FROM "known") '
    f'GROUP BY b."rate" ORDER BY b."rate" {limits.RATE_UPSERT}) '
    'SELECT "submission_key" AS "key", "receipt", "submitted_at", "verified", '
    'NULL::integer AS "hits" FROM "known" '
    'UNION ALL SELECT "key", NULL, NULL, NULL, "hits" FROM "hits"'
)


async def stored_and_rate(keys: Sequence[str], rate_keys: Sequence[str | None],
                          now: datetime, window_seconds: int
                          ) -> tuple[dict[str, Receipt], dict[str, int]]:
    """The receipts of the keys already stored, and each network's total in its current
    rate window after adding one request per submission that is not stored yet (`keys[i]`
    sent from `rate_keys[i]`, None: not limited). Keys are distinct."""
    if is_sqlite():
        known = await find_receipts(list(keys))
        counts: dict[str, int] = {}
        for key, rate in zip(keys, rate_keys, strict=True):
            if rate is not None and key not in known:
                counts[rate] = counts.get(rate, 0) + 1
        return known, await limits.rate_hits(counts, now, window_seconds)
    rows = await sql.fetch(_STORED_AND_RATE, list(keys),
                           int(now.timestamp()) // window_seconds, list(keys), list(rate_keys))
    known, totals = {}, {}
    for r in rows:
        if r["hits"] is None:
            known[r["key"]] = Receipt(r["receipt"], aware(r["submitted_at"]),
                                      bool(r["verified"]), True)
        else:
            totals[r["key"]] = r["hits"]
    return known, totals


def _mark_and_insert_sql() -> str:
    names = ", ".join(f'"{name}"' for name, _ in responses.COLUMNS)
    rows = sql.unnest((*responses.COLUMNS, ("mark", "varchar")))
    return (
        'WITH "marks" AS (INSERT INTO "device_seen" ("key", "last_at") '
        f'SELECT * FROM unnest(?::varchar[], ?::timestamptz[]) {limits.DEVICE_UPSERT}), '
        f'"stored" AS (INSERT INTO "response" ({names}) SELECT {names} '
        f'FROM {rows} AS t({names}, "mark") '
        'WHERE t."mark" IS NULL OR t."mark" IN (SELECT "key" FROM "marks") '
        'ON CONFLICT DO NOTHING RETURNING "id", "submission_key") '
        'SELECT "key", NULL::bigint AS "id" FROM "marks" '
        'UNION ALL SELECT "submission_key", "id" FROM "stored"'
    )


_MARK_AND_INSERT = _mark_and_insert_sql()


async def mark_and_insert(records: Sequence[Sequence[Any]], marks: Sequence[str | None],
                          now: datetime, interval: timedelta
                          ) -> tuple[set[str], dict[str, tuple[int, str]]]:
    """Take the device marks (`limits.device_marks`: distinct, None for a record without
    one) and store the records (value tuples in `responses.COLUMNS` order) whose mark was
    allowed or who have none (`responses.store`: receipt clashes retried, keys stored
    meanwhile skipped). Returns the marks allowed and submission key → (id, receipt) of the
    records stored."""
    wanted = sorted(m for m in marks if m is not None)
    if is_sqlite():
        allowed = await limits.device_marks(wanted, now, interval)
        keep = [r for r, m in zip(records, marks, strict=True) if m is None or m in allowed]
        return allowed, (await responses.store(keep) if keep else {})
    rows = await sql.fetch(_MARK_AND_INSERT, wanted, [now] * len(wanted), now - interval,
                           *sql.arrays((*responses.COLUMNS, ("mark", "varchar")),
                                       [(*r, m) for r, m in zip(records, marks, strict=True)]))
    allowed = {r["key"] for r in rows if r["id"] is None}
    ids = {r["key"]: r["id"] for r in rows if r["id"] is not None}
    stored: dict[str, tuple[int, str]] = {}
    left = []
    for record, mark in zip(records, marks, strict=True):
        key = record[responses.KEY_AT]
        if key in ids:
            stored[key] = (ids[key], record[responses.RECEIPT_AT])
        elif mark is None or mark in allowed:
            left.append(record)  # a receipt clash, or stored meanwhile by another worker
    if left:
        stored.update(await responses.store(left))
    return allowed, stored
