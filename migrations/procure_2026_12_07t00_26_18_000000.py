"""Data: a survey round its committee closed before the status column existed is closed."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T00:26:18:000000"
VERSION = "1.38.0"
DESCRIPTION = "Survey rounds closed early get the status closed"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)

    async def rounds_closed_early() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "UPDATE survey_round SET status = 'closed' WHERE closed_at IS NOT NULL"
        )

    manager.add_raw(rounds_closed_early)
    return manager
