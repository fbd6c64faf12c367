"""riskperf: the platform projection keeps a hash of each process's releases, so a refresh
rewrites only the processes whose releases changed."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T06:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "OCDS processes keep the hash of their releases (riskperf)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)

    manager.add_column(
        table_class_name="OcdsProcess",
        tablename="ocds_process",
        column_name="content_hash",
        db_column_name="content_hash",
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

    return manager
