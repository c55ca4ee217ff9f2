"""Published snapshots never change: the database refuses UPDATE and DELETE on
`score_snapshot`, and a period has each version once (unique index). Created after the
tables of the 14:00 migration, because raw steps run before a migration's table steps."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-11-30T14:00:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "score snapshots append-only, unique period versions"

INDEXES = (
    "CREATE UNIQUE INDEX score_snapshot_period_version ON score_snapshot (period, version)",
    "CREATE INDEX period_unlock_period ON period_unlock (period, snapshot_id)",
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER score_snapshot_no_update BEFORE UPDATE ON score_snapshot "
    "BEGIN SELECT RAISE(ABORT, 'score_snapshot is append-only'); END",
    "CREATE TRIGGER score_snapshot_no_delete BEFORE DELETE ON score_snapshot "
    "BEGIN SELECT RAISE(ABORT, 'score_snapshot is append-only'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE FUNCTION score_snapshot_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'score_snapshot is append-only'; END $$",
    "CREATE TRIGGER score_snapshot_append_only BEFORE UPDATE OR DELETE ON score_snapshot "
    "FOR EACH ROW EXECUTE FUNCTION score_snapshot_append_only()",
)


class _Raw(Table, tablename="migration"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def append_only():
        postgres = isinstance(_Raw._meta.db, PostgresEngine)
        for ddl in INDEXES + (POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS):
            await _Raw.raw(ddl)

    manager.add_raw(append_only)
    return manager
