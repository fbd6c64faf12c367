"""monitor: the resident monitor role (居民监督员), bound to a community like its committee."""

from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.constraints import Check
from piccolo.engine.finder import engine_finder


ID = "2026-12-07T20:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the resident monitor role"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)

    manager.alter_column(
        table_class_name="User",
        tablename="app_user",
        column_name="role",
        db_column_name="role",
        params={
            "choices": Enum(
                "Role",
                {
                    "buyer": "buyer",
                    "organization": "organization",
                    "committee": "committee",
                    "auditor": "auditor",
                    "admin": "admin",
                    "regulator": "regulator",
                    "expert": "expert",
                    "monitor": "monitor",
                },
            )
        },
        old_params={
            "choices": Enum(
                "Role",
                {
                    "buyer": "buyer",
                    "organization": "organization",
                    "committee": "committee",
                    "auditor": "auditor",
                    "admin": "admin",
                    "regulator": "regulator",
                    "expert": "expert",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    # Two CHECKs change (a new role): the auto-migration does not detect a changed condition,
    # and a manager adds constraints before it drops any, so the old ones go first, by hand.
    async def drop_changed_checks() -> None:
        engine = engine_finder()
        assert engine is not None
        for name in ("app_user_role_valid", "app_user_acts_for"):
            await engine.run_ddl(f'ALTER TABLE "app_user" DROP CONSTRAINT IF EXISTS {name}')

    manager.add_raw(drop_changed_checks)

    manager.add_constraint(
        table_class_name="User",
        tablename="app_user",
        constraint_name="app_user_role_valid",
        constraint_class=Check,
        params={
            "condition": "role IN ('buyer', 'organization', 'committee', 'auditor', 'admin', 'regulator', 'expert', 'monitor')"
        },
        schema=None,
    )

    manager.add_constraint(
        table_class_name="User",
        tablename="app_user",
        constraint_name="app_user_acts_for",
        constraint_class=Check,
        params={
            "condition": "(role = 'buyer' AND department IS NOT NULL AND organization IS NULL AND community IS NULL) OR (role = 'organization' AND organization IS NOT NULL AND department IS NULL AND community IS NULL) OR (role IN ('committee', 'monitor') AND community IS NOT NULL AND department IS NULL AND organization IS NULL) OR (role = 'regulator' AND department IS NOT NULL AND organization IS NULL AND community IS NULL) OR (role IN ('auditor', 'admin', 'expert') AND department IS NULL AND organization IS NULL AND community IS NULL)"
        },
        schema=None,
    )

    return manager
