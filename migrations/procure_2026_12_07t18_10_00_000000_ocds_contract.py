"""ocds_contract: the contracts of an OCDS process, their value now and at first, for
AMENDMENT_CREEP over imported data (the next migration fills it for the processes already
stored)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Numeric, Serial, Text, Timestamptz
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-07T18:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the contracts of an OCDS process (ocds_contract)"

TABLE = {"table_class_name": "OcdsContract", "tablename": "ocds_contract"}


class OcdsProcess(Table, tablename="ocds_process", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, db_column_name="id")


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


def _column(manager, name, column_class, **params):
    manager.add_column(
        **TABLE,
        column_name=name,
        db_column_name=name,
        column_class_name=column_class.__name__,
        column_class=column_class,
        params=_params(**params),
        schema=None,
    )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)
    manager.add_table(
        class_name="OcdsContract", tablename="ocds_contract", schema=None, columns=None
    )
    _column(
        manager,
        "process",
        ForeignKey,
        references=OcdsProcess,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        target_column=None,
        null=False,
        index=True,
    )
    _column(manager, "position", Integer, default=0, null=False)
    for name in ("contract_id", "award_id", "status"):
        _column(manager, name, Text)
    _column(manager, "amount", Numeric, digits=None)
    _column(manager, "currency", Text)
    _column(manager, "original_amount", Numeric, digits=None)
    _column(manager, "original_currency", Text)
    _column(manager, "date_signed", Timestamptz)
    _column(manager, "amendments", Integer, default=0, null=False)
    return manager
