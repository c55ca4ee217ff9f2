"""Follow-up plans (RTL): `follow_up_plan` and `plan_action`. The unique index of a plan per
unit and period follows in the next migration (raw steps run before a migration's table
steps)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date, Float, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "follow-up plans and their actions"


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
    ("FollowUpPlan", "follow_up_plan"): (
        ("unit_id", Integer, _params(default=0, index=True)),
        ("period", Varchar, _params(length=16, default="")),
        ("status", Varchar, _params(length=10, default="")),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("created_by", Varchar, _params(length=254, default="")),
        ("created_by_id", Integer, _params(default=None, null=True)),
        ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
        ("updated_by", Varchar, _params(length=254, default="")),
        ("submitted_at", Timestamptz, _params(default=None, null=True)),
        ("submitted_by", Varchar, _params(length=254, default=None, null=True)),
        ("decided_at", Timestamptz, _params(default=None, null=True)),
        ("decided_by", Varchar, _params(length=254, default=None, null=True)),
        ("decision_note", Text, _params(default=None, null=True)),
    ),
    ("PlanAction", "plan_action"): (
        ("plan_id", Integer, _params(default=0, index=True)),
        ("element", Varchar, _params(length=16, default="")),
        ("what", Text, _params(default="")),
        ("who", Varchar, _params(length=120, default="")),
        ("due", Date, _params(default=DateNow())),
        ("expected_effect", Text, _params(default="")),
        ("status", Varchar, _params(length=12, default="planned")),
        ("evidence_note", Text, _params(default=None, null=True)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("created_by", Varchar, _params(length=254, default="")),
        ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
        ("updated_by", Varchar, _params(length=254, default="")),
        ("baseline_nrr", Float, _params(default=None, null=True)),
        ("baseline_n", Integer, _params(default=None, null=True)),
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
