"""Import sources: which file content each source (a file name, or `suara import --source`)
was last imported with, so that importing a corrected file supersedes the earlier one."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T11:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "import sources"


def _params(**params):
    return {
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **params,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)
    manager.add_table(class_name="ImportSource", tablename="import_source", schema=None,
                      columns=None)
    columns = (
        ("source", Varchar, _params(length=200, default="", null=False, unique=True)),
        ("digest", Varchar, _params(length=64, default="", null=False)),
        ("last_row", Integer, _params(default=0, null=False)),
        ("imported_at", Timestamptz, _params(default=TimestamptzNow(), null=False)),
    )
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="ImportSource",
            tablename="import_source",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
