"""The comments checked for cases (`case_check`): classified once by the opening pass."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T17:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "comments checked for cases"


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
    ("response_id", Integer, _params(default=0, unique=True)),
    ("checked_at", Timestamptz, _params(default=TimestamptzNow())),
    ("reason", Varchar, _params(length=12, default=None, null=True)),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)
    manager.add_table(class_name="CaseCheck", tablename="case_check", schema=None,
                      columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="CaseCheck",
            tablename="case_check",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
