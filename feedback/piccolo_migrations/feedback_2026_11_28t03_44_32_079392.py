from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-28T03:44:32:079392"
VERSION = "1.38.0"
DESCRIPTION = "drop derivable score sums (the score histogram has them)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="feedback", description=DESCRIPTION
    )

    manager.drop_column(
        table_class_name="UnitDayStats",
        tablename="unit_day_stats",
        column_name="sum_score",
        db_column_name="sum_score",
        schema=None,
    )

    manager.drop_column(
        table_class_name="UnitDayStats",
        tablename="unit_day_stats",
        column_name="sum_score_sq",
        db_column_name="sum_score_sq",
        schema=None,
    )

    return manager
