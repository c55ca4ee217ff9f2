"""Test database selection: `TEST_DATABASE_URL` (e.g. postgresql://…/suara_test) or, unset,
a fresh SQLite file. The database is wiped and migrated once per session. When the URL names
PostgreSQL and the server cannot be reached, every database test errors (never skips)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="suara-test-"))
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP}/test.db"
os.environ["DATABASE_URL"] = TEST_DATABASE_URL
os.environ["SUARA_SECRET"] = "test-secret"

import pytest  # noqa: E402

from tests.support import reset_database, seed_small_org, wipe_rows  # noqa: E402


@pytest.fixture(scope="session")
async def db():
    """The migrated test engine (with the built-in questionnaire)."""
    from feedback import engine as dbengine
    from piccolo_conf import DB

    await reset_database(DB)
    await dbengine.start(DB)
    yield DB
    await dbengine.stop(DB)


@pytest.fixture
async def empty_db(db):
    """No organisation and no responses (the questionnaire stays)."""
    await wipe_rows()
    return db


@pytest.fixture
async def org(empty_db):
    """A small organisation: see tests.support.seed_small_org."""
    return await seed_small_org()


def pytest_report_header(config):
    return f"test database: {TEST_DATABASE_URL.split('@')[-1]}"


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` (e.g. the real server restart) do not apply to a SQLite run:
    deselected there, never skipped on PostgreSQL."""
    if TEST_DATABASE_URL.startswith(("postgres://", "postgresql://")):
        return
    off = [item for item in items if item.get_closest_marker("postgres")]
    if off:
        config.hook.pytest_deselected(items=off)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]
