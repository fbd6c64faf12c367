"""tender_value_fill: /tender/value of the OCDS processes stored before the columns existed, read
from their compiled release as the import's normalize step reads it (its own migration: Piccolo
runs a migration's raw steps before its new columns)."""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

from procure.ocds.normalize import normalize

ID = "2026-12-07T18:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "fill the tender's value of the OCDS processes stored (tender_value_fill)"


class OcdsProcess(Table, tablename="ocds_process", schema=None):
    pass


def _value(ocid, compiled):
    """(amount, currency) of /tender/value, as the import's normalize step reads them."""
    release = json.loads(compiled) if isinstance(compiled, str | bytes) else compiled
    if not isinstance(release, dict):
        return None, None
    rows = normalize(ocid, release).process
    return rows["tender_value_amount"], rows["tender_value_currency"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)

    async def fill():
        rows = await OcdsProcess.raw('SELECT "id", "ocid", "compiled_release" FROM "ocds_process"')
        for row in rows:
            amount, currency = _value(row["ocid"], row["compiled_release"])
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
