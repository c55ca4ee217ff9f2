"""The integrity decisions are append-only: the database refuses UPDATE and DELETE on
`integrity_decision` (triggers, created after the table of the 14:41 migration, because raw
steps run before a migration's table steps)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-11-30T14:41:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "integrity decisions append-only"

SQLITE_TRIGGERS = (
    "CREATE TRIGGER integrity_decision_no_update BEFORE UPDATE ON integrity_decision "
    "BEGIN SELECT RAISE(ABORT, 'integrity_decision is append-only'); END",
    "CREATE TRIGGER integrity_decision_no_delete BEFORE DELETE ON integrity_decision "
    "BEGIN SELECT RAISE(ABORT, 'integrity_decision is append-only'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE FUNCTION integrity_decision_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'integrity_decision is append-only'; END $$",
    "CREATE TRIGGER integrity_decision_append_only BEFORE UPDATE OR DELETE ON "
    "integrity_decision FOR EACH ROW EXECUTE FUNCTION integrity_decision_append_only()",
)


class _Raw(Table, tablename="migration"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def append_only():
        postgres = isinstance(_Raw._meta.db, PostgresEngine)
        for ddl in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS:
            await _Raw.raw(ddl)

    manager.add_raw(append_only)
    return manager
