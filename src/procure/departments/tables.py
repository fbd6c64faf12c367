"""The departments that buy services."""

from enum import StrEnum

from piccolo.columns import Serial, Varchar
from piccolo.table import Table

from procure.db.columns import enum_check, enum_column, parent
from procure.geography.tables import District, SubDistrict


class DepartmentLevel(StrEnum):
    district = "district"
    sub_district = "sub_district"


class Department(Table, tablename="department"):
    id: Serial  # the primary key Piccolo adds
    code = Varchar(length=32, unique=True, null=False)
    name = Varchar(length=120, null=False)
    district = parent(District)
    level = enum_column(DepartmentLevel)
    sub_district = parent(SubDistrict, null=True)

    department_level_valid = enum_check("level", DepartmentLevel)
