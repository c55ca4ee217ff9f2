"""Database engine construction from a URL, and engine-specific start-up.

The engine is configured once: `piccolo_conf.DB`, built from `DATABASE_URL`, is the engine of
every table. Domain functions take no engine parameter; the few raw statements go through
`db()`, the tables' own engine."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import sqlite3
from typing import Any
from urllib.parse import unquote, urlparse

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from feedback.tables import Response

DEFAULT_SQLITE_PATH = "suara.db"

# Bounded waits on PostgreSQL: no request, batch or shutdown waits forever on a database that
# does not answer (seconds).
CONNECT_TIMEOUT = 5.0  # opening a connection
ACQUIRE_TIMEOUT = 10.0  # a connection from the pool (all busy, or each attempt refused)
ROLLBACK_TIMEOUT = 2.0  # a rollback or a release; past it the connection is discarded
CLOSE_TIMEOUT = 5.0  # closing the pool at shutdown; past it the connections are terminated
# Idle pooled connections are closed after this long: fewer stale connections after a
# network change, and a quiet worker gives its connections back to PostgreSQL.
IDLE_LIFETIME = 60.0

log = logging.getLogger("suara.db")


def engine_from_url(url: str) -> Engine:
    """Build a Piccolo engine from `DATABASE_URL` (empty: the default SQLite file)."""
    url = url.strip()
    if not url:
        return _sqlite(DEFAULT_SQLITE_PATH)
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql"):
        # Multi-row statements come in many sizes: keep every prepared form cached.
        return _PostgresEngine(config={"dsn": url, "statement_cache_size": 2000,
                                       "connection_class": _PooledConnection,
                                       "timeout": CONNECT_TIMEOUT})
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


class _Transaction(PostgresTransaction):
    """Piccolo's PostgreSQL transaction, safe when the connection is lost inside it.

    Piccolo's own `__aexit__` rolls back, then releases the connection, then resets the
    engine's "current transaction" context variable. When PostgreSQL restarts in the middle
    of a transaction the rollback raises ("the underlying connection is closed"): the
    connection was never released and the context variable kept pointing at the dead
    transaction. In a long-running task (the submission writer) every later `transaction()`
    then joined that dead transaction as a nested one, and every batch failed ("connection
    is closed", "released back to the pool") until the process restarted. A BEGIN that
    failed also kept its connection checked out, emptying the pool.

    Here, whatever happens: the context variable is reset, the connection goes back to the
    pool (terminated, so replaced, when it is broken or its rollback fails), and every wait is
    bounded. A lost connection also expires the pool's other connections, which went down
    with the same server."""

    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        self.transaction = self.connection.transaction()
        try:
            await self.begin()
        except BaseException as exc:
            await self._give_back(broken=True, cause=exc)
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def get_connection(self) -> Any:
        if self.engine.pool:
            return await self.engine.pool.acquire(timeout=ACQUIRE_TIMEOUT)
        return await self.engine.get_new_connection()

    async def __aexit__(self, exception_type, exception, traceback) -> bool:  # noqa: ANN001
        if self._parent:
            return exception is None
        broken: BaseException | None = None
        lost: Exception | None = None
        try:
            if exception is not None:
                if not self._rolled_back:
                    broken = await self._rollback_or_discard(exception)
                if isinstance(exception, Exception):
                    lost = self._lost(exception)
            elif not self._committed and not self._rolled_back:
                try:
                    await self.commit()
                except Exception as exc:  # unknown whether it committed: discard
                    broken, lost = exc, self._lost(exc)
                    if lost is exc:
                        raise
                    raise lost from exc
                except BaseException as exc:
                    broken = exc
                    raise
        finally:
            self.engine.current_transaction.reset(self.context)
            await self._give_back(broken=broken is not None, cause=broken)
        if lost is not None and lost is not exception:
            raise lost from exception
        return exception is None

    def _lost(self, exc: Exception) -> Exception:
        """A failure on a connection that died meanwhile (asyncpg may report the server's
        termination as a protocol state error) is a lost connection: ConnectionLost."""
        if is_unavailable(exc) or not _is_closed(self.connection):
            return exc
        return ConnectionLost(f"the database connection was lost ({type(exc).__name__}: {exc})")

    async def _rollback_or_discard(self, cause: BaseException) -> BaseException | None:
        """Roll back; when the connection is gone or the rollback fails or takes too long,
        the connection is to be discarded (returns why)."""
        if _is_closed(self.connection) or is_unavailable(cause):
            return cause
        try:
            await asyncio.wait_for(self.rollback(), ROLLBACK_TIMEOUT)
        except BaseException as exc:  # noqa: BLE001 - the connection is discarded below
            return exc
        return None

    async def _give_back(self, *, broken: bool, cause: BaseException | None) -> None:
        connection, pool = self.connection, self.engine.pool
        if broken:
            _terminate(connection)
            if pool is not None and cause is not None and is_unavailable(cause):
                await pool.expire_connections()  # the others went down with the same server
        try:
            if pool is not None:
                await pool.release(connection, timeout=ROLLBACK_TIMEOUT)
            elif not _is_closed(connection):
                await asyncio.wait_for(connection.close(), ROLLBACK_TIMEOUT)
        except Exception:  # noqa: BLE001 - asyncpg terminated it: a new one replaces it
            log.warning("a database connection was discarded")


def _is_closed(connection: Any) -> bool:
    """Closed, or already detached from the pool (asyncpg gives a pooled connection that the
    server closed back to the pool by itself; its proxy then refuses every call)."""
    try:
        return bool(connection.is_closed())
    except asyncpg.InterfaceError:
        return True


def _terminate(connection: Any) -> None:
    with contextlib.suppress(asyncpg.InterfaceError):  # already given back to the pool, closed
        connection.terminate()


class ConnectionLost(ConnectionError):
    """The database connection died during a statement or a transaction."""


class _PostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine with transactions that survive a lost connection."""

    def transaction(self, allow_nested: bool = True) -> _Transaction:
        return _Transaction(engine=self, allow_nested=allow_nested)


def is_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached or was lost (a restart, a refused or reset connection,
    a bounded wait that ran out): the request may succeed later (503), it is not a bug."""
    if isinstance(exc, asyncpg.PostgresConnectionError | asyncpg.CannotConnectNowError
                  | asyncpg.AdminShutdownError | asyncpg.CrashShutdownError
                  | asyncpg.TooManyConnectionsError | ConnectionError | TimeoutError
                  # a protocol state error: the server's termination message arrived mid-way
                  | asyncpg.InternalClientError):
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        text = str(exc)
        return "connection is closed" in text or "released back to the pool" in text
    if isinstance(exc, socket.gaierror):  # the database host's name does not resolve now
        return True
    if isinstance(exc, OSError):  # refused, unreachable; asyncio's "Multiple exceptions"
        text = str(exc)
        return (exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH,
                              errno.ETIMEDOUT, errno.ECONNRESET)
                or "Connect call failed" in text or text.startswith("Multiple exceptions"))
    return False


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
        await engine.start_connection_pool(
            min_size=2, max_size=10, max_inactive_connection_lifetime=IDLE_LIFETIME)
    else:
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def stop(engine: Engine) -> None:
    """Close the pool, waiting at most CLOSE_TIMEOUT for connections in use (a connection
    lost with the server may never be given back): then they are terminated."""
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        pool, engine.pool = engine.pool, None
        try:
            await asyncio.wait_for(pool.close(), CLOSE_TIMEOUT)
        except asyncio.CancelledError:
            pool.terminate()
            raise
        except Exception:  # noqa: BLE001 - e.g. a connection lost with the server
            log.warning("the database pool did not close in time: connections terminated")
            pool.terminate()


async def ping(engine: Engine, timeout: float = 2.0) -> bool:
    """Whether the database answers `SELECT 1` within `timeout` seconds."""
    try:
        await asyncio.wait_for(engine.run_ddl("SELECT 1"), timeout)
    except Exception as exc:  # noqa: BLE001
        if not (is_unavailable(exc) or isinstance(exc, asyncpg.PostgresError | sqlite3.Error)):
            raise
        return False
    return True


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
