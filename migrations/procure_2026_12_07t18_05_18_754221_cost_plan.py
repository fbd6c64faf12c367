"""cost_plan: a bid line's staffing and cost plan, judged against the district cost floor."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import BigInt
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.constraints import Check
from piccolo.constraints import Unique
from piccolo.table import Table


class BidCostPlan(Table, tablename="bid_cost_plan", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class BidLine(Table, tablename="bid_line", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-12-07T18:05:18:754221"
VERSION = "1.38.0"
DESCRIPTION = "staffing and cost plans of bid lines (bid_cost_plan, bid_staff_role)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="procure", description=DESCRIPTION)

    manager.add_table(
        class_name="BidStaffRole",
        tablename="bid_staff_role",
        schema=None,
        columns=None,
    )

    manager.add_table(
        class_name="BidCostPlan",
        tablename="bid_cost_plan",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="BidStaffRole",
        tablename="bid_staff_role",
        column_name="cost_plan",
        db_column_name="cost_plan",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": BidCostPlan,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="BidStaffRole",
        tablename="bid_staff_role",
        column_name="role",
        db_column_name="role",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 100,
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

    manager.add_column(
        table_class_name="BidStaffRole",
        tablename="bid_staff_role",
        column_name="headcount",
        db_column_name="headcount",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
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

    manager.add_column(
        table_class_name="BidStaffRole",
        tablename="bid_staff_role",
        column_name="hours",
        db_column_name="hours",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
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

    manager.add_column(
        table_class_name="BidStaffRole",
        tablename="bid_staff_role",
        column_name="hourly_wage_fen",
        db_column_name="hourly_wage_fen",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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

    manager.add_column(
        table_class_name="BidStaffRole",
        tablename="bid_staff_role",
        column_name="social_insurance_fen",
        db_column_name="social_insurance_fen",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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

    manager.add_column(
        table_class_name="BidCostPlan",
        tablename="bid_cost_plan",
        column_name="bid_line",
        db_column_name="bid_line",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": BidLine,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="BidCostPlan",
        tablename="bid_cost_plan",
        column_name="materials_fen",
        db_column_name="materials_fen",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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

    manager.add_column(
        table_class_name="BidCostPlan",
        tablename="bid_cost_plan",
        column_name="volunteer_hours",
        db_column_name="volunteer_hours",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
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

    manager.add_constraint(
        table_class_name="BidStaffRole",
        tablename="bid_staff_role",
        constraint_name="bid_staff_role_positive",
        constraint_class=Check,
        params={
            "condition": "headcount > 0 AND hours > 0 AND hourly_wage_fen >= 0 AND social_insurance_fen >= 0"
        },
        schema=None,
    )

    manager.add_constraint(
        table_class_name="BidCostPlan",
        tablename="bid_cost_plan",
        constraint_name="bid_cost_plan_one_per_line",
        constraint_class=Unique,
        params={"columns": ["bid_line"], "nulls_distinct": True},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="BidCostPlan",
        tablename="bid_cost_plan",
        constraint_name="bid_cost_plan_not_negative",
        constraint_class=Check,
        params={"condition": "materials_fen >= 0 AND volunteer_hours >= 0"},
        schema=None,
    )

    return manager
