"""Reads about organizations: the public registry, an organization's own profile, and what keeps
an organization from bidding (``bidding_obstacles``, which the bids area calls)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from procure.calendar import local_today
from procure.db.pagination import Page, PageRequest, Sorting, SortRequest, contains, paginate
from procure.errors import InvalidInput, NotFound
from procure.i18n import N_
from procure.organizations.tables import (
    Debarment,
    Organization,
    OversightDecision,
    Qualification,
    QualificationKind,
    RegistrationType,
)
from procure.performance.effects import rating_in_force, ratings_in_force

#: Every organization needs a current registration certificate (登记证书) to bid, whatever its
#: ``required`` flag says: without this an organization could untick or delete its expired one.
ALWAYS_REQUIRED = frozenset({QualificationKind.registration_certificate})

#: The names of qualification kinds in the two languages an obstacle is told in.
KIND_NAMES: dict[str, tuple[str, str]] = {
    QualificationKind.registration_certificate: ("登记证书", "registration certificate"),
    QualificationKind.social_work_qualification: (
        "社会工作服务机构资质",
        "social work agency qualification",
    ),
    QualificationKind.elderly_care_license: ("养老服务备案", "elderly care licence"),
    QualificationKind.tax_exemption: ("非营利组织免税资格", "non-profit tax exemption"),
}

ObstacleCode = Literal["debarred", "qualification_expired", "qualification_missing"]


@dataclass(frozen=True)
class Obstacle:
    """One reason an organization may not bid on a given day, for machines and for people."""

    code: ObstacleCode
    message_zh: str
    message_en: str
    details: dict[str, Any] = field(default_factory=dict)


def _in_force(on: date) -> Any:
    return (Debarment.starts_on <= on) & (Debarment.ends_on > on)


async def current_debarments(
    on: date | None = None, organizations: list[int] | None = None
) -> dict[int, dict]:
    """The debarment in force on the day for each debarred organization (the one ending last),
    of every organization or of those given."""
    where = _in_force(on or local_today())
    if organizations is not None:
        where &= Debarment.organization.is_in(organizations or [-1])
    rows = (
        await Debarment.select(
            Debarment.organization, Debarment.starts_on, Debarment.ends_on, Debarment.reason
        )
        .where(where)
        .order_by(Debarment.ends_on)
    )
    return {row["organization"]: row for row in rows}


async def debarred_ids(on: date | None = None) -> set[int]:
    return set(await current_debarments(on))


#: The columns the public registry sorts by (``?sort=``); by name unless asked.
REGISTRY_SORTING = Sorting(
    columns={
        "name": Organization.name,
        "credit_code": Organization.credit_code,
        "registration_type": Organization.registration_type,
        "founded": Organization.founded_on,
        "social_workers": Organization.certified_social_workers,
    },
    default=SortRequest("name"),
    tiebreak=Organization.id,
)


async def registry_page(
    paging: PageRequest,
    *,
    order: SortRequest | None = None,
    q: str = "",
    registration_type: str = "",
) -> Page[dict[str, Any]]:
    """One page of the organizations (by name unless ``order`` says otherwise) with what the
    public registry shows (the credit rating in force, the debarment in force), filtered in
    SQL by a word of the name or the credit code and by registration type; the page's ratings
    and debarments are read in two queries, whatever its length."""
    where: Any = Organization.id.is_not_null()
    if q.strip():
        where &= contains(q.strip(), Organization.name, Organization.credit_code)
    if registration_type.strip():
        try:
            where &= Organization.registration_type == RegistrationType(registration_type.strip())
        except ValueError:
            raise InvalidInput(
                "registration_type",
                N_("%(given)r is not one of %(choices)s"),
                given=registration_type,
                choices=list(RegistrationType),
            ) from None
    query = Organization.select(
        Organization.id,
        Organization.credit_code,
        Organization.name,
        Organization.registration_type,
        Organization.founded_on,
        Organization.certified_social_workers,
        Organization.credit_rating,
    ).where(where)
    query = REGISTRY_SORTING.apply(query, order or REGISTRY_SORTING.default)
    page = await paginate(query, Organization.count().where(where), paging)
    ids = [row["id"] for row in page.items]
    debarred = await current_debarments(organizations=ids)
    ratings = await ratings_in_force({row["id"]: row["credit_rating"] for row in page.items})
    return page.map(
        lambda row: {
            **row,
            "credit_rating": ratings[row["id"]].rating,
            "debarred": row["id"] in debarred,
            "debarred_from": debarred[row["id"]]["starts_on"] if row["id"] in debarred else None,
            "debarred_until": debarred[row["id"]]["ends_on"] if row["id"] in debarred else None,
        }
    )


async def organization_choices() -> list[dict[str, Any]]:
    """Every organization's id, name and credit code, by name (a form's choice of one)."""
    return await Organization.select(
        Organization.id, Organization.name, Organization.credit_code
    ).order_by(Organization.name)


async def _qualifications(organization_id: int) -> list[dict]:
    return (
        await Qualification.select()
        .where(Qualification.organization == organization_id)
        .order_by(Qualification.kind, Qualification.issued_on)
    )


def _expired_on(qualification: dict, on: date) -> bool:
    return qualification["expires_on"] is not None and qualification["expires_on"] < on


def _valid_on(qualification: dict, on: date) -> bool:
    return qualification["issued_on"] <= on and not _expired_on(qualification, on)


def _qualification_view(row: dict, today: date) -> dict:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "document_no": row["document_no"],
        "issued_on": row["issued_on"],
        "expires_on": row["expires_on"],
        "required": row["required"],
        "expired": _expired_on(row, today),
    }


async def _debarments(organization_id: int, today: date) -> list[dict]:
    rows = (
        await Debarment.select(
            Debarment.id,
            Debarment.starts_on,
            Debarment.ends_on,
            Debarment.reason,
            Debarment.decided_by.name.as_alias("decided_by"),
        )
        .where(Debarment.organization == organization_id)
        .order_by(Debarment.starts_on, ascending=False)
    )
    return [{**row, "in_force": row["starts_on"] <= today < row["ends_on"]} for row in rows]


async def _decisions(organization_id: int) -> list[dict]:
    return await (
        OversightDecision.select(
            OversightDecision.id,
            OversightDecision.kind,
            OversightDecision.debarment_id,
            OversightDecision.before_value.as_alias("before"),
            OversightDecision.after_value.as_alias("after"),
            OversightDecision.reason,
            OversightDecision.appeal_note,
            OversightDecision.decided_by.name.as_alias("decided_by"),
            OversightDecision.decider_role,
            OversightDecision.decided_at,
        )
        .where(OversightDecision.organization == organization_id)
        .order_by(OversightDecision.decided_at, ascending=False)
        .order_by(OversightDecision.id, ascending=False)
    )


async def recent_decisions(limit: int = 10) -> list[dict]:
    """The latest oversight decisions over every organization (the regulator's start page)."""
    return await (
        OversightDecision.select(
            OversightDecision.id,
            OversightDecision.organization.as_alias("organization_id"),
            OversightDecision.organization.name.as_alias("organization_name"),
            OversightDecision.kind,
            OversightDecision.before_value.as_alias("before"),
            OversightDecision.after_value.as_alias("after"),
            OversightDecision.reason,
            OversightDecision.decided_by.name.as_alias("decided_by"),
            OversightDecision.decided_at,
        )
        .order_by(OversightDecision.decided_at, ascending=False)
        .order_by(OversightDecision.id, ascending=False)
        .limit(limit)
    )


async def organization_detail(organization_id: int, *, own: bool = False) -> dict:
    """One organization with its qualifications, debarments and today's bidding obstacles.

    The public view leaves out the contact person, the phone and the qualifications' document
    numbers; ``own`` (the organization reading itself) includes them."""
    organization = await Organization.select().where(Organization.id == organization_id).first()
    if organization is None:
        raise NotFound(N_("organization %(id)s not found"), id=organization_id)
    organization["credit_rating"] = await rating_in_force(
        organization_id, organization["credit_rating"]
    )
    today = local_today()
    qualifications = [_qualification_view(q, today) for q in await _qualifications(organization_id)]
    if not own:
        for name in ("contact_person", "phone"):
            organization.pop(name)
        for qualification in qualifications:
            qualification.pop("document_no")
    debarments = await _debarments(organization_id, today)
    return {
        **organization,
        "qualifications": qualifications,
        "debarments": debarments,
        "debarment": next((d for d in debarments if d["in_force"]), None),
        "decisions": await _decisions(organization_id),
        "obstacles": await bidding_obstacles(organization_id, on=today),
    }


async def qualification_row(organization_id: int, qualification_id: int) -> dict:
    """A qualification of the organization; another organization's is as absent as a missing one."""
    row = (
        await Qualification.select()
        .where(
            (Qualification.id == qualification_id) & (Qualification.organization == organization_id)
        )
        .first()
    )
    if row is None:
        raise NotFound(N_("qualification %(id)s not found"), id=qualification_id)
    return row


async def own_qualification(organization_id: int, qualification_id: int) -> dict:
    return _qualification_view(
        await qualification_row(organization_id, qualification_id), local_today()
    )


async def own_qualifications(organization_id: int) -> list[dict]:
    today = local_today()
    return [_qualification_view(q, today) for q in await _qualifications(organization_id)]


def _debarment_obstacle(row: dict) -> Obstacle:
    start, end = row["starts_on"].isoformat(), row["ends_on"].isoformat()
    return Obstacle(
        code="debarred",
        message_zh=f"禁止参与政府购买服务活动（{start} 至 {end} 前）：{row['reason']}",
        message_en=f"debarred from government purchase of services from {start} until {end}: "
        f"{row['reason']}",
        details={
            "debarment_id": row["id"],
            "starts_on": start,
            "ends_on": end,
            "reason": row["reason"],
        },
    )


def _qualification_obstacle(kind: str, held: list[dict], on: date) -> Obstacle | None:
    """None when one qualification of the kind is valid on the day (a renewal beats the old one)."""
    if any(_valid_on(q, on) for q in held):
        return None
    zh, en = KIND_NAMES.get(kind, (kind, kind))
    expired = [q["expires_on"] for q in held if _expired_on(q, on)]
    if expired:
        last = max(expired).isoformat()
        return Obstacle(
            code="qualification_expired",
            message_zh=f"必备资质已过期：{zh}（{last} 到期）",
            message_en=f"required qualification expired: {en} (expired on {last})",
            details={"kind": kind, "expires_on": last},
        )
    return Obstacle(
        code="qualification_missing",
        message_zh=f"缺少有效的必备资质：{zh}",
        message_en=f"required qualification missing: {en}",
        details={"kind": kind},
    )


async def bidding_obstacles(organization_id: int, *, on: date) -> list[Obstacle]:
    """Why the organization may not bid on the day; an empty list when it may.

    Debarred when a debarment has ``starts_on <= on < ends_on`` (its ``ends_on`` is the first day
    it may bid again). A required qualification kind blocks when no qualification of that kind is
    valid on the day (``issued_on <= on <= expires_on``): ``qualification_expired`` naming the
    latest expiry, or ``qualification_missing`` when none was ever valid. The registration
    certificate is always required.
    """
    if not await Organization.exists().where(Organization.id == organization_id):
        raise NotFound(N_("organization %(id)s not found"), id=organization_id)
    debarments = (
        await Debarment.select(
            Debarment.id, Debarment.starts_on, Debarment.ends_on, Debarment.reason
        )
        .where((Debarment.organization == organization_id) & _in_force(on))
        .order_by(Debarment.starts_on)
    )
    obstacles = [_debarment_obstacle(row) for row in debarments]
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for qualification in await _qualifications(organization_id):
        by_kind[qualification["kind"]].append(qualification)
    required = {str(kind) for kind in ALWAYS_REQUIRED} | {
        kind for kind, held in by_kind.items() if any(q["required"] for q in held)
    }
    for kind in sorted(required):
        if obstacle := _qualification_obstacle(kind, by_kind[kind], on):
            obstacles.append(obstacle)
    return obstacles


async def can_bid(organization_id: int, *, on: date) -> bool:
    return not await bidding_obstacles(organization_id, on=on)
