"""Reads about evaluation committees: who sits, what each viewer may see of it, the expert's
tasks, and the public record of the draw (after the award)."""

from __future__ import annotations

from typing import Any

from procure.bids.tables import Bid, BidStatus
from procure.committees.draw import ALGORITHM
from procure.committees.states import HOLDING_A_SEAT, SEATED
from procure.committees.tables import (
    CommitteeMember,
    CommitteeStatus,
    EvaluationCommittee,
    MemberKind,
    MemberStatus,
)
from procure.errors import Conflict, NotFound
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.policy import OVERSIGHT_ROLES
from procure.security.tables import Role
from procure.tenders.states import OPENED_STATES, TenderStatus
from procure.tenders.tables import Tender

#: After these tender states the committee's composition and draw are public (87号令 Art. 69:
#: the award notice names the committee).
PUBLISHED_AFTER = (TenderStatus.awarded, TenderStatus.contracted)


async def committee_of(tender_id: int) -> dict[str, Any] | None:
    return (
        await EvaluationCommittee.select()
        .where(EvaluationCommittee.tender == tender_id)
        .output(load_json=True)
        .first()
    )


async def members_of(committee_id: int) -> list[dict[str, Any]]:
    """Every member and alternate in draw order, with the name they sit under."""
    return list(
        await CommitteeMember.select(
            *CommitteeMember.all_columns(),
            CommitteeMember.user.display_name.as_alias("user_name"),
            CommitteeMember.expert.name.as_alias("expert_name"),
            CommitteeMember.expert.code.as_alias("expert_code"),
            CommitteeMember.expert.employer.as_alias("expert_employer"),
        )
        .where(CommitteeMember.committee == committee_id)
        .order_by(CommitteeMember.position)
    )


async def my_seat(actor: Actor, tender_id: int) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The committee of the tender and the actor's place on it, if the actor has one."""
    committee = await committee_of(tender_id)
    if committee is None:
        return None
    member = (
        await CommitteeMember.select()
        .where((CommitteeMember.committee == committee["id"]) & (CommitteeMember.user == actor.id))
        .first()
    )
    return None if member is None else (committee, member)


