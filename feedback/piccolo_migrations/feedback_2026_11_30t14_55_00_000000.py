"""Alerts (`alert`), agencies' webhooks (`alert_webhook`), deliveries (`alert_delivery`)
and the delivery log (`alert_delivery_attempt`). Indexes follow in the next migration (raw
steps run before a migration's table steps)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSONB, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T14:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "alerts, webhooks and their delivery log"


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
    ("Alert", "alert"): (
        ("kind", Varchar, _params(length=8, default="")),
        ("source_key", Varchar, _params(length=80, default="", unique=True)),
        ("agency_id", Integer, _params(default=0)),
        ("unit_id", Integer, _params(default=0)),
        ("counter_id", Integer, _params(default=None, null=True)),
        ("response_id", Integer, _params(default=None, null=True)),
        ("pungli", Boolean, _params(default=False)),
        ("details", JSONB, _params(default="{}")),
        ("raised_at", Timestamptz, _params(default=TimestamptzNow())),
        ("acknowledged_at", Timestamptz, _params(default=None, null=True)),
        ("acknowledged_by", Varchar, _params(length=254, default=None, null=True)),
        ("acknowledged_by_id", Integer, _params(default=None, null=True)),
    ),
    ("AlertWebhook", "alert_webhook"): (
        ("agency_id", Integer, _params(default=0, unique=True)),
        ("url", Varchar, _params(length=500, default="")),
        ("secret", Varchar, _params(length=128, default="")),
        ("active", Boolean, _params(default=True)),
        ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
        ("updated_by", Varchar, _params(length=254, default="")),
    ),
    ("AlertDelivery", "alert_delivery"): (
        ("alert_id", Integer, _params(default=0)),
        ("webhook_id", Integer, _params(default=0)),
        ("body", Text, _params(default="")),
        ("state", Varchar, _params(length=10, default="")),
        ("attempts", Integer, _params(default=0)),
        ("next_at", Timestamptz, _params(default=None, null=True)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ),
    ("AlertDeliveryAttempt", "alert_delivery_attempt"): (
        ("delivery_id", Integer, _params(default=0, index=True)),
        ("attempt", Integer, _params(default=0)),
        ("at", Timestamptz, _params(default=TimestamptzNow())),
        ("status_code", Integer, _params(default=None, null=True)),
        ("error", Text, _params(default=None, null=True)),
        ("ok", Boolean, _params(default=False)),
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
