"""Published score snapshots (`score_snapshot`) and target unlocks of published periods
(`period_unlock`). The next migration makes snapshots append-only."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSONB, Date, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "published score snapshots and period unlocks"


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


TABLES = {
    ("ScoreSnapshot", "score_snapshot"): (
        ("period", Varchar, _params(length=40, default="")),
        ("version", Integer, _params(default=0)),
        ("method", Varchar, _params(length=40, default="")),
        ("period_from", Date, _params(default=None, null=True)),
        ("period_to", Date, _params(default=None, null=True)),
        ("parameters", JSONB, _params(default="{}")),
        ("inputs_digest", Varchar, _params(length=64, default="")),
        ("result", Text, _params(default="")),
        ("result_digest", Varchar, _params(length=64, default="")),
        ("note", Text, _params(default="")),
        ("reason", Text, _params(default=None, null=True)),
        ("published_by", Varchar, _params(length=254, default="")),
        ("published_by_id", Integer, _params(default=None, null=True)),
        ("published_at", Timestamptz, _params(default=TimestamptzNow())),
    ),
    ("PeriodUnlock", "period_unlock"): (
        ("period", Varchar, _params(length=40, default="")),
        ("snapshot_id", Integer, _params(default=0)),
        ("reason", Text, _params(default="")),
        ("unlocked_by", Varchar, _params(length=254, default="")),
        ("unlocked_by_id", Integer, _params(default=None, null=True)),
        ("unlocked_at", Timestamptz, _params(default=TimestamptzNow())),
    ),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None,
                          columns=None)
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )
    return manager
