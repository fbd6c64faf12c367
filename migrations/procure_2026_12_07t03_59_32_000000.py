"""Data: awards and contracts made before their publication moment was recorded were public at
once (the disclosure pages showed them from the award and the second signature)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T03:59:32:000000"
VERSION = "1.38.0"
DESCRIPTION = "Award notices and contracts published when they were decided and signed"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)

    async def published_at_once() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "UPDATE award SET published_at = decided_at WHERE published_at IS NULL"
        )
        await engine.run_ddl(
            "UPDATE contract SET published_at = signed_at "
            "WHERE published_at IS NULL AND signed_at IS NOT NULL"
        )

    manager.add_raw(published_at_once)
    return manager
