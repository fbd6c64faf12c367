"""The rubric and committee evaluation API under /api/v1."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from procure.db.pagination import PAGING, PageRequest, paged
from procure.evaluations import services
from procure.evaluations.schemas import (
    EvaluationIn,
    EvaluationOut,
    RubricIn,
    RubricOut,
    RubricRevisionIn,
)
from procure.evaluations.selectors import (
    contract_evaluation_page,
    evaluation_detail,
    rubric,
    rubric_page,
)
from procure.security.actors import Actor
from procure.security.policy import Action


class RubricController(Controller):
    path = "/api/v1/rubrics"
    tags = ["evaluations"]

    # Committees score against rubrics, so everyone signed in may read them.
    @get("/", opt={"action": Action.report_read}, dependencies=PAGING)
    async def list_rubrics(
        self,
        request: Request[Any, Any, Any],
        paging: NamedDependency[PageRequest],
        name: FromQuery[str] = "",
    ) -> Response[list[RubricOut]]:
        """Every rubric and version by name, with its criteria; 社区服务评估标准 is always
        there. ``name`` filters; pages: ``page``, ``per_page`` (≤ 100), with the page headers."""
        await services.default_rubric()
        page = await rubric_page(paging, name=name)
        return paged(request, page.map(lambda row: RubricOut(**row)))

    @post("/", status_code=HTTP_201_CREATED, opt={"action": Action.rubric_manage})
    async def create_rubric(
        self, request: Request[Actor, Any, Any], data: JSONBody[RubricIn]
    ) -> RubricOut:
        """Version 1 of a new rubric: weights sum to 100, codes unique."""
        rubric_id = await services.rubric_create(actor=request.user, data=data)
        return RubricOut(**await rubric(rubric_id))

    @post(
        "/{rubric_id:int}/versions", status_code=HTTP_200_OK, opt={"action": Action.rubric_manage}
    )
    async def revise_rubric(
        self,
        request: Request[Actor, Any, Any],
        rubric_id: FromPath[int],
        data: JSONBody[RubricRevisionIn],
    ) -> RubricOut:
        """Change the criteria. A rubric in use is never edited: the answer is its next version
        (same name); one no evaluation uses yet is changed in place."""
        changed = await services.rubric_revise(actor=request.user, rubric_id=rubric_id, data=data)
        return RubricOut(**await rubric(changed))


class ContractEvaluationController(Controller):
    path = "/api/v1/contracts/{contract_id:int}/evaluations"
    tags = ["evaluations"]

    @get("/", opt={"action": Action.report_read}, dependencies=PAGING)
    async def list_evaluations(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        paging: NamedDependency[PageRequest],
        period: FromQuery[str] = "",
    ) -> Response[list[EvaluationOut]]:
        """A committee sees its community's (drafts too); the contract's buyer, organization
        and oversight see the submitted ones. The latest period first; ``period`` filters;
        pages: ``page``, ``per_page`` (≤ 100), with the page headers."""
        page = await contract_evaluation_page(request.user, contract_id, paging, period=period)
        return paged(request, page.map(lambda row: EvaluationOut(**row)))

    @put("/{period:str}", opt={"action": Action.committee_evaluate})
    async def save(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        period: FromPath[str],
        data: JSONBody[EvaluationIn],
    ) -> EvaluationOut:
        """Save the committee's draft for the period (YYYY-MM); the scores replace the draft's."""
        evaluation_id = await services.evaluation_save(
            actor=request.user, contract_id=contract_id, period=period, data=data
        )
        return EvaluationOut(**await evaluation_detail(request.user, evaluation_id))

    @post(
        "/{period:str}/submit", status_code=HTTP_200_OK, opt={"action": Action.committee_evaluate}
    )
    async def submit(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], period: FromPath[str]
    ) -> EvaluationOut:
        """Lock the draft (every criterion scored); 409 on any later change."""
        evaluation_id = await services.evaluation_submit(
            actor=request.user, contract_id=contract_id, period=period
        )
        return EvaluationOut(**await evaluation_detail(request.user, evaluation_id))


class EvaluationController(Controller):
    path = "/api/v1/evaluations"
    tags = ["evaluations"]

    @get("/{evaluation_id:int}", opt={"action": Action.report_read})
    async def get_evaluation(
        self, request: Request[Actor, Any, Any], evaluation_id: FromPath[int]
    ) -> EvaluationOut:
        return EvaluationOut(**await evaluation_detail(request.user, evaluation_id))
