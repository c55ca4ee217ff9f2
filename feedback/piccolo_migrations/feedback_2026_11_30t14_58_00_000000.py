"""The scheduled integrity scan's lease (`integrity_lease`): one row per job, taken by one
worker at a time."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T14:58:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "integrity scan lease"


def _params(**params):
    return {
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        "null": False,
        **params,
    }


COLUMNS = (
    ("name", Varchar, _params(length=40, default="", unique=True)),
    ("holder", Varchar, _params(length=100, default="")),
    ("expires_at", Timestamptz, _params(default=TimestamptzNow())),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)
    manager.add_table(class_name="IntegrityLease", tablename="integrity_lease", schema=None,
                      columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name="IntegrityLease", tablename="integrity_lease",
                           column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class,
                           params=params, schema=None)
    return manager
