"""Served counts: how many transactions a counter served in a WITA clock hour, as its queue
system reports them. `import_served(path)` reads a CSV or XLSX file (columns `counter`,
`hour`, `served`) with the project's one reader and stores one count per (counter, hour),
replacing an earlier count of the same hour. Every bad row is reported with its reason, and
then nothing is written."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from os import PathLike
from pathlib import Path
from typing import Any

from feedback.clock import WITA
from feedback.engine import transaction
from feedback.ingest.reader import Rejection, read_table, shown
from feedback.integrity.tables import ServedCount
from feedback.tables import Counter

COLUMNS = ("counter", "hour", "served")
MAX_SERVED = 100_000  # per counter and hour: anything above is a typing error
_EARLIEST_YEAR = 2000


@dataclass
class ServedReport:
    path: str
    rows: int = 0
    stored: int = 0  # new counter-hours
    replaced: int = 0  # counter-hours that had a count already
    rejections: list[Rejection] = field(default_factory=list)


def parse_hour(value: Any, now: datetime) -> datetime | str:
    """The start of a WITA hour as aware UTC, or why the value is not one. Text is ISO 8601
    (`2026-11-30T09:00`, `2026-11-30 09:00+08:00`); without an offset it is WITA."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date) or value is None or not str(value).strip():
        return "missing: give the date and hour (e.g. 2026-11-30T09:00, WITA)"
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.removesuffix("WITA").rstrip())
        except ValueError:
            return (f"{shown(value)} is not an ISO 8601 date and hour "
                    "(e.g. 2026-11-30T09:00, WITA)")
        if len(text) <= 10:
            return f"{shown(value)} has no hour: give the date and hour (e.g. {text}T09:00)"
    if moment.year < _EARLIEST_YEAR:
        return f"{shown(value)} is before {_EARLIEST_YEAR}"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WITA)
    try:
        local = moment.astimezone(WITA)
    except OverflowError:
        return f"{shown(value)} is in the future"
    if local.minute or local.second or local.microsecond:
        return f"{shown(value)} is not the start of an hour (WITA): use e.g. " \
               f"{local.replace(minute=0, second=0, microsecond=0):%Y-%m-%dT%H:00}"
    moment = local.astimezone(UTC)
    if moment > now:
        return f"{shown(value)} is in the future"
    return moment


def parse_served(value: Any) -> int | str:
    text = "" if value is None else str(value).strip()
    if isinstance(value, float) and value.is_integer():
        return parse_served(int(value))
    if isinstance(value, bool) or not text:
        return "missing: give the number of transactions served (0 or more)"
    if not text.isascii() or not text.isdigit():
        return f"{shown(value)} is not a whole number of transactions (0 or more)"
    number = int(text)
    if number > MAX_SERVED:
        return f"{shown(value)} is more than {MAX_SERVED:,} in one hour"
    return number


def check_rows(path: str, records: list[tuple[int, dict[str, str]]],
               raw: Mapping[int, tuple[Any, ...]], hour_index: int,
               counters: Mapping[str, int], now: datetime
               ) -> tuple[dict[tuple[int, datetime], int], list[Rejection]]:
    """Valid counts by (counter id, hour) and the rejections, in row order."""
    by_upper = {code.upper(): cid for code, cid in counters.items()}
    valid: dict[tuple[int, datetime], int] = {}
    first_row: dict[tuple[int, datetime], int] = {}
    rejections: list[Rejection] = []
    for number, cells in records:
        problems: list[tuple[str, str]] = []
        code = cells["counter"]
        counter = by_upper.get(code.upper()) if code else None
        if not code:
            problems.append(("counter", "missing: give the counter code"))
        elif counter is None:
            problems.append(("counter", f"{shown(code)} is not a known counter code"))
        cell = raw[number][hour_index] if hour_index < len(raw[number]) else None
        hour = parse_hour(cell, now)
        if isinstance(hour, str):
            problems.append(("hour", hour))
        served = parse_served(cells["served"])
        if isinstance(served, str):
            problems.append(("served", served))
        if not problems and counter is not None and isinstance(hour, datetime):
            key = (counter, hour)
            if key in first_row:
                problems.append(("hour", f"{code} {hour.astimezone(WITA):%Y-%m-%d %H:00} "
                                         f"is given twice (also row {first_row[key]})"))
            else:
                first_row[key] = number
                valid[key] = int(served)
        rejections.extend(Rejection(path, number, column, reason)
                          for column, reason in problems)
    return valid, rejections


