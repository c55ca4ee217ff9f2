"""Integrity: reviewers' decisions (`integrity_decision`), hash-chained. The next
migration makes the table append-only."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSONB, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T14:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "integrity decisions, hash-chained"


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
    ("at", Timestamptz, _params(default=TimestamptzNow())),
    ("actor", Varchar, _params(length=254, default="")),
    ("actor_id", Integer, _params(default=None, null=True)),
    ("flag_id", Integer, _params(default=0)),
    ("counter", Varchar, _params(length=16, default="")),
    ("hour", Timestamptz, _params(default=TimestamptzNow())),
    ("response_ids", JSONB, _params(default="[]")),
    ("action", Varchar, _params(length=10, default="")),
    ("reason", Text, _params(default="")),
    ("prev_hash", Varchar, _params(length=64, default="", unique=True)),
    ("hash", Varchar, _params(length=64, default="")),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)
    manager.add_table(class_name="IntegrityDecision", tablename="integrity_decision",
                      schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="IntegrityDecision",
            tablename="integrity_decision",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
