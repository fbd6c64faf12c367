"""Each tender's wrapped bid key names the version of the secret that wrapped it; every key
wrapped so far was wrapped under the first (and only) secret: version 1."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T06:31:17:000000"
VERSION = "1.38.0"
DESCRIPTION = "tender.bid_key_version: the secret version that wrapped the bid key"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Tender",
        tablename="tender",
        column_name="bid_key_version",
        db_column_name="bid_key_version",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 1,
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
