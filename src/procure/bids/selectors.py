"""Reads about bids. Before the deadline nothing but the count leaves this module; after it,
the opening record is public and each bidder sees its own result."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from procure import clock
from procure.bids.costfloor import (
    FloorLine,
    FloorRates,
    LineGap,
    LinePlan,
    StaffRole,
    below_floor,
    district_rates,
)
from procure.bids.evaluation import evaluation_summary, my_scores
from procure.bids.schemas import EvaluationOut, ScoredBidOut
from procure.bids.states import BID_NOT_FOUND
from procure.bids.tables import Award, Bid, BidCostPlan, BidLine, BidStaffRole, BidStatus
from procure.committees.selectors import my_seat, seated_member
from procure.errors import Conflict, NotFound
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.tables import Role
from procure.tenders.states import (
    ACCEPTING_BIDS,
    OPENED_STATES,
    TENDER_NOT_FOUND,
    TenderStatus,
    awaiting_opening,
)
from procure.tenders.tables import Tender, TenderAmendment

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
    Bid.reconfirmation_amendment.number.as_alias("reconfirmation_amendment"),
    Bid.reconfirmed_at,
)


async def _needs_new_bid(tender_id: int, submitted_at: Any) -> bool:
    """Whether a correction published after the bid lowered the ceiling (only a new sealed bid
    confirms such a bid)."""
    return bool(
        await TenderAmendment.exists().where(
            (TenderAmendment.tender == tender_id)
            & (TenderAmendment.published_at > submitted_at)
            & TenderAmendment.resubmission_required.eq(True)
        )
    )


async def due_to_open(now: datetime) -> list[int]:
    """Tenders still taking bids whose submission deadline has passed: the opening job's work."""
    rows = (
        await Tender.select(Tender.id)
        .where(Tender.status.is_in(sorted(ACCEPTING_BIDS)) & (Tender.submission_deadline <= now))
        .order_by(Tender.submission_deadline)
    )
    return [row["id"] for row in rows]


async def own_bid(actor: Actor, tender_id: int) -> dict[str, Any] | None:
    """The organization's own bid: its receipt and status, never its sealed content."""
    if actor.organization_id is None:
        return None
    bid = (
        await Bid.select(*OWN_COLUMNS)
        .where((Bid.tender == tender_id) & (Bid.organization == actor.organization_id))
        .first()
    )
    if bid is not None:
        bid["resubmission_required"] = bid[
            "status"
        ] == BidStatus.reconfirmation_required and await _needs_new_bid(
            tender_id, bid["submitted_at"]
        )
        bid["explanation_requested"] = bid["status"] == BidStatus.explanation_requested
        bid["cost_floor"] = (
            [gap.as_evidence() for gap in await below_cost_floor(bid["id"])]
            if bid["explanation_requested"]
            else []
        )
    return bid


async def bids_to_reconfirm(actor: Actor) -> list[dict[str, Any]]:
    """The organization's bids that a correction (更正公告) asks it to re-confirm before the
    deadline, with the correction: the banner on its start page."""
    if actor.organization_id is None:
        return []
    rows = (
        await Bid.select(
            Bid.tender.as_alias("tender_id"),
            Bid.tender.reference.as_alias("reference"),
            Bid.tender.title.as_alias("title"),
            Bid.tender.submission_deadline.as_alias("submission_deadline"),
            Bid.submitted_at,
            Bid.reconfirmation_amendment.number.as_alias("number"),
            Bid.reconfirmation_amendment.summary.as_alias("summary"),
            Bid.reconfirmation_amendment.published_at.as_alias("published_at"),
        )
        .where(
            (Bid.organization == actor.organization_id)
            & (Bid.status == BidStatus.reconfirmation_required)
        )
        .order_by(Bid.tender.submission_deadline)
    )
    now = clock.now()
    return [row for row in rows if row["submission_deadline"] > now]


#: Why a bid took no part in the opening (shown with the opening record).
NOT_RECONFIRMED = "not re-confirmed after correction no. {number} by the submission deadline"


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
        raise NotFound(TENDER_NOT_FOUND, id=tender_id)
    if tender["status"] not in {*OPENED_STATES, TenderStatus.unsuccessful}:
        if awaiting_opening(tender, clock.now()):
            raise Conflict(
                N_("the deadline has passed and the bids are being opened: try again soon")
            )
        raise Conflict(
            N_("bids are sealed until %(deadline)s"),
            deadline=tender["submission_deadline"].isoformat(),
        )
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
        "not_opened": await not_opened(tender_id),
    }


