"""The bid and evaluation API: sealed submission, the opening record, explanations, scores and
the award."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED

from procure import clock
from procure.approvals.schemas import ApprovalRequested
from procure.bids import services
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
    ScoresIn,
)
from procure.bids.selectors import award_notice_for, evaluation_view, opening_record, own_bid
from procure.errors import NotFound
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.policy import Action


async def _own(actor: Actor, tender_id: int) -> OwnBid:
    bid = await own_bid(actor, tender_id)
    if bid is None:
        raise NotFound(N_("you have no bid on this tender"))
    return OwnBid(**bid)


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

    @post("/bid/reconfirm", status_code=200, opt={"action": Action.bid_submit})
    async def reconfirm(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> OwnBid:
        """Confirm that the sealed bid stands under the tender's latest correction (更正公告);
        a bid not re-confirmed by the deadline is not opened."""
        await services.bid_reconfirm(actor=request.user, tender_id=tender_id)
        bid = await own_bid(request.user, tender_id)
        assert bid is not None
        return OwnBid(**bid)

    @get("/bid", opt={"action": Action.bid_submit})
    async def mine(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> OwnBid:
        """Your organization's bid on this tender: its id (for the explanation), version,
        status, receipt hash and any explanation asked of it; never another's."""
        return await _own(request.user, tender_id)

    @get("/bids/mine", opt={"action": Action.bid_submit})
    async def mine_listed(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> list[OwnBid]:
        """The same as ``GET …/bid`` as a list: empty when your organization has no bid here
        (an organization keeps one bid per tender, replaced in new versions)."""
        bid = await own_bid(request.user, tender_id)
        return [] if bid is None else [OwnBid(**bid)]

    @get("/result", opt={"action": Action.bid_submit})
    async def result(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> ResultOut:
        """The award notice for this organization: its rank and scores, and the winner's."""
        notice = await award_notice_for(request.user, tender_id)
        if notice is None:
            raise NotFound(N_("no award notice for you on this tender"))
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

    @post("/award", status_code=HTTP_202_ACCEPTED, opt={"action": Action.award_decide})
    async def award(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int], data: JSONBody[AwardIn]
    ) -> ApprovalRequested:
        """A handler proposes the award to the committee's first-ranked bid; it takes effect
        when an approver of the department approves it (maker–checker)."""
        approval_id = await services.award_request(
            actor=request.user, tender_id=tender_id, bid_id=data.bid_id
        )
        return ApprovalRequested(approval_id=approval_id)


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
