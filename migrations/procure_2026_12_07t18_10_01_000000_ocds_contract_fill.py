"""ocds_contract_fill: the contracts of the OCDS processes stored before the table existed,
read from their compiled release and releases as the import's normalize step reads them (its
own migration: Piccolo runs a migration's raw steps before its new tables)."""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

from procure.ocds.normalize import normalize

ID = "2026-12-07T18:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "fill the contracts of the OCDS processes stored (ocds_contract_fill)"

COLUMNS = (
    "position",
    "contract_id",
    "award_id",
    "status",
    "amount",
    "currency",
    "original_amount",
    "original_currency",
    "date_signed",
    "amendments",
)


class OcdsProcess(Table, tablename="ocds_process", schema=None):
    pass


def _json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def _contracts(ocid, compiled, releases):
    """The ocds_contract rows of one stored process, as the import's normalize step reads them."""
    release = _json(compiled)
    if not isinstance(release, dict):
        return []
    stored = _json(releases)
    return normalize(ocid, release, stored if isinstance(stored, list) else None).contracts


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)

    async def fill():
        rows = await OcdsProcess.raw(
            'SELECT "id", "ocid", "compiled_release", "releases" FROM "ocds_process"'
        )
        names = ", ".join(f'"{name}"' for name in ("process", *COLUMNS))
        marks = ", ".join("{}" for _ in range(len(COLUMNS) + 1))
        for row in rows:
            for contract in _contracts(row["ocid"], row["compiled_release"], row["releases"]):
                await OcdsProcess.raw(
                    f'INSERT INTO "ocds_contract" ({names}) VALUES ({marks})',
                    row["id"],
                    *(contract[name] for name in COLUMNS),
                )

    manager.add_raw(fill)
    return manager
