"""Reads of the expert pool (评审专家库): the pool's pages and export, and what the committee draw
asks of it: who is eligible on a day in a category (``eligible_experts``), who has a conflict with
a bidder (``conflicts``) and who works for the buying department (``department_staff``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from piccolo.columns.combination import WhereRaw

from procure.calendar import local_today
from procure.catalog.selectors import category_names
from procure.committees.tables import Expert, ExpertCategory, ExpertRelationship, RelationshipKind
from procure.db.pagination import Page, PageRequest, page_request, paginate
from procure.departments.tables import Department
from procure.errors import NotFound
from procure.i18n import N_
from procure.organizations.tables import Organization
from procure.policy import get_policy
from procure.security.actors import Actor
from procure.security.tables import Role, User

PER_PAGE = 50
MAX_PER_PAGE = 200


def pool_paging(page: str | int | None = None, per_page: str | int | None = None) -> PageRequest:
    """A page of the pool: 50 experts by default, 200 at most (a committee draw's view)."""
    return page_request(page, per_page, default_per_page=PER_PAGE, max_per_page=MAX_PER_PAGE)


FIRST_PAGE = pool_paging()
BASIS = "财库〔2016〕198号 第十六条"

SUMMARY_COLUMNS = (
    Expert.id,
    Expert.code,
    Expert.name,
    Expert.employer,
    Expert.active_from,
    Expert.active_until,
)
DETAIL_COLUMNS = (
    *SUMMARY_COLUMNS,
    Expert.district.as_alias("district_id"),
    Expert.employer_organization.as_alias("employer_organization_id"),
    Expert.employer_organization.credit_code.as_alias("employer_credit_code"),
    Expert.employer_organization.name.as_alias("employer_organization_name"),
    Expert.employer_department.as_alias("employer_department_id"),
    Expert.employer_department.code.as_alias("employer_department_code"),
    Expert.employer_department.name.as_alias("employer_department_name"),
    Expert.user.as_alias("user_id"),
    Expert.user.username.as_alias("username"),
)
RELATIONSHIP_COLUMNS = (
    ExpertRelationship.id,
    ExpertRelationship.expert.as_alias("expert_id"),
    ExpertRelationship.organization.as_alias("organization_id"),
    ExpertRelationship.organization.credit_code.as_alias("credit_code"),
    ExpertRelationship.organization.name.as_alias("organization_name"),
    ExpertRelationship.kind,
    ExpertRelationship.started_on,
    ExpertRelationship.ended_on,
    ExpertRelationship.note,
)


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# -- whose pool -----------------------------------------------------------------------------------


async def actor_district(actor: Actor) -> int | None:
    """The district whose pool the actor keeps or reads: the regulator's department's district;
    None for oversight across districts (admin, auditor)."""
    if actor.role != Role.regulator:
        return None
    row = (
        await Department.select(Department.district)
        .where(Department.id == (actor.department_id or -1))
        .first()
    )
    if row is None:
        raise NotFound(N_("the regulator's department is not on record"))
    return int(row["district"])


def _in_scope(district_id: int | None) -> Any:
    return Expert.id > 0 if district_id is None else Expert.district == district_id


# -- the pool's pages and API ---------------------------------------------------------------------


def _active_on(on: date) -> Any:
    return (Expert.active_from <= on) & (
        Expert.active_until.is_null() | (Expert.active_until >= on)
    )


def _search(text: str) -> WhereRaw:
    # The same escaped LIKE as the catalog's search: "100%" finds "100%", on both engines.
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return WhereRaw(
        r"""(lower("expert"."name") LIKE {} ESCAPE '\' OR lower("expert"."code") LIKE {} """
        r"""ESCAPE '\')""",
        pattern,
        pattern,
    )


async def _categories_of(expert_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    order = list(await category_names())
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not expert_ids:
        return found
    rows = await ExpertCategory.select(
        ExpertCategory.expert, ExpertCategory.category, ExpertCategory.specialty
    ).where(ExpertCategory.expert.is_in(list(expert_ids)))
    for row in sorted(rows, key=lambda r: order.index(r["category"])):
        found[row["expert"]].append({"category": row["category"], "specialty": row["specialty"]})
    return found


async def _relationships_of(expert_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not expert_ids:
        return found
    rows = (
        await ExpertRelationship.select(*RELATIONSHIP_COLUMNS)
        .where(ExpertRelationship.expert.is_in(list(expert_ids)))
        .order_by(ExpertRelationship.id)
    )
    for row in rows:
        found[row["expert_id"]].append(row)
    return found


async def expert_page(
    *,
    district_id: int | None,
    category: str | None = None,
    active: bool | None = None,
    q: str = "",
    paging: PageRequest = FIRST_PAGE,
    on: date | None = None,
) -> Page[dict[str, Any]]:
    """One page of the pool (by code), filtered in SQL: a category, active or not on ``on``
    (today by default), and text found in the name or the code."""
    on = on or local_today()
    where = _in_scope(district_id)
    if category:
        in_category = ExpertCategory.select(ExpertCategory.expert).where(
            ExpertCategory.category == category
        )
        where &= Expert.id.is_in(in_category)
    if active is True:
        where &= _active_on(on)
    elif active is False:
        where &= (Expert.active_from > on) | (Expert.active_until < on)
    if q.strip():
        where &= _search(q.strip())
    query = Expert.select(*SUMMARY_COLUMNS).where(where).order_by(Expert.code)
    page = await paginate(query, Expert.count().where(where), paging)
    categories = await _categories_of([row["id"] for row in page.items])
    return page.map(
        lambda row: {
            **row,
            "active": row["active_from"] <= on
            and (row["active_until"] is None or row["active_until"] >= on),
            "categories": [c["category"] for c in categories[row["id"]]],
        }
    )


async def expert_detail(expert_id: int, *, district_id: int | None) -> dict[str, Any]:
    """An expert with categories and relationships; outside the district: NotFound."""
    row = (
        await Expert.select(*DETAIL_COLUMNS)
        .where((Expert.id == expert_id) & _in_scope(district_id))
        .first()
    )
    if row is None:
        raise NotFound(N_("expert %(expert)s not found"), expert=expert_id)
    row["categories"] = (await _categories_of([expert_id]))[expert_id]
    row["relationships"] = (await _relationships_of([expert_id]))[expert_id]
    return row


async def expert_id_by_code(code: str, *, district_id: int | None) -> int:
    row = (
        await Expert.select(Expert.id).where((Expert.code == code) & _in_scope(district_id)).first()
    )
    if row is None:
        raise NotFound(N_("expert %(expert)s not found"), expert=code)
    return int(row["id"])


async def experts_for_export(district_id: int | None) -> list[dict[str, Any]]:
    """Every expert of the district (of every district for oversight), by code, with categories
    and relationships: what the file holds."""
    rows = await Expert.select(*DETAIL_COLUMNS).where(_in_scope(district_id)).order_by(Expert.code)
    ids = [row["id"] for row in rows]
    categories, relationships = await _categories_of(ids), await _relationships_of(ids)
    return [
        {**row, "categories": categories[row["id"]], "relationships": relationships[row["id"]]}
        for row in rows
    ]


async def experts_by_code(codes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The experts with these codes, in any district, as ``experts_for_export`` shows them."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = await Expert.select(*DETAIL_COLUMNS).where(Expert.code.is_in(wanted))
    ids = [row["id"] for row in rows]
    categories, relationships = await _categories_of(ids), await _relationships_of(ids)
    return {
        row["code"]: {
            **row,
            "categories": categories[row["id"]],
            "relationships": relationships[row["id"]],
        }
        for row in rows
    }


async def experts_of_users(user_ids: Iterable[int]) -> dict[int, str]:
    """User id → the code of the expert linked to that account."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = await Expert.select(Expert.user, Expert.code).where(Expert.user.is_in(wanted))
    return {row["user"]: row["code"] for row in rows}


async def registry_lookups(
    credit_codes: Iterable[str], department_codes: Iterable[str], usernames: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """What a file or a request names by code, resolved: organizations by credit code,
    departments by code, accounts by username (with their role)."""
    credit, departments, names = (
        sorted(set(credit_codes)),
        sorted(set(department_codes)),
        sorted(set(usernames)),
    )
    organizations = (
        await Organization.select(Organization.id, Organization.credit_code).where(
            Organization.credit_code.is_in(credit)
        )
        if credit
        else []
    )
    found_departments = (
        await Department.select(Department.id, Department.code).where(
            Department.code.is_in(departments)
        )
        if departments
        else []
    )
    users = (
        await User.select(User.id, User.username, User.role).where(User.username.is_in(names))
        if names
        else []
    )
    return {
        "organizations": {row["credit_code"]: row["id"] for row in organizations},
        "departments": {row["code"]: row["id"] for row in found_departments},
        "users": {row["username"]: row for row in users},
    }


# -- what the committee draw asks -----------------------------------------------------------------


async def eligible_experts(*, district_id: int, category: str, on: date) -> list[dict[str, Any]]:
    """The district's experts in the category who are active on the day, by code."""
    in_category = ExpertCategory.select(ExpertCategory.expert).where(
        ExpertCategory.category == category
    )
    rows = (
        await Expert.select(
            Expert.id,
            Expert.code,
            Expert.name,
            Expert.employer,
            Expert.employer_organization.as_alias("employer_organization_id"),
            Expert.employer_department.as_alias("employer_department_id"),
            Expert.user.as_alias("user_id"),
        )
        .where((Expert.district == district_id) & _active_on(on) & Expert.id.is_in(in_category))
        .order_by(Expert.code)
    )
    specialties = {
        row["expert"]: row["specialty"]
        for row in await ExpertCategory.select(
            ExpertCategory.expert, ExpertCategory.specialty
        ).where(ExpertCategory.category == category)
    }
    return [{**row, "specialty": specialties.get(row["id"], "")} for row in rows]


REASONS: dict[str, tuple[str, str]] = {
    "employer": (
        "works for the organization (its employer on record)",
        "现工作单位为该供应商",
    ),
    RelationshipKind.employment: (
        "worked for the organization in the 3 years before the procurement",
        "参加采购活动前三年内与该供应商存在劳动关系",
    ),
    RelationshipKind.directorship: (
        "sat on the organization's board or supervisory board in the 3 years before the "
        "procurement",
        "参加采购活动前三年内担任过该供应商的董事、监事",
    ),
    RelationshipKind.family: (
        "is a close relative of the organization's legal representative or head",
        "与该供应商的法定代表人或者负责人有近亲属关系",
    ),
    RelationshipKind.other: (
        "has another relationship with the organization that could affect a fair procurement",
        "与该供应商有其他可能影响政府采购活动公平、公正进行的关系",
    ),
}


def _conflict(organization_id: int, kind: str, relationship_id: int | None) -> dict[str, Any]:
    reason, reason_zh = REASONS[kind]
    return {
        "organization_id": organization_id,
        "kind": str(kind),
        "reason": f"{reason} ({BASIS})",
        "reason_zh": f"{reason_zh}（{BASIS}）",
        "relationship_id": relationship_id,
    }


async def conflicts(
    expert_ids: Iterable[int], organization_ids: Iterable[int], on: date
) -> dict[int, list[dict[str, Any]]]:
    """Expert id → the conflicts the registry shows with these organizations on the day:
    the employer on record, and every relationship that lasted into the three years before
    ``on`` (started on or before it, ended — if at all — no earlier than three years before).
    Each conflict: organization_id, kind (employer, employment, directorship, family, other),
    reason and reason_zh (citing 财库〔2016〕198号 第十六条), relationship_id. Experts
    without a conflict are left out."""
    experts, organizations = sorted(set(expert_ids)), sorted(set(organization_ids))
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not experts or not organizations:
        return {}
    employed = await Expert.select(Expert.id, Expert.employer_organization).where(
        Expert.id.is_in(experts) & Expert.employer_organization.is_in(organizations)
    )
    for row in employed:
        found[row["id"]].append(_conflict(row["employer_organization"], "employer", None))
    since = years_before(on, get_policy().committee.relationship_years)
    related = (
        await ExpertRelationship.select(
            ExpertRelationship.id,
            ExpertRelationship.expert,
            ExpertRelationship.organization,
            ExpertRelationship.kind,
        )
        .where(
            ExpertRelationship.expert.is_in(experts)
            & ExpertRelationship.organization.is_in(organizations)
            & (ExpertRelationship.started_on.is_null() | (ExpertRelationship.started_on <= on))
            & (ExpertRelationship.ended_on.is_null() | (ExpertRelationship.ended_on >= since))
        )
        .order_by(ExpertRelationship.id)
    )
    for row in related:
        found[row["expert"]].append(
            _conflict(row["organization"], RelationshipKind(row["kind"]), row["id"])
        )
    return dict(found)


async def department_staff(expert_ids: Iterable[int], department_id: int) -> set[int]:
    """The experts who work for the buying department: they never sit as experts on its own
    project (财政部令第87号 第四十七条: 采购人代表不得以评审专家身份参加本部门或者本单位
    采购项目的评标)."""
    experts = sorted(set(expert_ids))
    if not experts:
        return set()
    rows = await Expert.select(Expert.id).where(
        Expert.id.is_in(experts) & (Expert.employer_department == department_id)
    )
    return {row["id"] for row in rows}
