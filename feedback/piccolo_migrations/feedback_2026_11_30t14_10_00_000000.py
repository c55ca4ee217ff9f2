"""The city's thresholds of the advisory organisational predicate
(`predicate_thresholds`, append-only; `replaces` unique)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import DoublePrecision, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T14:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "predicate thresholds set by the city"


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
    ("istimewa", DoublePrecision, _params(default=0.0)),
    ("baik", DoublePrecision, _params(default=0.0)),
    ("butuh_perbaikan", DoublePrecision, _params(default=0.0)),
    ("kurang", DoublePrecision, _params(default=0.0)),
    ("replaces", Integer, _params(default=0, unique=True)),
    ("set_by", Varchar, _params(length=254, default="")),
    ("set_by_id", Integer, _params(default=None, null=True)),
    ("set_at", Timestamptz, _params(default=TimestamptzNow())),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)
    manager.add_table(class_name="PredicateThresholds", tablename="predicate_thresholds",
                      schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="PredicateThresholds",
            tablename="predicate_thresholds",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