async def not_opened(tender_id: int) -> list[dict[str, Any]]:
    """Bids that took no part in the opening because they were not re-confirmed after a
    correction (更正公告), with the reason: public with the opening record."""
    excluded = (
        await Bid.select(
            Bid.id.as_alias("bid_id"),
            Bid.organization.name.as_alias("organization_name"),
            Bid.organization.credit_code.as_alias("credit_code"),
            Bid.submitted_at,
            Bid.status,
            Bid.reconfirmation_amendment.number.as_alias("amendment_number"),
        )
        .where((Bid.tender == tender_id) & (Bid.status == BidStatus.not_reconfirmed))
        .order_by(Bid.submitted_at)
    )
    for row in excluded:
        row["reason"] = NOT_RECONFIRMED.format(number=row["amendment_number"])
    return excluded


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


async def evaluation_view(actor: Actor, tender_id: int) -> EvaluationOut:
    """The seated committee's members and the tender's own department. Until every member has
    declared 回避 no member sees any bid; until every score is in, each member sees only their
    own scores and nobody sees a ranking."""
    tender = (
        await Tender.select(Tender.department, Tender.status).where(Tender.id == tender_id).first()
    )
    if tender is None:
        raise NotFound(N_("tender %(id)s not found among those you evaluate"), id=tender_id)
    own_department = actor.role == Role.buyer and tender["department"] == actor.department_id
    evaluator = False
    if not own_department:
        await seated_member(actor, tender_id)  # 404 for outsiders, 409 while declaring
        evaluator = True
    elif await my_seat(actor, tender_id) is not None:
        evaluator = True
    summary = await evaluation_summary(tender_id)
    visible = summary.complete or tender["status"] in (
        TenderStatus.awarded,
        TenderStatus.contracted,
    )
    bids = [
        ScoredBidOut(
            bid_id=b.bid_id,
            organization_id=b.organization_id,
            organization_name=b.organization_name,
            total_fen=b.total_fen,
            status=b.status,
            disqualification_reason=b.disqualification_reason,
            price_score=b.price_score if visible else None,
            technical_points=b.technical_points if visible else {},
            total_score=b.total_score if visible else None,
            rank=b.rank if visible else None,
        )
        for b in summary.bids
    ]
    return EvaluationOut(
        tender_id=tender_id,
        evaluation_method=summary.evaluation_method,
        base_price_fen=summary.base_price_fen,
        complete=summary.complete,
        recommended_bid_id=summary.recommended_bid_id if visible else None,
        bids=bids,
        my_scores=await my_scores(tender_id, actor.id) if evaluator else {},
    )


async def explanations_for(tender_id: int) -> dict[int, dict[str, Any]]:
    """The abnormally-low-price explanations of a tender's bids (asked of the bidder by the
    evaluation), for the evaluators who vote on them: the text, when it was due, and whether it
    came in time, and the bid's lines below the district cost floor. Callers show it only to whom
    ``evaluation_view`` admits."""
    rows = await Bid.select(Bid.id, Bid.status, Bid.explanation, Bid.explanation_due_at).where(
        (Bid.tender == tender_id) & Bid.explanation_due_at.is_not_null()
    )
    now = clock.now()
    gaps = await floor_gaps([row["id"] for row in rows], district_rates())
    return {
        row["id"]: {
            "text": row["explanation"],
            "due_at": row["explanation_due_at"],
            "state": "given"
            if row["explanation"]
            else ("overdue" if now >= row["explanation_due_at"] else "awaited"),
            "cost_floor": gaps.get(row["id"], []),
        }
        for row in rows
    }


async def tender_of_bid(bid_id: int) -> int:
    """The tender a bid was made on (404 for no such bid)."""
    row = await Bid.select(Bid.tender).where(Bid.id == bid_id).first()
    if row is None:
        raise NotFound(BID_NOT_FOUND, id=bid_id)
    return int(row["tender"])


async def explanations_owed(actor: Actor) -> list[dict[str, Any]]:
    """The organization's bids whose abnormally low price the committee asked it to explain
    (财政部令第87号 第六十条), with the deadline (policy ``explanation_hours``): its start page."""
    if actor.organization_id is None:
        return []
    return (
        await Bid.select(
            Bid.id,
            Bid.tender.id.as_alias("tender_id"),
            Bid.tender.reference.as_alias("reference"),
            Bid.tender.title.as_alias("title"),
            Bid.explanation_due_at,
        )
        .where(
            (Bid.organization == actor.organization_id)
            & (Bid.status == BidStatus.explanation_requested)
            & (Bid.explanation == "")
        )
        .order_by(Bid.explanation_due_at)
    )


async def bid_results(actor: Actor, limit: int = 10) -> list[dict[str, Any]]:
    """The organization's latest bids on awarded tenders, each marked won or not, in one query
    for the bids and one for their tenders' awards."""
    if actor.organization_id is None:
        return []
    rows = (
        await Bid.select(
            Bid.id,
            Bid.tender.id.as_alias("tender_id"),
            Bid.tender.reference.as_alias("reference"),
            Bid.tender.title.as_alias("title"),
        )
        .where(
            (Bid.organization == actor.organization_id)
            & Bid.tender.status.is_in([TenderStatus.awarded, TenderStatus.contracted])
        )
        .order_by(Bid.id, ascending=False)
        .limit(limit)
    )
    awards = await Award.select(Award.tender, Award.bid, Award.decided_at).where(
        Award.tender.is_in([row["tender_id"] for row in rows] or [-1])
    )
    by_tender = {award["tender"]: award for award in awards}
    return [
        {
            **row,
            "won": by_tender[row["tender_id"]]["bid"] == row["id"],
            "decided_at": by_tender[row["tender_id"]]["decided_at"],
        }
        for row in rows
        if row["tender_id"] in by_tender
    ]


