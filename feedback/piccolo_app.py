import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="feedback",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(
        modules=[
            "feedback.tables",
            "feedback.comments.tables",
            "feedback.accounts.tables",
            "feedback.performance.snapshot_tables",
            "feedback.integrity.tables",
            "feedback.performance.predicate_tables",
            "feedback.alerts.tables",
            "feedback.integrity.lease_tables",
            "feedback.cases.tables",
            "feedback.notify.tables",
            "feedback.cases.check_tables",
            "feedback.plans.tables",
        ],
        exclude_imported=True,
    ),
    migration_dependencies=[],
    commands=[],
)
