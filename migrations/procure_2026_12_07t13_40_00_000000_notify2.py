"""notify2: the catalogue categories an organization follows, to be told of new tenders in them."""

from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.constraints import Check, Unique
from piccolo.table import Table

ID = "2026-12-07T13:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the catalogue categories an organization follows (notify2)"

CATEGORIES = ["approval", "care", "mutual_aid", "capacity", "technology"]


class Organization(Table, tablename="organization", schema=None):
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
    table = {"table_class_name": "OrganizationCategory", "tablename": "organization_category"}
    manager.add_table(
        class_name="OrganizationCategory",
        tablename="organization_category",
        schema=None,
        columns=None,
    )
    manager.add_column(
        **table,
        column_name="organization",
        db_column_name="organization",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params=_params(
            references=Organization,
            on_delete=OnDelete.cascade,
            on_update=OnUpdate.cascade,
            target_column=None,
            index=True,
        ),
        schema=None,
    )
    manager.add_column(
        **table,
        column_name="category",
        db_column_name="category",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_params(
            length=32,
            default="approval",
            choices=Enum("CategoryCode", {code: code for code in CATEGORIES}),
        ),
        schema=None,
    )
    manager.add_constraint(
        **table,
        constraint_name="organization_category_once",
        constraint_class=Unique,
        params={"columns": ["organization", "category"], "nulls_distinct": True},
        schema=None,
    )
    manager.add_constraint(
        **table,
        constraint_name="organization_category_valid",
        constraint_class=Check,
        params={"condition": "category IN (" + ", ".join(f"'{c}'" for c in CATEGORIES) + ")"},
        schema=None,
    )
    return manager
