"""Limit counters are ephemeral: on PostgreSQL keep them in UNLOGGED tables, so counting a
request does not wait for a WAL flush (after a crash the counters simply start again)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-11-28T02:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unlogged limit tables on PostgreSQL"


class _Raw(Table, tablename="migration"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def unlogged():
        if isinstance(_Raw._meta.db, PostgresEngine):
            await _Raw.raw('ALTER TABLE "rate_window" SET UNLOGGED')
            await _Raw.raw('ALTER TABLE "device_seen" SET UNLOGGED')

    manager.add_raw(unlogged)
    return manager
