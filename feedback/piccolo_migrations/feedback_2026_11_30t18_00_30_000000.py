"""Follow-up plans: one plan per unit and period (a unique index: a second plan for the same
unit and period is an integrity error, which the workflow answers with 409)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T18:00:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "follow-up plan per unit and period"

INDEXES = (
    "CREATE UNIQUE INDEX follow_up_plan_unit_period ON follow_up_plan (unit_id, period)",
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
