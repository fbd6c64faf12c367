"""tender_value: /tender/value of an OCDS process (amount, currency), the ceiling UNDERPRICED_BID
compares imported bids with (the next migration fills it for the processes already stored)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Numeric, Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the tender's value of an OCDS process (tender_value)"

TABLE = {"table_class_name": "OcdsProcess", "tablename": "ocds_process"}


def _params(**params):
    return {
        "default": None,
        "null": True,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **params,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)
    manager.add_column(
        **TABLE,
        column_name="tender_value_amount",
        db_column_name="tender_value_amount",
        column_class_name="Numeric",
        column_class=Numeric,
        params=_params(digits=None),
        schema=None,
    )
    manager.add_column(
        **TABLE,
        column_name="tender_value_currency",
        db_column_name="tender_value_currency",
        column_class_name="Text",
        column_class=Text,
        params=_params(),
        schema=None,
    )

    return manager
