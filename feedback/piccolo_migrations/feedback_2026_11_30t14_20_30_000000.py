"""Indexes of the integrity tables (created after the tables of the 14:20 migration,
because raw steps run before a migration's table steps): one served count per counter and
hour (unique), flags by counter and hour, and by scan."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T14:20:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "integrity indexes"

INDEXES = (
    "CREATE UNIQUE INDEX served_count_counter_hour ON served_count (counter, hour)",
    "CREATE INDEX integrity_flag_counter_hour ON integrity_flag (counter, hour)",
    "CREATE INDEX integrity_flag_scan ON integrity_flag (scan)",
)


class _Raw(Table, tablename="migration"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def indexes():
        for ddl in INDEXES:
            await _Raw.raw(ddl)

    manager.add_raw(indexes)
    return manager
