"""tender_value: /tender/value of an OCDS process (amount, currency), the ceiling UNDERPRICED_BID
compares imported bids with; filled for the processes already stored from their compiled
release, as the import's normalize step fills it."""

import json
from decimal import Decimal

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Numeric, Text
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-07T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the tender's value of an OCDS process (tender_value)"

TABLE = {"table_class_name": "OcdsProcess", "tablename": "ocds_process"}


class OcdsProcess(Table, tablename="ocds_process", schema=None):
    pass


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


def _value(compiled):
    """(amount, currency) of /tender/value, as procure.ocds.normalize reads them (a JSON
    number, a string; anything else NULL)."""
    release = json.loads(compiled) if isinstance(compiled, str | bytes) else compiled
    tender = release.get("tender") if isinstance(release, dict) else None
    value = tender.get("value") if isinstance(tender, dict) else None
    if not isinstance(value, dict):
        return None, None
    amount = value.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        amount = None
    elif isinstance(amount, float):
        amount = Decimal(repr(amount)) if amount == amount and abs(amount) != float("inf") else None
    else:
        amount = Decimal(amount)
    currency = value.get("currency")
    return amount, currency if isinstance(currency, str) else None


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

    async def fill():
        rows = await OcdsProcess.raw('SELECT "id", "compiled_release" FROM "ocds_process"')
        for row in rows:
            amount, currency = _value(row["compiled_release"])
            if amount is not None or currency is not None:
                await OcdsProcess.raw(
                    'UPDATE "ocds_process" SET "tender_value_amount" = {}, '
                    '"tender_value_currency" = {} WHERE "id" = {}',
                    amount,
                    currency,
                    row["id"],
                )

    manager.add_raw(fill)
    return manager
