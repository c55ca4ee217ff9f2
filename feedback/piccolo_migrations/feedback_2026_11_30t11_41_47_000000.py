"""Breakdown aggregates: `unit_day_group`, per unit, WITA day, dimension (counter, service,
gender, age band, education, occupation) and key, the counted responses and their element
answer counts, with a unique index on (unit, dim, day, key) for the upserts.

Raw steps run before a migration's table steps, so the index is created by this migration's
own manager right after its table steps (one migration for table and index)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Integer, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-11-30T11:41:47:000000"
VERSION = "1.38.0"
DESCRIPTION = "unit_day_group: breakdown aggregates by counter, service and profile"

ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
            "pengaduan", "sarana")
# The index leads with (unit, dim) so that one dimension of a unit's days is one range;
# ON CONFLICT ("unit", "day", "dim", "key") matches it on both engines (same column set).
INDEX = ('CREATE UNIQUE INDEX unit_day_group_key ON "unit_day_group" '
         '("unit", "dim", "day", "key")')


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
    ("day", Date, _params(default=None, null=False)),
    ("dim", Varchar, _params(length=12, default="", null=False)),
    ("key", Varchar, _params(length=40, default="", null=False)),
    ("n", Integer, _params(default=0, null=False)),
    *((f"{e}_{a}", Integer, _params(default=0, null=False))
      for e in ELEMENTS for a in range(1, 5)),
)


class _Manager(MigrationManager):
    """Creates the unique index once the table exists."""

    async def _run_add_tables(self, backwards: bool = False) -> None:
        await super()._run_add_tables(backwards=backwards)
        if not backwards and not self.preview:
            await _Raw.raw(INDEX)


async def forwards():
    manager = _Manager(migration_id=ID, app_name="feedback", description=DESCRIPTION)
    manager.add_table(class_name="UnitDayGroup", tablename="unit_day_group", schema=None,
                      columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="UnitDayGroup",
            tablename="unit_day_group",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
