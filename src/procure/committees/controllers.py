"""The evaluation committee API: composition and draw (the buyer's handler), 回避 declarations
and the report's confirmation (each member), the draw record (public after the award)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, JSONBody

from procure.bids.services import open_due_bids
from procure.committees import services
from procure.committees.schemas import (
    CommitteeOut,
    CompositionIn,
    DeclarationsIn,
    DrawOut,
    DrawRecord,
    StatusOut,
    TaskOut,
)
from procure.committees.selectors import committee_view, draw_record, expert_tasks
from procure.security.actors import Actor
from procure.security.guards import current_actor
from procure.security.policy import Action


class CommitteeController(Controller):
    path = "/api/v1/tenders/{tender_id:int}/committee"
    tags = ["evaluation committee"]

    @get("/", opt={"action": Action.evaluation_committee_read})
    async def show(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> CommitteeOut:
        """The committee as the viewer may see it; a drawn member also gets the bidders' names
        to declare 回避 against once the bids are opened."""
        return CommitteeOut(**await committee_view(request.user, tender_id))

    @put("/", opt={"action": Action.evaluation_committee_manage})
    async def compose(
        self,
        request: Request[Actor, Any, Any],
        tender_id: FromPath[int],
        data: JSONBody[CompositionIn],
    ) -> CommitteeOut:
        await services.committee_compose(
            actor=request.user,
            tender_id=tender_id,
            data=services.Composition(data.size, data.buyer_representatives),
        )
        return CommitteeOut(**await committee_view(request.user, tender_id))

    @post("/draw", status_code=200, opt={"action": Action.evaluation_committee_manage})
    async def draw(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> DrawOut:
        result = await services.committee_draw(actor=request.user, tender_id=tender_id)
        return DrawOut(**result)

    @post("/supplement", status_code=200, opt={"action": Action.evaluation_committee_manage})
    async def supplement(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> DrawOut:
        """A supplementary draw for seats emptied by 回避 once no alternate is left."""
        result = await services.committee_supplement(actor=request.user, tender_id=tender_id)
        return DrawOut(**result)

    @post("/declaration", status_code=200, opt={"action": Action.evaluation_declare})
    async def declare(
        self,
        request: Request[Actor, Any, Any],
        tender_id: FromPath[int],
        data: JSONBody[DeclarationsIn],
    ) -> StatusOut:
        await open_due_bids(tender_id)
        status = await services.member_declare(
            actor=request.user,
            tender_id=tender_id,
            declarations=[
                services.Declaration(d.organization_id, d.conflict, d.note)
                for d in data.declarations
            ],
        )
        return StatusOut(status=status)

    @post("/confirmation", status_code=200, opt={"action": Action.evaluation_score})
    async def confirm(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> StatusOut:
        """A member confirms the evaluation report (评审报告)."""
        status = await services.member_confirm(actor=request.user, tender_id=tender_id)
        return StatusOut(status=status)

    @get("/draw", opt={"action": Action.public_read})
    async def record(self, request: Request[Any, Any, Any], tender_id: FromPath[int]) -> DrawRecord:
        """The draw's record — seed, candidates, excluded, drawn — public with the award, so
        anyone can reproduce it (committees.draw.draw_order)."""
        return DrawRecord(**await draw_record(tender_id, current_actor(request)))


class ExpertTaskController(Controller):
    path = "/api/v1/committees"
    tags = ["evaluation committee"]

    @get("/tasks", opt={"action": Action.evaluation_declare})
    async def tasks(self, request: Request[Actor, Any, Any]) -> list[TaskOut]:
        """What waits for the signed-in member: declarations and evaluations."""
        return [TaskOut(**t) for t in await expert_tasks(request.user)]
