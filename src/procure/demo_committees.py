"""The demo's evaluation committees: every demo tender past its deadline gets the committee the
rules require, drawn from the district's pool with the real draw function and a fixed seed, its
回避 declarations (a planted registry conflict replaces the expert), and — as far as its tender
has come — seated members, their scores and their confirmation of the report."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from procure.bids.evaluation import evaluation_summary
from procure.bids.tables import Bid, BidStatus, TechnicalScore
from procure.committees.draw import candidates_for, draw_order, registry_conflicts, tender_category
from procure.committees.tables import (
    CommitteeMember,
    CommitteeStatus,
    EvaluationCommittee,
    Expert,
    MemberDeclaration,
    MemberKind,
    MemberStatus,
)
from procure.departments.tables import Department
from procure.policy import get_policy
from procure.tenders.states import TenderStatus
from procure.tenders.tables import Tender

log = logging.getLogger(__name__)

COMMITTEE_STATUS = {
    TenderStatus.opened: CommitteeStatus.drawn,  # the members have yet to declare
    TenderStatus.evaluation: CommitteeStatus.seated,
    TenderStatus.awarded: CommitteeStatus.reported,
    TenderStatus.contracted: CommitteeStatus.reported,
}


def demo_seed(reference: str) -> str:
    """A fixed, published seed per demo tender, so the demo's draws are reproducible."""
    return hashlib.sha256(f"procure-demo:{reference}".encode()).hexdigest()


async def load_committees(references: list[str], zone: ZoneInfo) -> int:
    """Draw a committee for every demo tender past its deadline that has none; returns how
    many."""
    made = 0
    tenders = await Tender.select().where(
        Tender.reference.is_in(references or ["-"])
        & Tender.status.is_in(list(COMMITTEE_STATUS))
        & Tender.id.not_in(EvaluationCommittee.select(EvaluationCommittee.tender))
    )
    for tender in tenders:
        made += await _load_committee(tender, zone)
    return made


async def _load_committee(tender: dict[str, Any], zone: ZoneInfo) -> int:
    rules = get_policy().committee
    size = rules.minimum_for(tender["method"], tender["ceiling_fen"])
    category = await tender_category(tender["id"])
    department = (
        await Department.select(Department.district)
        .where(Department.id == tender["department"])
        .first()
    )
    assert department is not None
    drawn_at: datetime = tender["submission_deadline"] - timedelta(hours=2)
    day = drawn_at.astimezone(zone).date()
    candidates, excluded = await candidates_for(
        district_id=department["district"],
        category=category,
        department_id=tender["department"],
        on=day,
    )
    if len(candidates) < size:
        log.info(
            "demo: %s has no committee: %d eligible %s experts, %d needed",
            tender["reference"],
            len(candidates),
            category,
            size,
        )
        return 0
    seed = demo_seed(tender["reference"])
    result = draw_order(seed, candidates, size, rules.alternates)
    status = COMMITTEE_STATUS[TenderStatus(tender["status"])]
    rows = await EvaluationCommittee.insert(
        EvaluationCommittee(
            tender=tender["id"],
            status=status,
            size=size,
            category=category,
            seed=seed,
            candidates=candidates,
            excluded=excluded,
            drawn_at=drawn_at,
        )
    )
    committee_id = rows[0]["id"]
    users = {
        row["id"]: row["user"]
        for row in await Expert.select(Expert.id, Expert.user).where(
            Expert.id.is_in(result.seats + result.alternates)
        )
    }
    members = []
    for position, expert_id in enumerate(result.seats + result.alternates, start=1):
        member = await CommitteeMember.insert(
            CommitteeMember(
                committee=committee_id,
                kind=MemberKind.expert,
                expert=expert_id,
                user=users[expert_id],
                position=position,
                status=MemberStatus.drawn
                if position <= len(result.seats)
                else MemberStatus.alternate,
            )
        )
        members.append((member[0]["id"], expert_id))
    if status != CommitteeStatus.drawn:
        await _declare(tender, committee_id, members, size, day)
    return 1


async def _declare(
    tender: dict[str, Any],
    committee_id: int,
    members: list[tuple[int, int]],
    size: int,
    day: Any,
) -> None:
    """Every seat declares, in draw order; a registry conflict steps aside for the next
    alternate, as the live declaration does."""
    bidders = [
        row["organization"]
        for row in await Bid.select(Bid.organization).where(
            (Bid.tender == tender["id"]) & Bid.total_fen.is_not_null()
        )
    ]
    declared_at = tender["submission_deadline"] + timedelta(minutes=30)
    queue = list(members)
    seated: list[int] = []
    while queue and len(seated) < size:
        member_id, expert_id = queue.pop(0)
        conflicts = await registry_conflicts(expert_id, bidders, on=day)
        for organization in bidders:
            await MemberDeclaration.insert(
                MemberDeclaration(
                    member=member_id,
                    organization=organization,
                    conflict=False,
                    declared_at=declared_at,
                )
            )
        values: dict[Any, Any] = {CommitteeMember.declared_at: declared_at}
        if conflicts:
            values[CommitteeMember.status] = MemberStatus.replaced
            values[CommitteeMember.replaced_reason] = "; ".join(
                f"registry ({kind}): {organization}" for organization, kind in conflicts.items()
            )
        else:
            values[CommitteeMember.status] = MemberStatus.seated
            seated.append(member_id)
        await CommitteeMember.update(values).where(CommitteeMember.id == member_id)
    await EvaluationCommittee.update({EvaluationCommittee.seated_at: declared_at}).where(
        EvaluationCommittee.id == committee_id
    )
    if len(seated) < size:
        log.info("demo: %s ran out of alternates", tender["reference"])
        await EvaluationCommittee.update({EvaluationCommittee.status: CommitteeStatus.drawn}).where(
            EvaluationCommittee.id == committee_id
        )
        return
    await _score(tender, seated)
    if tender["status"] in (TenderStatus.awarded, TenderStatus.contracted):
        summary = await evaluation_summary(tender["id"])
        reported_at = tender["submission_deadline"] + timedelta(days=2)
        await CommitteeMember.update(
            {
                CommitteeMember.status: MemberStatus.confirmed,
                CommitteeMember.confirmed_at: reported_at,
            }
        ).where(CommitteeMember.id.is_in(seated))
        await EvaluationCommittee.update(
            {
                EvaluationCommittee.ranking: [b.bid_id for b in summary.bids if b.rank],
                EvaluationCommittee.reported_at: reported_at,
            }
        ).where(EvaluationCommittee.id == committee_id)


async def _score(tender: dict[str, Any], seated: list[int]) -> None:
    """The demo's scores (one set per bid) become every seated member's scores."""
    users = [
        row["user"]
        for row in await CommitteeMember.select(CommitteeMember.user).where(
            CommitteeMember.id.is_in(seated)
        )
    ]
    scores = await TechnicalScore.select().where(
        TechnicalScore.bid.is_in(
            Bid.select(Bid.id).where(
                (Bid.tender == tender["id"]) & (Bid.status != BidStatus.withdrawn)
            )
        )
    )
    originals = {(s["bid"], s["criterion"]): s for s in scores}
    await TechnicalScore.delete().where(TechnicalScore.id.is_in([s["id"] for s in scores] or [-1]))
    for (bid, criterion), score in originals.items():
        for user in users:
            await TechnicalScore.insert(
                TechnicalScore(
                    bid=bid,
                    criterion=criterion,
                    evaluator=user,
                    score=score["score"],
                    scored_at=score["scored_at"],
                )
            )
