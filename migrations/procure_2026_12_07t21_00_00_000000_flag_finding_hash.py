"""risk_flag.finding_hash: a digest of what a finding sets (severity, evidence, ocid, parties),
so a scan tells an unchanged flag without reading its evidence. Empty on the flags stored
before: the next scan writes it (as a changed finding)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "risk_flag.finding_hash"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)
    manager.add_column(
        table_class_name="RiskFlag",
        tablename="risk_flag",
        column_name="finding_hash",
        db_column_name="finding_hash",
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
