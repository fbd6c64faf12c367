"""The migrations in migrations/ and the tables in the code must agree, on both engines."""

from __future__ import annotations

from piccolo.columns import Varchar
from piccolo.querystring import QueryString
from piccolo.table import Table

from procure.db import get_engine
from procure.db.migrate import pending_schema_changes
from procure.db.piccolo_app import APP_CONFIG
from procure.db.registry import all_tables


async def test_tables_and_migrations_agree(database: None) -> None:
    assert await pending_schema_changes() == []


async def test_a_table_without_a_migration_is_detected(database: None) -> None:
    class Unmigrated(Table, tablename="unmigrated_probe"):
        name = Varchar()

    APP_CONFIG.table_classes.append(Unmigrated)
    try:
        pending = await pending_schema_changes()
    finally:
        APP_CONFIG.table_classes.remove(Unmigrated)
    assert any("Unmigrated" in statement for statement in pending)


async def test_upgrade_created_every_table(database: None) -> None:
    engine = get_engine()
    if engine.engine_type == "sqlite":
        rows = await engine.run_querystring(
            QueryString("SELECT name FROM sqlite_master WHERE type = 'table'")
        )
    else:
        rows = await engine.run_querystring(
            QueryString(
                "SELECT table_name AS name FROM information_schema.tables"
                " WHERE table_schema = 'public'"
            )
        )
    present = {row["name"] for row in rows}
    assert {table._meta.tablename for table in all_tables()} <= present