async def import_served(path: str | PathLike[str], *, source: str | None = None,
                        now: datetime | None = None) -> ServedReport:
    """Check every row, then (only when none is rejected) store the counts. Raises
    feedback.ingest.reader.ReadError for a file that cannot be read at all."""
    now = now if now is not None else datetime.now(UTC)
    sheet = read_table(path, COLUMNS)
    report = ServedReport(path=sheet.path, rows=len(sheet.rows))
    for number, cells in sheet.rows:
        for column, reason in sheet.shape_errors(cells):
            report.rejections.append(Rejection(sheet.path, number, column, reason))
    counters = {r["code"]: r["id"] for r in await Counter.select(Counter.id, Counter.code)}
    valid, rejections = check_rows(sheet.path, list(sheet.records()), dict(sheet.rows),
                                   sheet.index()["hour"], counters, now)
    report.rejections.extend(rejections)
    report.rejections.sort(key=lambda r: r.row)
    if report.rejections:
        return report
    source = source or Path(str(path)).name
    async with transaction():
        hours = [hour for _, hour in valid]
        existing: dict[tuple[int, datetime], int] = {}
        for r in await ServedCount.select(ServedCount.id, ServedCount.counter,
                                          ServedCount.hour).where(
                (ServedCount.hour >= min(hours)) & (ServedCount.hour <= max(hours))
                & ServedCount.counter.is_in(sorted({c for c, _ in valid}))):
            hour = r["hour"]
            if isinstance(hour, str):
                hour = datetime.fromisoformat(hour)
            hour = hour if hour.tzinfo else hour.replace(tzinfo=UTC)
            existing[(r["counter"], hour.astimezone(UTC))] = r["id"]
        new = []
        for key, served in valid.items():
            row_id = existing.get(key)
            if row_id is None:
                new.append(ServedCount(counter=key[0], hour=key[1], served=served,
                                       source=source, updated_at=now))
            else:
                await ServedCount.update({ServedCount.served: served,
                                          ServedCount.source: source,
                                          ServedCount.updated_at: now}).where(
                    ServedCount.id == row_id)
                report.replaced += 1
        for start in range(0, len(new), 500):
            await ServedCount.insert(*new[start:start + 500])
        report.stored = len(new)
    return report


# ---------------------------------------------------------------------------- the API

_API_KEY_LABEL = b"suara served-count api key v1:"


def api_key(secret_hex: str, counter_code: str) -> str:
    """The counter's key for `POST /api/v1/counters/{code}/served`, derived from the secret
    its queue machine already holds (a new counter secret gives a new key)."""
    return hmac.new(bytes.fromhex(secret_hex), _API_KEY_LABEL + counter_code.encode(),
                    hashlib.sha256).hexdigest()[:40]


def key_matches(secret_hex: str, counter_code: str, given: str) -> bool:
    return hmac.compare_digest(api_key(secret_hex, counter_code).encode(),
                               given.encode("utf-8", "surrogatepass"))


async def counter_for_key(code: str) -> dict[str, Any] | None:
    """The counter (id, code, secret) with that code, or None."""
    rows = await Counter.select(Counter.id, Counter.code, Counter.secret).where(
        Counter.code == code)
    return rows[0] if rows else None


async def store_served(counter_id: int, hour: datetime, served: int, *, source: str,
                       now: datetime) -> bool:
    """Store (or replace) one counter-hour's count; True when it replaced one. A concurrent
    store of the same counter-hour may raise an integrity error (send again)."""
    async with transaction():
        existing = await ServedCount.select(ServedCount.id).where(
            (ServedCount.counter == counter_id) & (ServedCount.hour == hour))
        if existing:
            await ServedCount.update({ServedCount.served: served, ServedCount.source: source,
                                      ServedCount.updated_at: now}).where(
                ServedCount.id == existing[0]["id"])
            return True
        await ServedCount.insert(ServedCount(counter=counter_id, hour=hour, served=served,
                                             source=source, updated_at=now))
        return False
