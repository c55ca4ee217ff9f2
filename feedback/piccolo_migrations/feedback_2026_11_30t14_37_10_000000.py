"""Comment classifier: staff corrections of labels (`comment_label`, append-only) and the
retrain record (`comment_model`)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSONB,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-11-30T14:37:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "comment label corrections and retrain records"


class Response(Table, tablename="response", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)


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
    ("CommentLabel", "comment_label"): (
        ("response", ForeignKey, _params(references=Response, on_delete=OnDelete.restrict,
                                         on_update=OnUpdate.cascade, target_column=None,
                                         index=True)),
        ("element", Varchar, _params(length=12, default="")),
        ("sentiment", Varchar, _params(length=8, default="")),
        ("urgent", Boolean, _params(default=False)),
        ("corrected_by", Varchar, _params(length=254, default="")),
        ("corrected_by_id", Integer, _params(default=None, null=True)),
        ("corrected_at", Timestamptz, _params(default=TimestamptzNow())),
    ),
    ("CommentRetrain", "comment_model"): (
        ("model_version", Varchar, _params(length=32, default="")),
        ("seed", Integer, _params(default=0)),
        ("corrections_through", Integer, _params(default=0)),
        ("corrections", Integer, _params(default=0)),
        ("examples", Integer, _params(default=0)),
        ("scores", JSONB, _params(default="{}")),
        ("trained_by", Varchar, _params(length=254, default="")),
        ("trained_at", Timestamptz, _params(default=TimestamptzNow())),
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
