from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Bytea
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.constraints import Unique

ID = "2026-12-07T06:20:46:257347"
VERSION = "1.38.0"
DESCRIPTION = "shared store (rate limits across workers)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)

    manager.add_table(
        class_name="SharedEntry",
        tablename="shared_store",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="SharedEntry",
        tablename="shared_store",
        column_name="namespace",
        db_column_name="namespace",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
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

    manager.add_column(
        table_class_name="SharedEntry",
        tablename="shared_store",
        column_name="key",
        db_column_name="key",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 255,
            "default": "",
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

    manager.add_column(
        table_class_name="SharedEntry",
        tablename="shared_store",
        column_name="value",
        db_column_name="value",
        column_class_name="Bytea",
        column_class=Bytea,
        params={
            "default": b"",
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

    manager.add_column(
        table_class_name="SharedEntry",
        tablename="shared_store",
        column_name="expires_at",
        db_column_name="expires_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
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

    manager.add_constraint(
        table_class_name="SharedEntry",
        tablename="shared_store",
        constraint_name="shared_store_one_key",
        constraint_class=Unique,
        params={"columns": ["namespace", "key"], "nulls_distinct": True},
        schema=None,
    )

    return manager
