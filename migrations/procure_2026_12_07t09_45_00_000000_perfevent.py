"""perfevent: each OCDS process keeps what cardinal's population indicators need of it, so an
event reads those summaries instead of every process's rows."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, ForeignKey, Integer
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-07T09:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "OCDS process summaries for the population indicators (perfevent)"


class OcdsProcess(Table, tablename="ocds_process", schema=None):
    pass


def _params(**params):
    return {
        "null": False,
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

    manager.add_table(
        class_name="OcdsProcessSummary",
        tablename="ocds_process_summary",
        schema=None,
        columns=None,
    )
    manager.add_column(
        table_class_name="OcdsProcessSummary",
        tablename="ocds_process_summary",
        column_name="process",
        db_column_name="process",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params=_params(
            references=OcdsProcess,
            on_delete=OnDelete.cascade,
            on_update=OnUpdate.cascade,
            target_column=None,
            unique=True,
        ),
        schema=None,
    )
    manager.add_column(
        table_class_name="OcdsProcessSummary",
        tablename="ocds_process_summary",
        column_name="version",
        db_column_name="version",
        column_class_name="Integer",
        column_class=Integer,
        params=_params(default=0),
        schema=None,
    )
    manager.add_column(
        table_class_name="OcdsProcessSummary",
        tablename="ocds_process_summary",
        column_name="summary",
        db_column_name="summary",
        column_class_name="JSON",
        column_class=JSON,
        params=_params(default="{}"),
        schema=None,
    )

    return manager
