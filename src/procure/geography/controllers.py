"""Public reference data: communities with their sub-districts, and buying departments."""

from __future__ import annotations

from litestar import Controller, get
from pydantic import BaseModel

from procure.departments.tables import Department
from procure.geography.tables import Community
from procure.security.policy import Action


class CommunityOut(BaseModel):
    id: int
    code: str
    name: str
    committee_name: str
    sub_district: str
    population: int
    households: int


class DepartmentOut(BaseModel):
    id: int
    code: str
    name: str
    level: str


class ReferenceController(Controller):
    path = "/api/v1"
    tags = ["reference data"]

    @get("/communities", opt={"action": Action.public_read})
    async def communities(self) -> list[CommunityOut]:
        rows = await Community.select(
            Community.id,
            Community.code,
            Community.name,
            Community.committee_name,
            Community.sub_district.name.as_alias("sub_district"),
            Community.population,
            Community.households,
        ).order_by(Community.code)
        return [CommunityOut(**row) for row in rows]

    @get("/departments", opt={"action": Action.public_read})
    async def departments(self) -> list[DepartmentOut]:
        rows = await Department.select(
            Department.id, Department.code, Department.name, Department.level
        ).order_by(Department.code)
        return [DepartmentOut(**row) for row in rows]
