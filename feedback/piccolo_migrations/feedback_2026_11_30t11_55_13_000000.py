"""A partial index for reading a unit's comments newest first (feedback.comments.listing):
only responses with a comment are in it, so a page of comments walks the unit's comments,
never its other responses. Both engines support partial indexes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T11:55:13:000000"
VERSION = "1.38.0"
DESCRIPTION = "response_unit_comment: partial index of responses with a comment"

INDEX = ('CREATE INDEX response_unit_comment ON "response" ("unit", "submitted_at", "id") '
         'WHERE "comment" IS NOT NULL')


class _Raw(Table, tablename="migration"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def create_index():
        await _Raw.raw(INDEX)

    manager.add_raw(create_index)
    return manager
