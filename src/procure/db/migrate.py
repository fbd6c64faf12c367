"""Applying and checking the migrations in the top-level migrations/ folder."""

from __future__ import annotations

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.commands.new import AutoMigrationManager


class MigrationError(Exception):
    pass


async def upgrade() -> str:
    """Apply every migration not yet applied; return Piccolo's summary."""
    result = await run_forwards(app_name="procure", migration_id="all")
    if not result.success:
        raise MigrationError(result.message or "migration failed")
    return result.message or "ok"


async def pending_schema_changes() -> list[str]:
    """The statements an auto-migration would still need: empty when tables and migrations agree."""
    manager = AutoMigrationManager(auto_input="y")
    app_config = manager.get_app_config("procure")
    statements = await manager.get_alter_statements(app_config=app_config)
    return [statement for group in statements for statement in group.statements]
