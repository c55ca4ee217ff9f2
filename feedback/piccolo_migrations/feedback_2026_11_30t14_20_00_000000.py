"""Integrity screening: served counts per counter-hour (`served_count`), scans
(`integrity_scan`) and their flagged counter-hours (`integrity_flag`). Indexes follow in
the next migration (raw steps run before a migration's table steps)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSONB,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-11-30T14:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "integrity: served counts, scans and flagged counter-hours"


class Counter(Table, tablename="counter", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)


class IntegrityScan(Table, tablename="integrity_scan", schema=None):
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


def _fk(references):
    return _params(references=references, on_delete=OnDelete.restrict,
                   on_update=OnUpdate.cascade, target_column=None)


TABLES = {
    ("ServedCount", "served_count"): (
        ("counter", ForeignKey, _fk(Counter)),
        ("hour", Timestamptz, _params(default=TimestamptzNow())),
        ("served", Integer, _params(default=0)),
        ("source", Varchar, _params(length=200, default="")),
        ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
    ),
    ("IntegrityScan", "integrity_scan"): (
        ("started_at", Timestamptz, _params(default=TimestamptzNow())),
        ("window_from", Timestamptz, _params(default=TimestamptzNow())),
        ("window_to", Timestamptz, _params(default=TimestamptzNow())),
        ("counter_hours", Integer, _params(default=0)),
        ("flagged", Integer, _params(default=0)),
        ("training_hours", Integer, _params(default=0)),
        ("model_version", Varchar, _params(length=200, default="")),
        ("features", JSONB, _params(default="[]")),
        ("params", JSONB, _params(default="{}")),
        ("trigger", Varchar, _params(length=20, default="")),
    ),
    ("IntegrityFlag", "integrity_flag"): (
        ("scan", ForeignKey, _fk(IntegrityScan)),
        ("counter", ForeignKey, _fk(Counter)),
        ("hour", Timestamptz, _params(default=TimestamptzNow())),
        ("reasons", JSONB, _params(default="[]")),
        ("anomaly_score", DoublePrecision, _params(default=0.0)),
        ("responses", Integer, _params(default=0)),
        ("features", JSONB, _params(default="{}")),
        ("evidence", JSONB, _params(default="{}")),
        ("response_ids", JSONB, _params(default="[]")),
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
