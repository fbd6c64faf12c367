from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-07T01:34:23:818809"
VERSION = "1.38.0"
DESCRIPTION = "the tender's own evaluators give way to the drawn committee"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="procure", description=DESCRIPTION
    )

    manager.drop_table(
        class_name="TenderEvaluator", tablename="tender_evaluator", schema=None
    )

    return manager
