"""The audit log is append-only: the database refuses UPDATE and DELETE on it (triggers,
created after the table of the 11:41 migration, because raw steps run before a migration's
table steps)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-11-30T11:41:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit log append-only triggers and index"

SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE INDEX audit_log_object ON audit_log (object_type, object_key)",
)
SQLITE_INDEXES = ("CREATE INDEX audit_log_object ON audit_log (object_type, object_key)",)


class _Raw(Table, tablename="migration"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def append_only():
        postgres = isinstance(_Raw._meta.db, PostgresEngine)
        for ddl in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS + SQLITE_INDEXES:
            await _Raw.raw(ddl)

    manager.add_raw(append_only)
    return manager
