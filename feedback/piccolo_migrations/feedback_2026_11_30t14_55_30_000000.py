"""Indexes of the alerts: open alerts by agency and unit (the staff count), deliveries due
(the sender), one delivery per alert and webhook."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T14:55:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "alerts indexes"

INDEXES = (
    "CREATE INDEX alert_open_unit ON alert (unit_id, acknowledged_at)",
    "CREATE INDEX alert_open_agency ON alert (agency_id, acknowledged_at)",
    "CREATE INDEX alert_delivery_due ON alert_delivery (state, next_at)",
    "CREATE UNIQUE INDEX alert_delivery_once ON alert_delivery (alert_id, webhook_id)",
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
