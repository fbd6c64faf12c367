"""履约验收 through the API: set up, record, invite recipients, enter opinions, submit the result
for confirmation (202, an approval), and read."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, JSONBody

from procure.acceptance import services
from procure.acceptance.schemas import (
    AcceptanceCreated,
    AcceptanceIn,
    ConcludeIn,
    ItemIn,
    OpinionIn,
    RecipientIn,
)
from procure.acceptance.selectors import acceptance_view, contract_acceptances
from procure.approvals.schemas import ApprovalRequested
from procure.security.actors import Actor
from procure.security.policy import Action


class ContractAcceptanceController(Controller):
    path = "/api/v1/contracts/{contract_id:int}/acceptances"
    tags = ["acceptance"]

    @get("/", opt={"action": Action.contract_read})
    async def index(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> list[dict[str, Any]]:
        return await contract_acceptances(request.user, contract_id)

    @post("/", status_code=201, opt={"action": Action.contract_manage})
    async def create(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        data: JSONBody[AcceptanceIn],
    ) -> AcceptanceCreated:
        """A handler sets up an acceptance of the contract (``stage`` "") or of one period."""
        return AcceptanceCreated(
            id=await services.acceptance_create(
                actor=request.user, contract_id=contract_id, data=data
            )
        )


class AcceptanceController(Controller):
    path = "/api/v1/acceptances/{acceptance_id:int}"
    tags = ["acceptance"]

    @get("/", opt={"action": Action.contract_read})
    async def detail(
        self, request: Request[Actor, Any, Any], acceptance_id: FromPath[int]
    ) -> dict[str, Any]:
        view = await acceptance_view(request.user, acceptance_id)
        return {
            **view["acceptance"],
            "members": view["members"],
            "recipients": view["recipients"],
            "items": view["items"],
        }

    @put("/items/{line_no:int}", opt={"action": Action.contract_manage})
    async def item(
        self,
        request: Request[Actor, Any, Any],
        acceptance_id: FromPath[int],
        line_no: FromPath[int],
        data: JSONBody[ItemIn],
    ) -> None:
        await services.item_record(
            actor=request.user, acceptance_id=acceptance_id, line_no=line_no, data=data
        )

    @post("/recipients", status_code=201, opt={"action": Action.contract_manage})
    async def invite(
        self,
        request: Request[Actor, Any, Any],
        acceptance_id: FromPath[int],
        data: JSONBody[RecipientIn],
    ) -> dict[str, int]:
        return {
            "id": await services.recipient_invite(
                actor=request.user, acceptance_id=acceptance_id, data=data
            )
        }

    @put("/recipients/{recipient_id:int}/opinion", opt={"action": Action.acceptance_opinion})
    async def opinion(
        self,
        request: Request[Actor, Any, Any],
        acceptance_id: FromPath[int],
        recipient_id: FromPath[int],
        data: JSONBody[OpinionIn],
    ) -> None:
        await services.opinion_record(
            actor=request.user, acceptance_id=acceptance_id, recipient_id=recipient_id, data=data
        )

    @post("/conclude", status_code=202, opt={"action": Action.contract_manage})
    async def conclude(
        self,
        request: Request[Actor, Any, Any],
        acceptance_id: FromPath[int],
        data: JSONBody[ConcludeIn],
    ) -> ApprovalRequested:
        """The handler submits the overall result; an approver confirms it
        (``acceptance.conclude``)."""
        return ApprovalRequested(
            approval_id=await services.acceptance_conclude(
                actor=request.user, acceptance_id=acceptance_id, data=data
            )
        )
