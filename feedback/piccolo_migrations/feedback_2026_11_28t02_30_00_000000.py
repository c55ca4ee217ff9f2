"""Unique indexes for indicators (see the 02:10 migration for why these are indexes)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-28T02:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indicator unique indexes"

INDEXES = (
    'CREATE UNIQUE INDEX indicator_unit_code ON "indicator" ("unit", "code")',
    'CREATE UNIQUE INDEX indicator_value_period ON "indicator_value" ("indicator", "period")',
)


class _Raw(Table, tablename="migration"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def create_indexes():
        for ddl in INDEXES:
            await _Raw.raw(ddl)

    manager.add_raw(create_indexes)
    return manager
