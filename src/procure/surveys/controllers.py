"""The survey API under /api/v1: questionnaire templates, rounds, QR sheets of tokens, results."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from procure.db.pagination import PAGING, PageRequest, paged
from procure.pdf.controllers import attachment
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.surveys import services
from procure.surveys.schemas import (
    RoundIn,
    RoundOut,
    RoundResults,
    SurveyTemplateIn,
    SurveyTemplateOut,
    TokensIn,
)
from procure.surveys.selectors import (
    contract_rounds,
    round_results,
    scoped_round,
    survey_template,
    template_page,
)
from procure.surveys.sheets import sheet_filename, token_sheet_pdf


async def token_sheet_response(
    request: Request[Actor, Any, Any], round_id: int, count: int
) -> Response[bytes]:
    """Issue COUNT tokens and answer with their QR sheet: the only time they exist in clear."""
    issued = await services.survey_tokens_issue(actor=request.user, round_id=round_id, count=count)
    pdf = await token_sheet_pdf(issued, str(request.base_url))
    return Response(
        pdf,
        status_code=HTTP_200_OK,
        media_type="application/pdf",
        headers={
            "content-disposition": attachment(
                sheet_filename(issued), f"survey-round-{round_id}-tokens.pdf"
            ),
            # Single-use codes in clear: no cache may keep a copy.
            "cache-control": "no-store",
        },
    )


class SurveyTemplateController(Controller):
    path = "/api/v1/surveys/templates"
    tags = ["surveys"]

    @get("/", opt={"action": Action.survey_template_manage}, dependencies=PAGING)
    async def list_templates(
        self, request: Request[Any, Any, Any], paging: NamedDependency[PageRequest]
    ) -> Response[list[SurveyTemplateOut]]:
        """The questionnaires in the order they were made; pages: ``page``, ``per_page``
        (≤ 100), with ``X-Total-Count`` and ``Link`` headers."""
        page = await template_page(paging)
        return paged(request, page.map(lambda row: SurveyTemplateOut(**row)))

    @post("/", status_code=HTTP_201_CREATED, opt={"action": Action.survey_template_manage})
    async def create_template(
        self, request: Request[Actor, Any, Any], data: JSONBody[SurveyTemplateIn]
    ) -> SurveyTemplateOut:
        """A questionnaire: Likert (1–5) items and optional free-text items, in order. Templates
        are never edited, so the rounds that used one keep meaning the same questions."""
        template_id = await services.survey_template_create(actor=request.user, data=data)
        return SurveyTemplateOut(**await survey_template(template_id))


class SurveyRoundController(Controller):
    path = "/api/v1/surveys/rounds"
    tags = ["surveys"]

    @post("/", status_code=HTTP_201_CREATED, opt={"action": Action.survey_manage})
    async def start_round(
        self, request: Request[Actor, Any, Any], data: JSONBody[RoundIn]
    ) -> RoundOut:
        """The committee's own community, a contract that covers it, one round per period (409
        when it exists). Without template_id, the standard questionnaire."""
        round_id = await services.survey_round_start(actor=request.user, data=data)
        return RoundOut(**await scoped_round(request.user, round_id))

    @post("/{round_id:int}/close", status_code=HTTP_200_OK, opt={"action": Action.survey_manage})
    async def close_round(
        self, request: Request[Actor, Any, Any], round_id: FromPath[int]
    ) -> RoundOut:
        """Close before closes_at (409 when closed already); the clock closes it otherwise."""
        await services.survey_round_close(actor=request.user, round_id=round_id)
        return RoundOut(**await scoped_round(request.user, round_id))

    @post(
        "/{round_id:int}/tokens",
        status_code=HTTP_200_OK,
        media_type="application/pdf",
        opt={"action": Action.survey_manage},
    )
    async def issue_tokens(
        self, request: Request[Actor, Any, Any], round_id: FromPath[int], data: JSONBody[TokensIn]
    ) -> Response[bytes]:
        """1–2000 single-use tokens as a PDF of QR codes (12 per A4 page). Only their SHA-256
        is stored: this answer is the one chance to get them."""
        return await token_sheet_response(request, round_id, data.count)

    @get("/{round_id:int}/results", opt={"action": Action.survey_results})
    async def results(
        self, request: Request[Actor, Any, Any], round_id: FromPath[int]
    ) -> RoundResults:
        """Response rate, each Likert item's mean, 95% t interval and distribution, the overall
        score, Cronbach's alpha and the free-text answers."""
        return RoundResults(**await round_results(request.user, round_id))


class ContractSurveyController(Controller):
    path = "/api/v1/contracts/{contract_id:int}/surveys"
    tags = ["surveys"]

    @get("/", opt={"action": Action.survey_results})
    async def rounds(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> list[RoundOut]:
        """The contract's survey rounds (a committee: its own community's)."""
        return [RoundOut(**row) for row in await contract_rounds(request.user, contract_id)]
