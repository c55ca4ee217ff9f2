"""Database engine construction from a URL, and engine-specific start-up.

The engine is configured once: `piccolo_conf.DB`, built from `DATABASE_URL`, is the engine of
every table. Domain functions take no engine parameter; the few raw statements go through
`db()`, the tables' own engine."""

from __future__ import annotations

import sqlite3
from urllib.parse import unquote, urlparse

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from feedback.tables import Response

DEFAULT_SQLITE_PATH = "suara.db"


def engine_from_url(url: str) -> Engine:
    """Build a Piccolo engine from `DATABASE_URL` (empty: the default SQLite file)."""
    url = url.strip()
    if not url:
        return _sqlite(DEFAULT_SQLITE_PATH)
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql"):
        # Multi-row statements come in many sizes: keep every prepared form cached.
        return PostgresEngine(config={"dsn": url, "statement_cache_size": 2000,
                                      "connection_class": _PooledConnection})
    if parsed.scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute/path.db, as in SQLAlchemy.
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        if not path:
            raise ValueError(f"DATABASE_URL has no SQLite file path: {url!r}")
        return _sqlite(path)
    raise ValueError(f"DATABASE_URL must start with postgresql:// or sqlite:///, got {url!r}")


class _PooledConnection(asyncpg.Connection):
    """The application keeps no session state on a connection (no SET, LISTEN, advisory
    locks or open cursors), so a connection returning to the pool needs no reset query:
    one round trip less for every pooled query and transaction."""

    def get_reset_query(self) -> str:
        return ""


def _sqlite(path: str) -> SQLiteEngine:
    # timeout: wait for a concurrent writer instead of failing with "database is locked".
    return SQLiteEngine(path=path, timeout=30)


def db() -> Engine:
    """The configured engine (`piccolo_conf.DB`), the one the tables' queries use."""
    return Response._meta.db


def is_sqlite(engine: Engine | None = None) -> bool:
    return isinstance(engine if engine is not None else db(), SQLiteEngine)


async def start(engine: Engine) -> None:
    """Per-process start-up: WAL for SQLite, a connection pool for PostgreSQL."""
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=2, max_size=10)
    else:
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def stop(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()


def transaction(engine: Engine | None = None):
    """A write transaction on the configured engine (`engine` may still be given by callers
    that hold it, and must be that same engine). On SQLite it takes the write lock at BEGIN
    (IMMEDIATE), so two concurrent writers queue instead of failing when one upgrades from a
    read lock."""
    if engine is None:
        engine = db()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def is_integrity_error(exc: BaseException) -> bool:
    """Unique, foreign-key or check violation, on either engine."""
    return isinstance(exc, sqlite3.IntegrityError | asyncpg.IntegrityConstraintViolationError)
