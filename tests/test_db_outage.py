"""The database going away: connections lost in the middle of the writer's transaction
(PostgreSQL: the backend is terminated), submissions while the database does not answer
(503 with Retry-After, the form keeps the answers and its key), /health telling the truth,
bounded shutdown. The real server restart under load is tests/test_db_restart.py."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime

import asyncpg
import pytest

from feedback import engine as dbengine
from feedback.org.counters import load_counter
from feedback.survey import outcomes
from feedback.survey import submit as submission
from feedback.survey.validate import validate
from feedback.survey.writer import Writer
from feedback.tables import Response
from tests.conftest import TEST_DATABASE_URL
from tests.support import FULL, make_client

on_postgres = pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgres"),
                                 reason="a PostgreSQL backend to terminate")


def _pending(counter, key: str) -> submission.Pending:
    return submission.Pending(counter=counter, draft=validate(counter, FULL), channel="kiosk",
                              lang="id", submission_key=key, now=datetime.now(UTC))


@on_postgres
async def test_writer_recovers_when_its_connection_dies_inside_the_transaction(org,
                                                                               monkeypatch):
    """Before the fix: the rollback on the closed connection raised, Piccolo's transaction
    left itself as the writer task's current transaction, and every later batch of that task
    ran on the dead connection ("connection is closed") until the app was restarted."""
    counter = await load_counter(org.kiosk)
    real_apply = submission.aggregates.apply
    killed = []

    async def apply_then_die(deltas):
        await real_apply(deltas)
        if not killed:  # the first batch loses its connection before COMMIT
            killed.append(True)
            await dbengine.db().run_ddl("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(submission.aggregates, "apply", apply_then_die)
    writer = Writer(submission.Policy(), tasks=1)
    try:
        first = await writer.submit(_pending(counter, "lost-00001"))
        assert isinstance(first, outcomes.Unavailable) and first.retry_after > 0
        later = [await asyncio.wait_for(writer.submit(_pending(counter, f"after-{i:05d}")), 10)
                 for i in range(5)]
        again = await writer.submit(_pending(counter, "lost-00001"))
    finally:
        await writer.close()
    assert all(isinstance(o, outcomes.Stored) for o in later), later
    assert isinstance(again, outcomes.Stored)  # the lost batch was rolled back
    assert await Response.count() == 6
    # No connection of the pool is left checked out.
    pool = dbengine.db().pool
    assert pool.get_size() - pool.get_idle_size() == 0


@on_postgres
async def test_failed_begin_returns_the_connection_to_the_pool(org, monkeypatch):
    """A transaction whose BEGIN fails (the connection died while idle in the pool) must
    still give its connection back, or the pool empties and every request hangs."""
    from asyncpg.transaction import Transaction

    real_start, fails = Transaction.start, [3]

    async def start(self):
        if fails[0]:
            fails[0] -= 1
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")
        return await real_start(self)

    monkeypatch.setattr(Transaction, "start", start)
    pool = dbengine.db().pool
    for _ in range(3):
        with pytest.raises(asyncpg.exceptions.ConnectionDoesNotExistError):
            async with dbengine.transaction():
                pass
    assert pool.get_size() - pool.get_idle_size() == 0
    async with dbengine.transaction():
        assert await Response.count() == 0


@on_postgres
async def test_commit_failing_on_a_dying_connection_is_unavailable(org, monkeypatch):
    """Seen in the restart test: the server's termination message arrived during COMMIT and
    asyncpg raised InternalClientError ("cannot switch to state 15"), answered 500. Whether
    that COMMIT happened is unknown: 503, and the same key sent again is stored once."""
    from asyncpg.transaction import Transaction

    counter = await load_counter(org.kiosk)
    real_commit, real_start, broken = Transaction.commit, Transaction.start, []

    async def commit(self):
        if not broken:
            broken.append("commit")
            await real_commit(self)  # committed, but the client never hears it
            self._connection.terminate()
            raise asyncpg.InternalClientError(
                "cannot switch to state 15; another operation (2) is in progress")
        return await real_commit(self)

    async def start(self):  # the server is still down for the next attempt
        if broken == ["commit"]:
            broken.append("start")
            raise asyncpg.CannotConnectNowError("the database system is starting up")
        return await real_start(self)

    monkeypatch.setattr(Transaction, "commit", commit)
    monkeypatch.setattr(Transaction, "start", start)
    writer = Writer(submission.Policy(), tasks=1)
    try:
        first = await writer.submit(_pending(counter, "commit-lost-1"))
        tries = [await writer.submit(_pending(counter, "commit-lost-1")) for _ in range(2)]
    finally:
        await writer.close()
    assert isinstance(first, outcomes.Unavailable)
    assert isinstance(tries[0], outcomes.Unavailable)  # still starting up
    assert isinstance(tries[1], outcomes.Duplicate)  # the client's retry: the first receipt
    assert await Response.count() == 1


class _Down:
    """Every store fails as when PostgreSQL is restarting."""

    def __init__(self):
        self.calls = 0

    async def __call__(self, items, policy):
        self.calls += 1
        raise asyncpg.exceptions.CannotConnectNowError("the database system is shutting down")


async def test_writer_answers_unavailable_and_keeps_running(org, monkeypatch):
    counter = await load_counter(org.kiosk)
    down = _Down()
    monkeypatch.setattr("feedback.survey.writer.store_batch", down)
    writer = Writer(submission.Policy(), tasks=1)
    try:
        out = await asyncio.gather(*[writer.submit(_pending(counter, f"down-{i:05d}"))
                                     for i in range(5)])
        assert all(isinstance(o, outcomes.Unavailable) for o in out)
        assert writer.state() == "running"
    finally:
        started = time.monotonic()
        await writer.close()
        assert time.monotonic() - started < 2
    assert outcomes.status_of(out[0]) == (503, "unavailable")
    assert outcomes.retry_after(out[0]) == out[0].retry_after


async def test_writer_task_that_dies_is_restarted(org, monkeypatch):
    counter = await load_counter(org.kiosk)
    writer = Writer(submission.Policy(), tasks=1)
    try:
        assert isinstance(await writer.submit(_pending(counter, "alive-0001")), outcomes.Stored)
        for task in writer._workers:  # e.g. killed by a bug
            task.cancel()
        await asyncio.sleep(0.01)
        out = await asyncio.wait_for(writer.submit(_pending(counter, "alive-0002")), 10)
        assert isinstance(out, outcomes.Stored) and writer.state() == "running"
    finally:
        await writer.close()


async def test_api_submission_while_the_database_is_down_is_503(org, monkeypatch):
    monkeypatch.setattr("feedback.survey.writer.store_batch", _Down())
    async with make_client() as client:
        r = await client.post("/api/v1/responses", headers={"accept-language": "en"},
                              json={"counter": org.kiosk, "answers": FULL,
                                    "idempotency_key": "api-down-0001"})
    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) > 0
    assert r.json()["error"] == "unavailable"
    assert "saved" in r.json()["message"]


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_form_while_the_database_is_down_keeps_answers_and_key(org, monkeypatch, lang):
    async with make_client() as client:
        page = await client.get(f"/s/{org.counter}?lang={lang}")
        key = re.search(r'name="key" value="([^"]+)"', page.text).group(1)
        monkeypatch.setattr("feedback.survey.writer.store_batch", _Down())
        form = {"key": key, "lang": lang, "comment": "antri lama", **{
            code: str(v) for code, v in FULL.items()}}
        r = await client.post(f"/s/{org.counter}", data=form)
        assert r.status_code == 503
        assert int(r.headers["retry-after"]) > 0
        assert f'name="key" value="{key}"' in r.text
        assert "antri lama" in r.text
        for code, value in FULL.items():
            assert re.search(rf'name="{code}" value="{value}"[^>]*checked', r.text), code
        text = ("Layanan sedang tidak dapat menyimpan" if lang == "id"
                else "cannot save ratings right now")
        assert text in r.text
        monkeypatch.undo()
        # Sending the same page again stores it exactly once.
        ok = await client.post(f"/s/{org.counter}", data=form)
        again = await client.post(f"/s/{org.counter}", data=form)
    assert ok.status_code == again.status_code == 303
    assert ok.headers["location"] == again.headers["location"]
    assert await Response.count() == 1


async def test_form_with_no_counter_known_while_down_keeps_the_answers(org, monkeypatch):
    """Nothing cached about the counter and the database down: still a 503 page that sends
    the same answers and key again."""
    from feedback.org import counters

    async def down(code):
        raise OSError(111, "Connection refused")

    counters.clear_counter_cache()
    monkeypatch.setattr(counters, "_fetch_counter", down)
    form = {"key": "the-key-0001", "lang": "id", **{c: str(v) for c, v in FULL.items()}}
    async with make_client() as client:
        r = await client.post(f"/s/{org.counter}", data=form)
    assert r.status_code == 503 and int(r.headers["retry-after"]) > 0
    assert 'name="key" value="the-key-0001"' in r.text
    for code, value in FULL.items():
        assert f'name="{code}" value="{value}"' in r.text
    assert f'action="/s/{org.counter}"' in r.text


async def test_pages_and_api_answer_503_when_the_database_is_down(org, monkeypatch):
    from feedback.org import directory

    async def down(*args, **kwargs):
        raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")

    monkeypatch.setattr(directory, "load", down)
    async with make_client() as client:
        page = await client.get("/?lang=en")
        api = await client.get("/api/v1/units")
    assert page.status_code == 503 and "text/html" in page.headers["content-type"]
    assert "Please try again" in page.text and int(page.headers["retry-after"]) > 0
    assert api.status_code == 503 and api.json()["error"] == "unavailable"
    assert int(api.headers["retry-after"]) > 0


async def test_health_reports_database_and_writer(org):
    async with make_client() as client:
        r = await client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "up", "writer": "idle"}


@pytest.mark.filterwarnings("ignore:.*Unable to connect to database")
async def test_health_is_503_when_the_database_does_not_answer(org):
    import httpx
    from piccolo.engine.postgres import PostgresEngine

    from app.settings import Settings
    from app.web.main import create_app

    nowhere = PostgresEngine(config={"dsn": "postgresql://u:p@127.0.0.1:9/nowhere"})
    app = create_app(Settings(secret="test-secret"), engine=nowhere, manage_engine=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver.local") as client:
        started = time.monotonic()
        r = await client.get("/health")
    assert time.monotonic() - started < 5
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable" and r.json()["database"] == "down"


@pytest.mark.parametrize(("exc", "unavailable"), [
    (ConnectionRefusedError(111, "Connection refused"), True),
    (OSError("Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432, 0, 0)"), True),
    (TimeoutError(), True),
    (asyncpg.CannotConnectNowError("the database system is starting up"), True),
    (asyncpg.AdminShutdownError("terminating connection due to administrator command"), True),
    (asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
     True),
    (asyncpg.InterfaceError("cannot call Transaction.rollback(): the underlying connection is "
                            "closed"), True),
    (dbengine.ConnectionLost("lost"), True),
    (FileNotFoundError(2, "No such file"), False),
    (ValueError("bug"), False),
    (asyncpg.UniqueViolationError("duplicate key"), False),
    (asyncpg.InterfaceError("cannot use Connection.transaction() in a manually started "
                            "transaction"), False),
])
def test_which_errors_mean_the_database_is_unavailable(exc, unavailable):
    assert dbengine.is_unavailable(exc) is unavailable


async def test_staff_page_while_the_database_is_down_is_503(org, monkeypatch):
    from feedback.accounts import users
    from tests.staff_support import make_all_roles, signed_in_as

    await make_all_roles()
    async with make_client() as client:
        await signed_in_as(client, "admin")

        async def down(*args, **kwargs):
            raise ConnectionRefusedError(111, "Connection refused")

        monkeypatch.setattr(users, "get_user", down)
        r = await client.get("/staf/kota?lang=en")
    assert r.status_code == 503 and "text/html" in r.headers["content-type"]
    assert "temporarily unavailable" in r.text and int(r.headers["retry-after"]) > 0
