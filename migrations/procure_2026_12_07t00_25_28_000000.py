from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-07T00:25:28:000000"
VERSION = "1.38.0"
DESCRIPTION = "contracts in force before two-party signatures: both signed when recorded"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)

    # Contracts already in force were signed before the platform recorded each party's
    # signature: both take the moment the platform recorded.
    async def backfill() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            'UPDATE "contract" SET buyer_signed_at = signed_at, organization_signed_at = signed_at'
            " WHERE status <> 'draft' AND signed_at IS NOT NULL"
        )

    manager.add_raw(backfill)
    return manager
