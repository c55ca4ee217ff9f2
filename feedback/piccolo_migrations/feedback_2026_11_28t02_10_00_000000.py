"""Composite indexes. SQLite cannot ALTER TABLE ... ADD CONSTRAINT, so composite
uniqueness is a unique index, which both engines support and ON CONFLICT can target."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-28T02:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite indexes"

INDEXES = (
    'CREATE UNIQUE INDEX service_unit_code ON "service" ("unit", "code")',
    'CREATE UNIQUE INDEX questionnaire_code_version ON "questionnaire" ("code", "version")',
    'CREATE UNIQUE INDEX unit_day_stats_unit_day ON "unit_day_stats" ("unit", "day")',
    'CREATE UNIQUE INDEX unit_day_score_key ON "unit_day_score" ("unit", "day", "answered", "total")',
    'CREATE INDEX response_unit_submitted ON "response" ("unit", "submitted_at")',
    'CREATE INDEX ticket_token_counter ON "ticket_token" ("counter")',
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
