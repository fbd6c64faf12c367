"""Reads about bids. Before the deadline nothing but the count leaves this module; after it,
the opening record is public and each bidder sees its own result."""

from __future__ import annotations

from typing import Any

from procure.bids.evaluation import evaluation_summary
from procure.bids.tables import Bid, BidStatus
from procure.errors import Conflict, NotFound
from procure.security.actors import Actor
from procure.tenders.states import OPENED_STATES, TenderStatus
from procure.tenders.tables import Tender

OWN_COLUMNS = (
    Bid.id,
    Bid.status,
    Bid.version,
    Bid.content_sha256,
    Bid.submitted_at,
    Bid.withdrawn_at,
    Bid.total_fen,
    Bid.explanation_due_at,
    Bid.explanation,
    Bid.disqualification_reason,
)


async def own_bid(actor: Actor, tender_id: int) -> dict[str, Any] | None:
    """The organization's own bid: its receipt and status, never its sealed content."""
    if actor.organization_id is None:
        return None
    return (
        await Bid.select(*OWN_COLUMNS)
        .where((Bid.tender == tender_id) & (Bid.organization == actor.organization_id))
        .first()
    )


async def opening_record(tender_id: int) -> dict[str, Any]:
    tender = (
        await Tender.select(
            Tender.reference,
            Tender.status,
            Tender.opening_at,
            Tender.submission_deadline,
            Tender.published_at,
        )
        .where(Tender.id == tender_id)
        .first()
    )
    if tender is None or tender["published_at"] is None:
        raise NotFound(f"tender {tender_id} not found")
    if tender["status"] not in {*OPENED_STATES, TenderStatus.unsuccessful}:
        raise Conflict(f"bids are sealed until {tender['submission_deadline'].isoformat()}")
    bids = (
        await Bid.select(
            Bid.id.as_alias("bid_id"),
            Bid.organization.name.as_alias("organization_name"),
            Bid.organization.credit_code.as_alias("credit_code"),
            Bid.total_fen,
            Bid.submitted_at,
            Bid.status,
        )
        .where((Bid.tender == tender_id) & Bid.total_fen.is_not_null())
        .order_by(Bid.submitted_at)
    )
    return {
        "tender_reference": tender["reference"],
        "opened_at": tender["opening_at"],
        "bid_count": len(bids),
        "bids": bids,
    }


async def bid_for(tender_id: int, organization_id: int) -> int | None:
    row = (
        await Bid.select(Bid.id)
        .where(
            (Bid.tender == tender_id)
            & (Bid.organization == organization_id)
            & (Bid.status != BidStatus.withdrawn)
        )
        .first()
    )
    return int(row["id"]) if row else None


async def award_notice_for(actor: Actor, tender_id: int) -> dict[str, Any] | None:
    """The result an organization is notified of once the award is decided: its own rank and
    scores, and the winner's (财政部令第87号: unsuccessful bidders learn their scores)."""
    if actor.organization_id is None:
        return None
    tender = await Tender.select(Tender.status).where(Tender.id == tender_id).first()
    if tender is None or tender["status"] not in (TenderStatus.awarded, TenderStatus.contracted):
        return None
    summary = await evaluation_summary(tender_id)
    mine = next((b for b in summary.bids if b.organization_id == actor.organization_id), None)
    winner = next((b for b in summary.bids if b.rank == 1), None)
    if mine is None or winner is None:
        return None
    return {
        "mine": mine,
        "winner": winner,
        "won": mine.bid_id == winner.bid_id,
        "criteria": summary.criteria,
    }