async def floor_lines(bid_ids: list[int]) -> dict[int, list[FloorLine]]:
    """The opened bids' lines with their quantities, catalog items and staffing and cost plans."""
    lines = await BidLine.select(
        BidLine.id,
        BidLine.bid,
        BidLine.price_fen,
        BidLine.scope_line.line_no.as_alias("line_no"),
        BidLine.scope_line.quantity.as_alias("quantity"),
        BidLine.scope_line._.catalog_item._.code.as_alias("item_code"),
    ).where(BidLine.bid.is_in(bid_ids or [-1]))
    plans = {
        row["bid_line"]: row
        for row in await BidCostPlan.select().where(
            BidCostPlan.bid_line.is_in([line["id"] for line in lines] or [-1])
        )
    }
    roles: dict[int, list[StaffRole]] = {}
    for row in (
        await BidStaffRole.select()
        .where(BidStaffRole.cost_plan.is_in([plan["id"] for plan in plans.values()] or [-1]))
        .order_by(BidStaffRole.id)
    ):
        roles.setdefault(row["cost_plan"], []).append(
            StaffRole(
                role=row["role"],
                headcount=row["headcount"],
                hours=row["hours"],
                hourly_wage_fen=row["hourly_wage_fen"],
                social_insurance_fen=row["social_insurance_fen"],
            )
        )
    by_bid: dict[int, list[FloorLine]] = {bid_id: [] for bid_id in bid_ids}
    for line in lines:
        plan = plans.get(line["id"])
        by_bid[line["bid"]].append(
            FloorLine(
                line_no=line["line_no"],
                item_code=line["item_code"],
                quantity=line["quantity"],
                price_fen=line["price_fen"],
                plan=LinePlan(
                    roles=tuple(roles.get(plan["id"], ())),
                    materials_fen=plan["materials_fen"],
                    volunteer_hours=plan["volunteer_hours"],
                )
                if plan
                else None,
            )
        )
    return by_bid


async def floor_gaps(bid_ids: list[int], rates: FloorRates) -> dict[int, list[LineGap]]:
    """Each opened bid's lines below the district cost floor (empty when it clears it)."""
    return {
        bid_id: below_floor(lines, rates) for bid_id, lines in (await floor_lines(bid_ids)).items()
    }


async def planned_staff_hours(bid_ids: list[int]) -> dict[int, dict[int, tuple[int, int]]]:
    """The paid staff hours each bid's plan puts on each scope line, with the line's quantity:
    bid → line_no → (paid hours, quantity); lines without planned staff are left out. The plan of
    the awarded bid is what its contract (Contract.award) delivers against."""
    planned: dict[int, dict[int, tuple[int, int]]] = {}
    for row in await BidStaffRole.select(
        BidStaffRole.headcount,
        BidStaffRole.hours,
        BidStaffRole.cost_plan._.bid_line._.bid.as_alias("bid"),
        BidStaffRole.cost_plan._.bid_line._.scope_line._.line_no.as_alias("line_no"),
        BidStaffRole.cost_plan._.bid_line._.scope_line._.quantity.as_alias("quantity"),
    ).where(BidStaffRole.cost_plan._.bid_line._.bid.is_in(bid_ids or [-1])):
        lines = planned.setdefault(row["bid"], {})
        paid, _quantity = lines.get(row["line_no"], (0, row["quantity"]))
        lines[row["line_no"]] = (paid + row["headcount"] * row["hours"], row["quantity"])
    return planned


async def below_cost_floor(bid_id: int) -> list[LineGap]:
    """An opened bid's lines below the district cost floor of the policy file, for the bidder
    asked to explain its price and the committee that votes on the explanation."""
    return (await floor_gaps([bid_id], district_rates()))[bid_id]


async def staffing_plan_of(bid_id: int) -> list[dict[str, Any]]:
    """The staffing and cost plan of an opened bid, per scope line that has one: what the
    contract made from the award delivers against (docs/cost-floor.md)."""
    return [
        {
            "line_no": line.line_no,
            "quantity": line.quantity,
            "roles": [asdict(role) for role in line.plan.roles],
            "paid_hours": line.plan.paid_hours,
            "volunteer_hours": line.plan.volunteer_hours,
            "materials_fen": line.plan.materials_fen,
        }
        for line in sorted((await floor_lines([bid_id]))[bid_id], key=lambda line: line.line_no)
        if line.plan is not None
    ]
