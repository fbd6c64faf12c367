"""flag_subject_text: risk_flag.subject_id (was VARCHAR(64)) and risk_flag.ocid (was
VARCHAR(200)) become TEXT. An imported dataset names its subjects with the publisher's ids
(ocids, party ids, ``ocid/bids/details/<n>``), which OCDS does not bound; the engine caps what a
flag stores (risk.engine.SUBJECT_ID_MAX_BYTES) so the unique index stays within PostgreSQL's
limit. SQLite enforces no VARCHAR length: nothing to change there but the recorded schema."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.sqlite import SQLiteEngine

from procure.db import get_engine

ID = "2026-12-07T20:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "risk_flag.subject_id and ocid as TEXT (imported ids are unbounded)"

TABLE = {"table_class_name": "RiskFlag", "tablename": "risk_flag"}


class _Manager(MigrationManager):
    async def _run_alter_columns(self, backwards: bool = False) -> None:
        # SQLite has no ALTER COLUMN … TYPE, and needs none: a VARCHAR's length is not enforced.
        if isinstance(get_engine(), SQLiteEngine):
            return
        await super()._run_alter_columns(backwards=backwards)



async def forwards():
    manager = _Manager(migration_id=ID, app_name="procure", description=DESCRIPTION)
    for column, length, default in (("subject_id", 64, ""), ("ocid", 200, "")):
        manager.alter_column(
            **TABLE,
            column_name=column,
            db_column_name=column,
            params={"default": default},
            old_params={"default": default, "length": length},
            column_class=Text,
            old_column_class=Varchar,
            schema=None,
        )
    return manager
