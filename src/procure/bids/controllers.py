"""The bid and evaluation API: sealed submission, the opening record, explanations, scores and
the award."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from procure import clock
from procure.bids import services
from procure.bids.evaluation import evaluation_summary, my_scores
from procure.bids.schemas import (
    AwardIn,
    BidIn,
    DecisionIn,
    DisqualifyIn,
    EvaluationOut,
    ExplanationIn,
    OpeningRecord,
    OwnBid,
    Receipt,
    ResultOut,
    ScoredBidOut,
    ScoresIn,
)
from procure.bids.selectors import award_notice_for, opening_record, own_bid
from procure.errors import NotFound
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.tenders.states import TenderStatus
from procure.tenders.tables import Tender, TenderEvaluator


async def evaluation_view(actor: Actor, tender_id: int) -> EvaluationOut:
    """Evaluators and the tender's own department. Until every score is in, each evaluator sees
    only their own scores and nobody sees a ranking."""
    await services.open_due_bids(tender_id)
    tender = (
        await Tender.select(Tender.department, Tender.status).where(Tender.id == tender_id).first()
    )
    evaluator = await TenderEvaluator.exists().where(
        (TenderEvaluator.tender == tender_id) & (TenderEvaluator.user == actor.id)
    )
    if tender is None or not (evaluator or tender["department"] == actor.department_id):
        raise NotFound(f"tender {tender_id} not found among those you evaluate")
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


class BidController(Controller):
    path = "/api/v1/tenders/{tender_id:int}"
    tags = ["bids"]

    @put("/bid", status_code=HTTP_201_CREATED, opt={"action": Action.bid_submit})
    async def submit(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int], data: JSONBody[BidIn]
    ) -> Receipt:
        """Submit or replace the sealed bid. Keep the receipt: after opening, the SHA-256 of the
        canonical content must equal it."""
        received_at = clock.now()  # the moment the request reached the server decides lateness
        return await services.bid_submit(
            actor=request.user, tender_id=tender_id, data=data, received_at=received_at
        )

    @delete("/bid", opt={"action": Action.bid_submit})
    async def withdraw(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> None:
        await services.bid_withdraw(actor=request.user, tender_id=tender_id)

    @get("/bid", opt={"action": Action.bid_submit})
    async def mine(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> OwnBid:
        await services.open_due_bids(tender_id)
        bid = await own_bid(request.user, tender_id)
        if bid is None:
            raise NotFound("you have no bid on this tender")
        return OwnBid(**{k: v for k, v in bid.items() if k != "id"})

    @get("/result", opt={"action": Action.bid_submit})
    async def result(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> ResultOut:
        """The award notice for this organization: its rank and scores, and the winner's."""
        notice = await award_notice_for(request.user, tender_id)
        if notice is None:
            raise NotFound("no award notice for you on this tender")
        mine, winner = notice["mine"], notice["winner"]
        return ResultOut(
            won=notice["won"],
            my_rank=mine.rank,
            my_total_fen=mine.total_fen,
            my_score=mine.total_score,
            my_status=mine.status,
            my_disqualification_reason=mine.disqualification_reason,
            winner_name=winner.organization_name,
            winner_total_fen=winner.total_fen,
            winner_score=winner.total_score,
        )

    @get("/opening", opt={"action": Action.public_read})
    async def opening(self, tender_id: FromPath[int]) -> OpeningRecord:
        """The opening record (开标记录): public once the deadline has passed; 409 before."""
        await services.open_due_bids(tender_id)
        return OpeningRecord(**await opening_record(tender_id))

    @post("/evaluation/start", status_code=200, opt={"action": Action.tender_manage})
    async def start(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> EvaluationOut:
        await services.evaluation_start(actor=request.user, tender_id=tender_id)
        return await evaluation_view(request.user, tender_id)

    @get("/evaluation", opt={"action": Action.evaluation_score})
    async def evaluation(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> EvaluationOut:
        return await evaluation_view(request.user, tender_id)

    @put("/evaluation/scores", opt={"action": Action.evaluation_score})
    async def score(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int], data: JSONBody[ScoresIn]
    ) -> EvaluationOut:
        await services.technical_scores_submit(
            actor=request.user, tender_id=tender_id, bid_id=data.bid_id, scores=data.scores
        )
        return await evaluation_view(request.user, tender_id)

    @post("/award", status_code=200, opt={"action": Action.award_decide})
    async def award(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int], data: JSONBody[AwardIn]
    ) -> EvaluationOut:
        await services.award_decide(actor=request.user, tender_id=tender_id, bid_id=data.bid_id)
        return await evaluation_view(request.user, tender_id)


class BidReviewController(Controller):
    path = "/api/v1/bids/{bid_id:int}"
    tags = ["bids"]

    @post("/explanation", status_code=200, opt={"action": Action.bid_explain})
    async def explain(
        self,
        request: Request[Actor, Any, Any],
        bid_id: FromPath[int],
        data: JSONBody[ExplanationIn],
    ) -> None:
        """The bidder explains an abnormally low price before the deadline it was given."""
        await services.explanation_give(
            actor=request.user, bid_id=bid_id, explanation=data.explanation
        )

    @post("/explanation/decision", status_code=200, opt={"action": Action.evaluation_score})
    async def decide(
        self, request: Request[Actor, Any, Any], bid_id: FromPath[int], data: JSONBody[DecisionIn]
    ) -> None:
        await services.explanation_decide(
            actor=request.user, bid_id=bid_id, accept=data.accept, reason=data.reason
        )

    @post("/disqualify", status_code=200, opt={"action": Action.evaluation_score})
    async def disqualify(
        self, request: Request[Actor, Any, Any], bid_id: FromPath[int], data: JSONBody[DisqualifyIn]
    ) -> None:
        await services.bid_disqualify(actor=request.user, bid_id=bid_id, reason=data.reason)