async def seated_member(actor: Actor, tender_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The committee and the actor's seat, if the actor sits on it and every seat has declared
    回避; before that no member sees any bid (财库〔2016〕198号 Art. 16)."""
    seat = await my_seat(actor, tender_id)
    if seat is None or seat[1]["status"] in (MemberStatus.alternate, MemberStatus.replaced):
        raise NotFound(N_("tender %(id)s not found among those you evaluate"), id=tender_id)
    committee, member = seat
    if committee["status"] not in (CommitteeStatus.seated, CommitteeStatus.reported):
        raise Conflict(
            N_(
                "the committee is not seated yet: until every member has declared 回避 "
                "(财库〔2016〕198号), no member sees any bid"
            )
        )
    return committee, member


async def seated_user_ids(tender_id: int) -> list[int]:
    """The users who evaluate the tender's bids: the seated committee's members."""
    committee = await committee_of(tender_id)
    if committee is None or committee["status"] not in (
        CommitteeStatus.seated,
        CommitteeStatus.reported,
    ):
        return []
    rows = await CommitteeMember.select(CommitteeMember.user).where(
        (CommitteeMember.committee == committee["id"]) & CommitteeMember.status.is_in(list(SEATED))
    )
    return [row["user"] for row in rows]


def majority(size: int) -> int:
    """More than half of the committee's members (87号令 Art. 57: 少数服从多数)."""
    return size // 2 + 1


async def bidders(tender_id: int) -> list[dict[str, Any]]:
    """The bidders' names — all a member sees before declaring 回避."""
    return list(
        await Bid.select(
            Bid.organization.as_alias("organization_id"),
            Bid.organization.name.as_alias("name"),
        )
        .where((Bid.tender == tender_id) & (Bid.status != BidStatus.withdrawn))
        .where(Bid.total_fen.is_not_null())
        .order_by(Bid.organization.name)
    )


def _can_see_names(actor: Actor | None, tender: dict[str, Any], own_seat: bool) -> bool:
    if tender["status"] in PUBLISHED_AFTER or own_seat:
        return True
    return actor is not None and actor.role in OVERSIGHT_ROLES


def _member_view(member: dict[str, Any], named: bool, number: int) -> dict[str, Any]:
    expert = member["kind"] == MemberKind.expert
    if named:
        name = member["expert_name"] if expert else member["user_name"]
    else:  # the department sees its own representatives; experts stay anonymous until award
        name = member["user_name"] if not expert else f"#{number}"
    return {
        "position": member["position"],
        "kind": member["kind"],
        "status": member["status"],
        "name": name,
        "employer": (member["expert_employer"] or "") if named and expert else "",
        "declared_at": member["declared_at"],
        "confirmed_at": member["confirmed_at"],
        "replaced_reason": member["replaced_reason"] if named else "",
    }


async def committee_view(actor: Actor, tender_id: int) -> dict[str, Any]:
    """The committee as the viewer may see it: the buying department, oversight and the
    committee's own members; anyone else (another expert included) gets 404."""
    tender = (
        await Tender.select(
            Tender.id, Tender.department, Tender.status, Tender.method, Tender.ceiling_fen
        )
        .where(Tender.id == tender_id)
        .first()
    )
    if tender is None:
        raise NotFound(N_("tender %(id)s not found"), id=tender_id)
    seat = await my_seat(actor, tender_id)
    own_department = actor.role == Role.buyer and actor.department_id == tender["department"]
    if seat is None and not own_department and actor.role not in OVERSIGHT_ROLES:
        raise NotFound(N_("tender %(id)s not found"), id=tender_id)
    committee = await committee_of(tender_id)
    if committee is None:
        return {"tender_id": tender_id, "status": None, "members": [], "me": None, "bidders": []}
    named = _can_see_names(actor, tender, seat is not None)
    members = await members_of(committee["id"])
    views, experts = [], 0
    for member in members:
        experts += member["kind"] == MemberKind.expert
        views.append(_member_view(member, named, experts))
    me = None
    declaring: list[dict[str, Any]] = []
    if seat is not None:
        mine = seat[1]
        me = {"position": mine["position"], "kind": mine["kind"], "status": mine["status"]}
        if mine["status"] == MemberStatus.drawn and tender["status"] in OPENED_STATES:
            declaring = await bidders(tender_id)
    return {
        "tender_id": tender_id,
        "status": committee["status"],
        "size": committee["size"],
        "category": committee["category"],
        "drawn_at": committee["drawn_at"],
        "seated_at": committee["seated_at"],
        "reported_at": committee["reported_at"],
        "members": views,
        "me": me,
        "bidders": declaring,
    }


async def draw_record(tender_id: int, actor: Actor | None) -> dict[str, Any]:
    """The draw as published with the award (oversight may read it at any time): enough to
    reproduce it with committees.draw.draw_order."""
    tender = await Tender.select(Tender.status).where(Tender.id == tender_id).first()
    committee = await committee_of(tender_id)
    public = tender is not None and tender["status"] in PUBLISHED_AFTER
    oversight = actor is not None and actor.role in OVERSIGHT_ROLES
    if committee is None or not committee["seed"] or not (public or oversight):
        raise NotFound(N_("no published committee draw for tender %(id)s"), id=tender_id)
    members = await members_of(committee["id"])
    experts = [m for m in members if m["kind"] == MemberKind.expert]
    representatives = [m for m in members if m["kind"] == MemberKind.buyer_representative]
    expert_seats = committee["size"] - len(representatives)
    return {
        "tender_id": tender_id,
        "algorithm": ALGORITHM,
        "seed": committee["seed"],
        "category": committee["category"],
        "size": committee["size"],
        "expert_seats": expert_seats,
        "alternates": len(experts) - expert_seats,
        "candidates": committee["candidates"],
        "excluded": committee["excluded"],
        "supplements": committee["supplements"],
        "drawn_at": committee["drawn_at"],
        "drawn": [
            {
                "expert": m["expert"],
                "code": m["expert_code"],
                "name": m["expert_name"],
                "status": m["status"],
                "replaced_reason": m["replaced_reason"],
            }
            for m in experts
        ],
        "buyer_representatives": [m["user_name"] for m in representatives],
    }


async def expert_tasks(actor: Actor) -> list[dict[str, Any]]:
    """What waits for a member across their committees: a declaration, scores, a confirmation."""
    rows = await CommitteeMember.select(
        CommitteeMember.status,
        CommitteeMember.committee.status.as_alias("committee_status"),
        CommitteeMember.committee.tender.as_alias("tender_id"),
        CommitteeMember.committee._.tender._.reference.as_alias("reference"),
        CommitteeMember.committee._.tender._.title.as_alias("title"),
        CommitteeMember.committee._.tender._.status.as_alias("tender_status"),
        CommitteeMember.committee._.tender._.submission_deadline.as_alias("deadline"),
    ).where((CommitteeMember.user == actor.id) & CommitteeMember.status.is_in(list(HOLDING_A_SEAT)))
    tasks = []
    for row in rows:
        task = None
        if row["status"] == MemberStatus.drawn:
            task = "declare"
        elif row["status"] == MemberStatus.seated and row["committee_status"] in (
            CommitteeStatus.seated,
        ):
            task = "evaluate"
        if task:
            tasks.append({**row, "task": task})
    tasks.sort(key=lambda t: t["deadline"])
    return tasks


ROLE_NAMES = {MemberKind.expert: "评审专家", MemberKind.buyer_representative: "采购人代表"}


async def roster(tender_id: int, *, named: bool, staff_named: bool = False) -> dict[str, Any]:
    """The members who sit (not the alternates nor those who stepped aside), for documents:
    experts' names when ``named`` (after the award, or for the department), else numbered; the
    buyer's representatives by name only for ``staff_named`` readers (the department), since a
    public notice names the experts (财政部令第87号 Art. 69) and no other account."""
    committee = await committee_of(tender_id)
    if committee is None:
        return {"members": [], "seed": "", "size": 0, "status": None}
    members, experts = [], 0
    for member in await members_of(committee["id"]):
        if member["status"] not in SEATED:
            continue
        expert = member["kind"] == MemberKind.expert
        experts += expert
        if expert:
            name = member["expert_name"] if named else f"评审专家{experts}"
        else:
            name = member["user_name"] if staff_named else ""
        members.append(
            {
                "name": name,
                "role": ROLE_NAMES[MemberKind(member["kind"])],
                "confirmed": member["status"] == MemberStatus.confirmed,
            }
        )
    return {
        "members": members,
        "seed": committee["seed"],
        "size": committee["size"],
        "status": committee["status"],
    }
