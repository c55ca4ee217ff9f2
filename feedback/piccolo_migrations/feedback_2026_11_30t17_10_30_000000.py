"""Indexes of the cases: open cases by their clocks (the deadline sweep), events waiting for
the notifier."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T17:10:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "cases indexes"

INDEXES = (
    "CREATE INDEX case_file_clock ON case_file (status, verify_due)",
    "CREATE INDEX case_event_unnotified ON case_event (notified_at)",
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
