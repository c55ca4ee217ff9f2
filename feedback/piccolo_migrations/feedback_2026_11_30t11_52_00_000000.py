"""Monthly breakdown aggregates: `unit_month_group`, `unit_day_group` summed per unit, WITA
calendar month (its first day), dimension and key, with a unique index on
(unit, dim, month, key) for the upserts. Starts empty and is filled from `unit_day_group`
in this migration, so databases with data get it too.

Raw steps run before a migration's table steps, so the index and the filling run in this
migration's own manager right after its table steps."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Integer, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-11-30T11:52:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unit_month_group: breakdown aggregates per month"

ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
            "pengaduan", "sarana")
COUNTS = ("n", *(f"{e}_{a}" for e in ELEMENTS for a in range(1, 5)))
INDEX = ('CREATE UNIQUE INDEX unit_month_group_key ON "unit_month_group" '
         '("unit", "dim", "month", "key")')


def _fill(postgres: bool) -> str:
    month = ("date_trunc('month', \"day\"::timestamp)::date" if postgres
             else "substr(\"day\", 1, 8) || '01'")
    names = ", ".join(f'"{c}"' for c in COUNTS)
    sums = ", ".join(f'SUM("{c}")' for c in COUNTS)
    return (f'INSERT INTO "unit_month_group" ("unit", "month", "dim", "key", {names}) '
            f'SELECT "unit", {month}, "dim", "key", {sums} FROM "unit_day_group" '
            f'GROUP BY "unit", {month}, "dim", "key"')


class Unit(Table, tablename="unit", schema=None):
    pass


class _Raw(Table, tablename="migration"):
    pass


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


COLUMNS = (
    ("unit", ForeignKey, _params(references=Unit, on_delete=OnDelete.restrict,
                                 on_update=OnUpdate.cascade, target_column=None, null=False,
                                 default=None)),
    ("month", Date, _params(default=None, null=False)),
    ("dim", Varchar, _params(length=12, default="", null=False)),
    ("key", Varchar, _params(length=40, default="", null=False)),
    *((c, Integer, _params(default=0, null=False)) for c in COUNTS),
)


class _Manager(MigrationManager):
    """Creates the unique index and fills the table once the table exists."""

    async def _run_add_tables(self, backwards: bool = False) -> None:
        await super()._run_add_tables(backwards=backwards)
        if not backwards and not self.preview:
            await _Raw.raw(INDEX)
            await _Raw.raw(_fill(isinstance(_Raw._meta.db, PostgresEngine)))


async def forwards():
    manager = _Manager(migration_id=ID, app_name="feedback", description=DESCRIPTION)
    manager.add_table(class_name="UnitMonthGroup", tablename="unit_month_group", schema=None,
                      columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="UnitMonthGroup",
            tablename="unit_month_group",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
