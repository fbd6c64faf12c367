"""Reading an evaluation: every bid with its scores and rank, computed from the stored scores
by bids.scoring, and whether the evaluation is complete enough to award."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from procure.bids.scoring import Candidate, rank_composite, rank_lowest_price
from procure.bids.tables import Bid, BidStatus, TechnicalScore
from procure.committees.selectors import seated_user_ids
from procure.errors import NotFound
from procure.tenders.states import TENDER_NOT_FOUND, CriterionKind, EvaluationMethod
from procure.tenders.tables import EvaluationCriterion, Tender

RANKABLE = (BidStatus.valid,)
PENDING = (BidStatus.explanation_requested, BidStatus.opened)


@dataclass(frozen=True)
class CriterionView:
    code: str
    name: str
    kind: str
    weight: int


@dataclass(frozen=True)
class ScoredBid:
    bid_id: int
    organization_id: int
    organization_name: str
    credit_code: str
    total_fen: int
    status: str
    submitted_at: object
    price_score: Decimal | None = None
    technical_points: dict[str, Decimal] = field(default_factory=dict)
    total_score: Decimal | None = None
    rank: int | None = None
    disqualification_reason: str = ""


@dataclass(frozen=True)
class EvaluationSummary:
    tender_id: int
    reference: str
    title: str
    evaluation_method: str
    base_price_fen: int | None
    criteria: list[CriterionView]
    bids: list[ScoredBid]
    complete: bool
    recommended_bid_id: int | None
    evaluators: int
    missing_scores: int


async def evaluation_summary(tender_id: int) -> EvaluationSummary:
    tender = (
        await Tender.select(Tender.reference, Tender.title, Tender.evaluation_method)
        .where(Tender.id == tender_id)
        .first()
    )
    if tender is None:
        raise NotFound(TENDER_NOT_FOUND, id=tender_id)
    criteria = [
        CriterionView(c["code"], c["name"], c["kind"], c["weight"])
        for c in await EvaluationCriterion.select()
        .where(EvaluationCriterion.tender == tender_id)
        .order_by(EvaluationCriterion.id)
    ]
    technical = {c.code: c.weight for c in criteria if c.kind == CriterionKind.technical}
    price_weight = next((c.weight for c in criteria if c.kind == CriterionKind.price), 0)
    bids = (
        await Bid.select(
            Bid.id,
            Bid.organization,
            Bid.organization.name.as_alias("organization_name"),
            Bid.organization.credit_code.as_alias("credit_code"),
            Bid.total_fen,
            Bid.status,
            Bid.submitted_at,
            Bid.disqualification_reason,
        )
        .where((Bid.tender == tender_id) & Bid.total_fen.is_not_null())
        .order_by(Bid.submitted_at)
    )
    # The committee's seated members score; only their scores count.
    members = await seated_user_ids(tender_id)
    evaluators = len(members)
    scores: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row in await TechnicalScore.select(
        TechnicalScore.bid, TechnicalScore.criterion.code.as_alias("code"), TechnicalScore.score
    ).where(
        TechnicalScore.bid.is_in([b["id"] for b in bids] or [-1])
        & TechnicalScore.evaluator.is_in(members or [-1])
    ):
        scores[row["bid"]][row["code"]].append(row["score"])
    rankable = [b for b in bids if b["status"] in RANKABLE]
    composite = tender["evaluation_method"] == EvaluationMethod.composite
    missing = 0
    if composite:
        for bid in rankable:
            missing += sum(max(evaluators - len(scores[bid["id"]][code]), 0) for code in technical)
    pending = any(b["status"] in PENDING for b in bids)
    candidates = [
        Candidate(b["id"], b["total_fen"], order, scores[b["id"]])
        for order, b in enumerate(rankable)
    ]
    complete = bool(rankable) and not pending and missing == 0 and evaluators > 0
    ranked = {}
    if candidates and (complete or not composite):
        ranking = (
            rank_composite(candidates, price_weight=price_weight, technical_weights=technical)
            if composite
            else rank_lowest_price(candidates)
        )
        ranked = {r.bid_id: r for r in ranking}
    views = []
    for bid in bids:
        r = ranked.get(bid["id"])
        views.append(
            ScoredBid(
                bid_id=bid["id"],
                organization_id=bid["organization"],
                organization_name=bid["organization_name"],
                credit_code=bid["credit_code"],
                total_fen=bid["total_fen"],
                status=bid["status"],
                submitted_at=bid["submitted_at"],
                price_score=r.price_score if r else None,
                technical_points=dict(r.technical_points) if r else {},
                total_score=r.total if r else None,
                rank=r.rank if r else None,
                disqualification_reason=bid["disqualification_reason"],
            )
        )
    views.sort(key=lambda v: (v.rank is None, v.rank or 0, v.total_fen))
    recommended = next((v.bid_id for v in views if v.rank == 1), None) if complete else None
    return EvaluationSummary(
        tender_id=tender_id,
        reference=tender["reference"],
        title=tender["title"],
        evaluation_method=tender["evaluation_method"],
        base_price_fen=min((b["total_fen"] for b in rankable), default=None),
        criteria=criteria,
        bids=views,
        complete=complete,
        recommended_bid_id=recommended,
        evaluators=evaluators,
        missing_scores=missing,
    )


async def my_scores(tender_id: int, evaluator_id: int) -> dict[int, dict[str, int]]:
    """An evaluator's own scores; others' stay hidden until every score is in."""
    rows = await TechnicalScore.select(
        TechnicalScore.bid, TechnicalScore.criterion.code.as_alias("code"), TechnicalScore.score
    ).where((TechnicalScore.evaluator == evaluator_id) & (TechnicalScore.bid.tender == tender_id))
    mine: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        mine[row["bid"]][row["code"]] = row["score"]
    return dict(mine)
