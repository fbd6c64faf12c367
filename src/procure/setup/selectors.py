"""Reads of a district's setup: its districts and, one page at a time (in SQL), its streets,
communities, committees, departments and users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from procure.departments.tables import Department
from procure.errors import InvalidInput, NotFound
from procure.geography.tables import Community, District, SubDistrict
from procure.i18n import N_
from procure.security.tables import User

PER_PAGE = 50
MAX_PER_PAGE = 200


async def districts() -> list[dict[str, Any]]:
    return await District.select(District.id, District.code, District.name).order_by(District.code)


async def district_by_code(code: str) -> dict[str, Any]:
    """The district of this code; with no code, the first by code (a deployment has one)."""
    query = District.select(District.id, District.code, District.name)
    if code:
        query = query.where(District.code == code)
    row = await query.order_by(District.code).first()
    if row is None:
        if code:
            raise NotFound(N_("no district %(code)s"), code=code)
        raise NotFound(N_("no district has been set up yet"))
    return row


def _sub_districts(district_id: int) -> tuple[Any, Any, Any]:
    return (
        SubDistrict,
        SubDistrict.district == district_id,
        (SubDistrict.code, SubDistrict.name),
    )


def _communities(district_id: int) -> tuple[Any, Any, Any]:
    return (
        Community,
        Community.sub_district.district == district_id,
        (
            Community.code,
            Community.name,
            Community.sub_district.code.as_alias("sub_district"),
            Community.population,
            Community.households,
        ),
    )


def _committees(district_id: int) -> tuple[Any, Any, Any]:
    return (
        Community,
        Community.sub_district.district == district_id,
        (
            Community.code.as_alias("community"),
            Community.committee_name.as_alias("name"),
            Community.name.as_alias("community_name"),
        ),
    )


def _departments(district_id: int) -> tuple[Any, Any, Any]:
    return (
        Department,
        Department.district == district_id,
        (
            Department.code,
            Department.name,
            Department.level,
            Department.sub_district.code.as_alias("sub_district"),
        ),
    )


def _users(district_id: int) -> tuple[Any, Any, Any]:
    return (
        User,
        (User.department.district == district_id)
        # Piccolo types a third join level loosely.
        | (User.community.sub_district.district == district_id),  # type: ignore[union-attr]
        (
            User.username,
            User.display_name,
            User.role,
            User.department.code.as_alias("department"),
            User.community.code.as_alias("community"),
            User.is_handler,
            User.is_approver,
            User.is_active,
        ),
    )


LISTS: dict[str, Callable[[int], tuple[Any, Any, Any]]] = {
    "sub_districts": _sub_districts,
    "communities": _communities,
    "committees": _committees,
    "departments": _departments,
    "users": _users,
}
#: Each list's natural key, its order.
ORDER = {
    "sub_districts": SubDistrict.code,
    "communities": Community.code,
    "committees": Community.code,
    "departments": Department.code,
    "users": User.username,
}


async def setup_page(
    *, district_code: str, kind: str, page: int = 1, per_page: int = PER_PAGE
) -> dict[str, Any]:
    """One page of one of the district's lists, ordered by its natural key."""
    if kind not in LISTS:
        raise InvalidInput("kind", N_("must be one of %(choices)s"), choices=list(LISTS))
    if page < 1:
        raise InvalidInput("page", N_("must be 1 or more"))
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput("per_page", N_("must be between 1 and %(most)s"), most=MAX_PER_PAGE)
    district = await district_by_code(district_code)
    table, where, columns = LISTS[kind](district["id"])
    total = await table.count().where(where)
    rows = (
        await table.select(*columns)
        .where(where)
        .order_by(ORDER[kind])
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return {
        "district": district,
        "kind": kind,
        "items": rows,
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": max(1, -(-total // per_page)),
    }
