"""Complaints: cases (`case_file`), contacts kept apart (`case_contact`), the case history
(`case_event`) and the city's days off (`day_off`). Further indexes follow in the next
migration (raw steps run before a migration's table steps)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Date, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T17:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "cases, contacts, case events, days off"


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
    ("CaseFile", "case_file"): (
        ("response_id", Integer, _params(default=0, unique=True)),
        ("receipt", Varchar, _params(length=12, default="", unique=True)),
        ("counter_id", Integer, _params(default=0)),
        ("unit_id", Integer, _params(default=0, index=True)),
        ("agency_id", Integer, _params(default=0, index=True)),
        ("reason", Varchar, _params(length=12, default="")),
        ("status", Varchar, _params(length=10, default="")),
        ("level", Varchar, _params(length=8, default="unit")),
        ("opened_at", Timestamptz, _params(default=TimestamptzNow())),
        ("verify_due", Date, _params(default=DateNow())),
        ("follow_up_due", Date, _params(default=None, null=True)),
        ("auto_close_due", Date, _params(default=None, null=True)),
        ("verified_at", Timestamptz, _params(default=None, null=True)),
        ("answered_at", Timestamptz, _params(default=None, null=True)),
        ("escalated_at", Timestamptz, _params(default=None, null=True)),
        ("closed_at", Timestamptz, _params(default=None, null=True)),
        ("outcome", Varchar, _params(length=16, default=None, null=True)),
        ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
    ),
    ("CaseContact", "case_contact"): (
        ("response_id", Integer, _params(default=0, unique=True)),
        ("kind", Varchar, _params(length=8, default="")),
        ("value", Varchar, _params(length=254, default="")),
        ("consent_version", Varchar, _params(length=20, default="")),
        ("consented_at", Timestamptz, _params(default=TimestamptzNow())),
    ),
    ("CaseEvent", "case_event"): (
        ("case_id", Integer, _params(default=0, index=True)),
        ("at", Timestamptz, _params(default=TimestamptzNow())),
        ("kind", Varchar, _params(length=16, default="")),
        ("actor", Varchar, _params(length=254, default="")),
        ("actor_id", Integer, _params(default=None, null=True)),
        ("text", Text, _params(default=None, null=True)),
        ("public", Boolean, _params(default=False)),
        ("answers_event", Integer, _params(default=None, null=True, unique=True)),
        ("from_unit_id", Integer, _params(default=None, null=True)),
        ("to_unit_id", Integer, _params(default=None, null=True)),
        ("level", Varchar, _params(length=8, default=None, null=True)),
        ("outcome", Varchar, _params(length=16, default=None, null=True)),
        ("notified_at", Timestamptz, _params(default=None, null=True)),
    ),
    ("DayOff", "day_off"): (
        ("day", Date, _params(default=DateNow(), unique=True)),
        ("name", Varchar, _params(length=120, default="")),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("created_by", Varchar, _params(length=254, default="")),
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
