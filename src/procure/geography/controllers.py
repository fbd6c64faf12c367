"""Public reference data: communities with their sub-districts, and buying departments."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from pydantic import BaseModel

from procure.db.pagination import PAGING, PageRequest, contains, paged, paginate
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

    @get("/communities", opt={"action": Action.public_read}, dependencies=PAGING)
    async def communities(
        self,
        request: Request[Any, Any, Any],
        paging: NamedDependency[PageRequest],
        sub_district: FromQuery[str] = "",
        q: FromQuery[str] = "",
    ) -> Response[list[CommunityOut]]:
        """The communities by code. Filters: ``sub_district`` (its code), ``q`` (a word of the
        name or the code); pages: ``page``, ``per_page`` (≤ 100), with the page headers."""
        where: Any = Community.id.is_not_null()
        if sub_district.strip():
            where &= Community.sub_district.code == sub_district.strip()
        if q.strip():
            where &= contains(q.strip(), Community.name, Community.code)
        query = (
            Community.select(
                Community.id,
                Community.code,
                Community.name,
                Community.committee_name,
                Community.sub_district.name.as_alias("sub_district"),
                Community.population,
                Community.households,
            )
            .where(where)
            .order_by(Community.code)
        )
        page = await paginate(query, Community.count().where(where), paging)
        return paged(request, page.map(lambda row: CommunityOut(**row)))

    @get("/departments", opt={"action": Action.public_read}, dependencies=PAGING)
    async def departments(
        self,
        request: Request[Any, Any, Any],
        paging: NamedDependency[PageRequest],
        q: FromQuery[str] = "",
    ) -> Response[list[DepartmentOut]]:
        """The buying departments by code; ``q`` (a word of the name or the code) filters;
        pages: ``page``, ``per_page`` (≤ 100), with the page headers."""
        where: Any = Department.id.is_not_null()
        if q.strip():
            where &= contains(q.strip(), Department.name, Department.code)
        query = (
            Department.select(Department.id, Department.code, Department.name, Department.level)
            .where(where)
            .order_by(Department.code)
        )
        page = await paginate(query, Department.count().where(where), paging)
        return paged(request, page.map(lambda row: DepartmentOut(**row)))
