"""The work-request API: a department files, the contract's organization answers and cites."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from procure.policy import get_policy
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.workrequests import services
from procure.workrequests.schemas import (
    AdmissibleKindOut,
    AnswerIn,
    CitationIn,
    WorkRequestIn,
    WorkRequestOut,
)
from procure.workrequests.selectors import contract_requests, visible_request
from procure.workrequests.states import WorkRequestStep


class WorkRequestController(Controller):
    path = "/api/v1"
    tags = ["work requests"]

    @get("/work-requests/admissible", opt={"action": Action.disclosure_read})
    async def admissible(self) -> list[AdmissibleKindOut]:
        """The published 社区事务准入 list: the only kinds of work a department may ask."""
        return [
            AdmissibleKindOut(**kind.model_dump()) for kind in get_policy().workrequests.admissible
        ]

    @get("/contracts/{contract_id:int}/work-requests", opt={"action": Action.work_request_read})
    async def list_requests(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> list[WorkRequestOut]:
        rows = await contract_requests(request.user, contract_id)
        return [WorkRequestOut(**row) for row in rows]

    @post("/contracts/{contract_id:int}/work-requests", opt={"action": Action.work_request_file})
    async def file_request(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        data: JSONBody[WorkRequestIn],
    ) -> WorkRequestOut:
        """File a request for out-of-contract work; its kind must be on the admissible list."""
        request_id = await services.work_request_file(
            actor=request.user, contract_id=contract_id, data=data
        )
        return WorkRequestOut(**await visible_request(request.user, request_id))

    @get("/work-requests/{request_id:int}", opt={"action": Action.work_request_read})
    async def get_request(
        self, request: Request[Actor, Any, Any], request_id: FromPath[int]
    ) -> WorkRequestOut:
        return WorkRequestOut(**await visible_request(request.user, request_id))

    async def _answer(
        self, actor: Actor, request_id: int, answer: WorkRequestStep, data: AnswerIn | None
    ) -> WorkRequestOut:
        await services.work_request_answer(
            actor=actor, request_id=request_id, answer=answer, note=data.note if data else ""
        )
        return WorkRequestOut(**await visible_request(actor, request_id))

    @post(
        "/work-requests/{request_id:int}/accept",
        opt={"action": Action.work_request_answer},
        status_code=200,
    )
    async def accept(
        self,
        request: Request[Actor, Any, Any],
        request_id: FromPath[int],
        data: JSONBody[AnswerIn | None] = None,
    ) -> WorkRequestOut:
        return await self._answer(request.user, request_id, WorkRequestStep.accept, data)

    @post(
        "/work-requests/{request_id:int}/decline",
        opt={"action": Action.work_request_answer},
        status_code=200,
    )
    async def decline(
        self,
        request: Request[Actor, Any, Any],
        request_id: FromPath[int],
        data: JSONBody[AnswerIn | None] = None,
    ) -> WorkRequestOut:
        """Decline: the organization's right, which never lowers its performance score."""
        return await self._answer(request.user, request_id, WorkRequestStep.decline, data)

    @post(
        "/work-requests/{request_id:int}/propose-amendment",
        opt={"action": Action.work_request_answer},
        status_code=200,
    )
    async def propose_amendment(
        self,
        request: Request[Actor, Any, Any],
        request_id: FromPath[int],
        data: JSONBody[AnswerIn],
    ) -> WorkRequestOut:
        """Answer that the work belongs in a supplementary agreement, saying what it adds."""
        return await self._answer(request.user, request_id, WorkRequestStep.propose_amendment, data)

    @post(
        "/work-requests/{request_id:int}/citations",
        opt={"action": Action.work_request_answer},
        status_code=204,
    )
    async def cite(
        self,
        request: Request[Actor, Any, Any],
        request_id: FromPath[int],
        data: JSONBody[CitationIn],
    ) -> None:
        """Tie an out-of-contract line of a draft report to this accepted request."""
        await services.work_request_cite(
            actor=request.user, request_id=request_id, activity_line_id=data.activity_line_id
        )
