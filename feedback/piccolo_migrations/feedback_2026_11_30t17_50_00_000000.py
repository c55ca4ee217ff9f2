"""Case mails: the delivery state of each case event's mail (`case_mail`) and its attempt
log (`case_mail_attempt`); see `feedback.notify.tables`."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T17:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "case mails and their attempts"


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
    ("CaseMail", "case_mail"): (
        ("event_id", Integer, _params(default=0, unique=True)),
        ("case_id", Integer, _params(default=0)),
        ("state", Varchar, _params(length=10, default="")),
        ("attempts", Integer, _params(default=0)),
        ("next_at", Timestamptz, _params(default=None, null=True)),
        ("sent_to", Text, _params(default="[]")),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
    ),
    ("CaseMailAttempt", "case_mail_attempt"): (
        ("mail_id", Integer, _params(default=0, index=True)),
        ("attempt", Integer, _params(default=0)),
        ("at", Timestamptz, _params(default=TimestamptzNow())),
        ("sent", Integer, _params(default=0)),
        ("ok", Boolean, _params(default=False)),
        ("error", Text, _params(default=None, null=True)),
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
