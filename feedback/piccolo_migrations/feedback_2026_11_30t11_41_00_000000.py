"""Staff accounts: users with a role and scope, server-side sessions, sign-in throttle
counters and the audit log (made append-only by the next migration)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSONB,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-11-30T11:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "staff accounts, sessions, sign-in throttle, audit log"


class Agency(Table, tablename="agency", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)


class Unit(Table, tablename="unit", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)


class Counter(Table, tablename="counter", schema=None):
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
        **params,
    }


def _fk(references):
    return _params(references=references, on_delete=OnDelete.restrict,
                   on_update=OnUpdate.cascade, target_column=None, null=True, default=None)


TABLES = {
    ("StaffUser", "staff_user"): (
        ("email", Varchar, _params(length=254, default="", null=False, unique=True)),
        ("name", Varchar, _params(length=120, default="", null=False)),
        ("role", Varchar, _params(length=10, default="", null=False)),
        ("counter", ForeignKey, _fk(Counter)),
        ("unit", ForeignKey, _fk(Unit)),
        ("agency", ForeignKey, _fk(Agency)),
        ("password_hash", Varchar, _params(length=200, default="", null=False)),
        ("active", Boolean, _params(default=True, null=False)),
        ("session_version", Integer, _params(default=1, null=False)),
        ("password_changed_at", Timestamptz, _params(default=TimestamptzNow(), null=False)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow(), null=False)),
        ("last_sign_in_at", Timestamptz, _params(default=None, null=True)),
        ("lang", Varchar, _params(length=2, default="id", null=False)),
    ),
    ("StaffSession", "staff_session"): (
        ("key", Varchar, _params(length=128, default="", null=False, unique=True)),
        ("data", Bytea, _params(default=b"", null=False)),
        ("user_id", Integer, _params(default=None, null=True, index=True)),
        ("expires_at", Timestamptz, _params(default=None, null=True)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow(), null=False)),
    ),
    ("SignInThrottle", "sign_in_throttle"): (
        ("key", Varchar, _params(length=300, default="", null=False, unique=True)),
        ("first_at", Timestamptz, _params(default=TimestamptzNow(), null=False)),
        ("failures", Integer, _params(default=0, null=False)),
    ),
    ("AuditLog", "audit_log"): (
        ("at", Timestamptz, _params(default=TimestamptzNow(), null=False)),
        ("actor_id", Integer, _params(default=None, null=True)),
        ("actor", Varchar, _params(length=254, default="", null=False)),
        ("action", Varchar, _params(length=40, default="", null=False)),
        ("object_type", Varchar, _params(length=40, default="", null=False)),
        ("object_key", Varchar, _params(length=254, default="", null=False)),
        ("old", JSONB, _params(default=None, null=True)),
        ("new", JSONB, _params(default=None, null=True)),
        ("network", Varchar, _params(length=64, default=None, null=True)),
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
