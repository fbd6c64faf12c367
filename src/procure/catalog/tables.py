"""Tables of the service catalog."""

from enum import StrEnum

from piccolo.columns import JSON, Boolean, Serial, Varchar
from piccolo.constraints import Check
from piccolo.table import Table

from procure.db.columns import enum_check, enum_column, money, parent


class CategoryCode(StrEnum):
    approval = "approval"  # 审批类
    care = "care"  # 关照类
    mutual_aid = "mutual_aid"  # 互助类
    capacity = "capacity"  # 能力类
    technology = "technology"  # 技术类


class Unit(StrEnum):
    hour = "hour"
    session = "session"
    household = "household"
    person = "person"
    month = "month"
    project = "project"
    event = "event"


class CatalogCategory(Table, tablename="catalog_category"):
    id: Serial  # the primary key Piccolo adds
    code = enum_column(CategoryCode, unique=True)
    name_zh = Varchar(length=40, null=False)
    name_en = Varchar(length=80, null=False)

    catalog_category_code_valid = enum_check("code", CategoryCode)


class CatalogItem(Table, tablename="catalog_item"):
    id: Serial  # the primary key Piccolo adds
    code = Varchar(length=32, unique=True, null=False)
    category = parent(CatalogCategory)
    name = Varchar(length=200, null=False)
    target_group = Varchar(length=200, null=False, default="")
    unit = enum_column(Unit)
    ref_price_min_fen = money()
    ref_price_max_fen = money()
    outcome_indicators = JSON(null=False, default="[]")
    active = Boolean(null=False, default=True)

    catalog_item_unit_valid = enum_check("unit", Unit)
    catalog_item_price_range = Check(
        "ref_price_min_fen >= 0 AND ref_price_max_fen >= ref_price_min_fen"
    )
