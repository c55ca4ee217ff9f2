"""Organisation management: a counter's opening hours, and units and services that can be
deactivated (kept with their history, no longer offered)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T11:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "counter opening hours; unit and service active flags"


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

    manager.add_column(
        table_class_name="Counter",
        tablename="counter",
        column_name="opening_hours",
        db_column_name="opening_hours",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(length=200, default=None, null=True),
        schema=None,
    )
    manager.add_column(
        table_class_name="Unit",
        tablename="unit",
        column_name="active",
        db_column_name="active",
        column_class_name="Boolean",
        column_class=Boolean,
        params=_params(default=True, null=False),
        schema=None,
    )
    manager.add_column(
        table_class_name="Service",
        tablename="service",
        column_name="active",
        db_column_name="active",
        column_class_name="Boolean",
        column_class=Boolean,
        params=_params(default=True, null=False),
        schema=None,
    )
    return manager
