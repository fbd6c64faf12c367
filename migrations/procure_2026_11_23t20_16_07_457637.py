from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod
from piccolo.constraints import Check

ID = "2026-11-23T20:16:07:457637"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="procure", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Contract",
        tablename="contract",
        column_name="closed_on",
        db_column_name="closed_on",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="ActivityLine",
        tablename="activity_line",
        column_name="submissions",
        db_column_name="submissions",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_constraint(
        table_class_name="Contract",
        tablename="contract",
        constraint_name="contract_closed_has_day",
        constraint_class=Check,
        params={
            "condition": "closed_on IS NULL OR status IN ('completed', 'terminated')"
        },
        schema=None,
    )

    manager.add_constraint(
        table_class_name="ActivityLine",
        tablename="activity_line",
        constraint_name="activity_line_submissions_out_of_scope",
        constraint_class=Check,
        params={
            "condition": "submissions >= 0 AND (out_of_scope = true OR submissions = 0)"
        },
        schema=None,
    )

    return manager
