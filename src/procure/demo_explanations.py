"""The demo's explanations of low bids (财政部令第87号 第六十条).

Which opened bids had to explain their price is not written in the fixture: it is what the
platform's own evaluation start decides (``bids.services.low_bid_findings``: the relative
triggers of [procurement.abnormally_low] and the district cost floor, with the same evidence), so
the demo cannot contradict the rules as the platform applies them. A bid of a tender under
evaluation waits for its explanation; a bid of a tender past its evaluation must carry in
fixtures/demo.toml the explanation it gave (``explanation``) and the reason the committee
accepted it (``explanation_accepted``), which every seated member voted for. Loading refuses a
fixture that disagrees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.bids.services import low_bid_findings
from procure.bids.tables import Bid, BidStatus
from procure.committees.tables import CommitteeMember, MemberStatus, MemberVote, VoteQuestion
from procure.policy import get_policy
from procure.security.actors import Actor
from procure.security.tables import User
from procure.tenders.states import TenderStatus

#: Tenders whose evaluation is over: every bid that had to explain has been decided.
PAST_EVALUATION = {TenderStatus.awarded, TenderStatus.contracted, TenderStatus.unsuccessful}


@dataclass(frozen=True)
class Explained:
    """A bid of the demo that explained its price and was accepted: the committee's votes are
    written once the committee is drawn."""

    tender_id: int
    bid_id: int
    reason: str
    voted_at: datetime


async def _actor(where: Any) -> Actor | None:
    """The demo account that took the step (the audit event's actor), if the demo has one."""
    row = await User.select().where(where).order_by(User.id).first()
    return None if row is None else Actor.from_row(row)


async def request_explanations(
    tender_id: int,
    spec: dict[str, Any],
    status: TenderStatus,
    *,
    started_at: datetime,
    pending_due: datetime,
) -> list[Explained]:
    """Send the tender's opened bids to explanation as the evaluation start (``started_at``)
    would, and give the explanations the fixture records for a tender past its evaluation. A
    tender still under evaluation keeps its explanations open until ``pending_due`` (the demo
    leaves the bidder time to try the step)."""
    if status != TenderStatus.evaluation and status not in PAST_EVALUATION:
        return []
    bids = {
        row["id"]: row
        for row in await Bid.select(
            Bid.id,
            Bid.total_fen,
            Bid.organization.as_alias("organization_id"),
            Bid.organization.credit_code.as_alias("credit_code"),
        ).where((Bid.tender == tender_id) & Bid.total_fen.is_not_null())
    }
    ceiling = spec["ceiling_fen"]
    findings = await low_bid_findings(
        {bid_id: row["total_fen"] for bid_id, row in bids.items()}, ceiling_fen=ceiling
    )
    by_code = {bid["organization"]: bid for bid in spec.get("bids", [])}
    flagged = {f.bid_id for f in findings}
    for bid_id, row in bids.items():
        if bid_id not in flagged and "explanation" in by_code[row["credit_code"]]:
            raise ValueError(
                f"{spec['reference']}: {row['credit_code']} explains a price the platform "
                "does not ask it to explain"
            )
    due = started_at + timedelta(hours=get_policy().procurement.abnormally_low.explanation_hours)
    if status == TenderStatus.evaluation:
        due = pending_due
    explained = []
    for finding in findings:
        bid_spec = by_code[bids[finding.bid_id]["credit_code"]]
        await record(
            actor=None,
            action=AuditAction.explanation_requested,
            subject_type="bid",
            subject_id=finding.bid_id,
            data={
                "reasons": list(finding.reasons),
                "evidence": dict(finding.evidence),
                "due": due.isoformat(),
            },
        )
        if status == TenderStatus.evaluation:
            await Bid.update(
                {Bid.status: BidStatus.explanation_requested, Bid.explanation_due_at: pending_due}
            ).where(Bid.id == finding.bid_id)
            continue
        if not bid_spec.get("explanation") or not bid_spec.get("explanation_accepted"):
            raise ValueError(
                f"{spec['reference']}: the platform asks {bid_spec['organization']} to explain "
                f"its price ({', '.join(finding.reasons)}): the fixture must give its "
                "explanation and the committee's acceptance"
            )
        text = bid_spec["explanation"].strip()
        await Bid.update({Bid.explanation: text, Bid.explanation_due_at: due}).where(
            Bid.id == finding.bid_id
        )
        await record(
            actor=await _actor(User.organization == bids[finding.bid_id]["organization_id"]),
            action=AuditAction.explanation_given,
            subject_type="bid",
            subject_id=finding.bid_id,
            data={"length": len(text)},
        )
        explained.append(
            Explained(
                tender_id=tender_id,
                bid_id=finding.bid_id,
                reason=bid_spec["explanation_accepted"],
                voted_at=started_at + timedelta(hours=8),  # once it explained
            )
        )
    return explained


async def accept_explanations(explained: list[Explained]) -> int:
    """Every seated member of the tender's committee (since confirmed the report) votes to
    accept the explanation, before the report, as the
    platform records an accepted explanation (bids.services.explanation_decide); how many
    votes were written."""
    votes = 0
    for bid in explained:
        if await MemberVote.exists().where(
            (MemberVote.bid == bid.bid_id) & (MemberVote.question == VoteQuestion.explanation)
        ):
            continue
        members = await CommitteeMember.select(CommitteeMember.id, CommitteeMember.user).where(
            (CommitteeMember.committee.tender == bid.tender_id)
            & CommitteeMember.status.is_in([MemberStatus.seated, MemberStatus.confirmed])
        )
        if not members:
            raise ValueError(f"bid {bid.bid_id}: no seated committee accepted its explanation")
        voter = None
        for member in members:
            await MemberVote.insert(
                MemberVote(
                    member=member["id"],
                    bid=bid.bid_id,
                    question=VoteQuestion.explanation,
                    in_favour=True,
                    reason=bid.reason,
                    voted_at=bid.voted_at,
                )
            )
            voter = await _actor(User.id == member["user"])
            await record(
                actor=voter,
                action=AuditAction.committee_voted,
                subject_type="bid",
                subject_id=bid.bid_id,
                data={
                    "question": str(VoteQuestion.explanation),
                    "in_favour": True,
                    "reason": bid.reason,
                },
            )
        votes += len(members)
        await record(
            actor=voter,  # the vote that made the majority
            action=AuditAction.explanation_decided,
            subject_type="bid",
            subject_id=bid.bid_id,
            data={"accepted": True, "votes": [len(members), 0]},
        )
    return votes
