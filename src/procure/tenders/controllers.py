"""The tender API under /api/v1/tenders: drafting, publishing, cancelling, clarifications.

Publishing, cancelling and correcting (更正公告) answer 202 with the approval request an
approver decides."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED

from procure.approvals.schemas import ApprovalRequested
from procure.db.pagination import PAGING, PageRequest, paged
from procure.ocds.export import ocid_of
from procure.security.actors import Actor
from procure.security.guards import current_actor
from procure.security.policy import Action
from procure.tenders import services
from procure.tenders.schemas import (
    AmendmentOut,
    AnswerIn,
    CancelIn,
    PublishIn,
    QuestionIn,
    TenderAmendmentIn,
    TenderDetail,
    TenderIn,
    TenderSummary,
)
from procure.tenders.selectors import tender_detail, tender_page


def with_ocid(row: dict[str, Any]) -> dict[str, Any]:
    """A tender row with its OCDS ocid once it is published (a draft is in no open data)."""
    published = row.get("published_at") is not None
    return {**row, "ocid": ocid_of(row["reference"]) if published else None}


async def detail(request: Request[Any, Any, Any], tender_id: int) -> TenderDetail:
    return TenderDetail(**with_ocid(await tender_detail(current_actor(request), tender_id)))


class TenderController(Controller):
    path = "/api/v1/tenders"
    tags = ["tenders"]

    @get("/", opt={"action": Action.tender_read}, dependencies=PAGING)
    async def list_tenders(
        self,
        request: Request[Any, Any, Any],
        paging: NamedDependency[PageRequest],
        status: FromQuery[str | None] = None,
        department: FromQuery[int | None] = None,
        method: FromQuery[str | None] = None,
        q: FromQuery[str] = "",
    ) -> Response[list[TenderSummary]]:
        """Published tenders for everyone, newest first; a buyer also sees its department's
        drafts. Filters: ``status`` (as the clock gives it), ``department`` (id), ``method``,
        ``q`` (a word of the title or reference); pages: ``page``, ``per_page`` (≤ 100), with
        ``X-Total-Count`` and ``Link`` headers."""
        page = await tender_page(
            current_actor(request),
            paging,
            status=status,
            department_id=department,
            method=method,
            q=q,
        )
        return paged(request, page.map(lambda row: TenderSummary(**with_ocid(row))))

    @get("/{tender_id:int}", opt={"action": Action.tender_read})
    async def get_tender(
        self, request: Request[Any, Any, Any], tender_id: FromPath[int]
    ) -> TenderDetail:
        return await detail(request, tender_id)

    @post("/", status_code=HTTP_201_CREATED, opt={"action": Action.tender_manage})
    async def create_tender(
        self, request: Request[Actor, Any, Any], data: JSONBody[TenderIn]
    ) -> TenderDetail:
        """A draft of the buyer's department; nothing is public until it is published."""
        return await detail(request, await services.tender_create(actor=request.user, data=data))

    @put("/{tender_id:int}", opt={"action": Action.tender_manage})
    async def update_tender(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int], data: JSONBody[TenderIn]
    ) -> TenderDetail:
        await services.tender_update(actor=request.user, tender_id=tender_id, data=data)
        return await detail(request, tender_id)

    @post(
        "/{tender_id:int}/publish",
        status_code=HTTP_202_ACCEPTED,
        opt={"action": Action.tender_manage},
    )
    async def publish(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int], data: JSONBody[PublishIn]
    ) -> ApprovalRequested:
        """A handler (经办) asks to publish the draft: everything publishing checks is checked
        now; an approver (审批负责人) of the department publishes it by approving
        (POST /api/v1/approvals/{approval_id}/approve)."""
        approval_id = await services.tender_publish_request(
            actor=request.user, tender_id=tender_id, justification=data.short_period_justification
        )
        return ApprovalRequested(approval_id=approval_id)

    @post(
        "/{tender_id:int}/amendments",
        status_code=HTTP_202_ACCEPTED,
        opt={"action": Action.tender_manage},
    )
    async def amend(
        self,
        request: Request[Actor, Any, Any],
        tender_id: FromPath[int],
        data: JSONBody[TenderAmendmentIn],
    ) -> ApprovalRequested:
        """A handler asks to correct the published tender (更正公告) before its submission
        deadline; an approver publishes the correction by approving. A change that can affect
        bid preparation, published less than 15 days before the deadline, moves the deadline
        (财政部令第87号 第二十七条) and asks every bidder so far to re-confirm its bid."""
        approval_id = await services.tender_amend_request(
            actor=request.user, tender_id=tender_id, data=data
        )
        return ApprovalRequested(approval_id=approval_id)

    @get("/{tender_id:int}/amendments", opt={"action": Action.tender_read})
    async def list_amendments(
        self, request: Request[Any, Any, Any], tender_id: FromPath[int]
    ) -> list[AmendmentOut]:
        """The published corrections, numbered 1, 2…, each with its before/after."""
        tender = await tender_detail(current_actor(request), tender_id)
        return [AmendmentOut(**row) for row in tender["amendments"]]

    @post(
        "/{tender_id:int}/cancel",
        status_code=HTTP_202_ACCEPTED,
        opt={"action": Action.tender_manage},
    )
    async def cancel(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int], data: JSONBody[CancelIn]
    ) -> ApprovalRequested:
        """A handler asks to cancel the tender with a reason; an approver cancels it by
        approving."""
        approval_id = await services.tender_cancel_request(
            actor=request.user, tender_id=tender_id, reason=data.reason
        )
        return ApprovalRequested(approval_id=approval_id)

    @post(
        "/{tender_id:int}/clarifications",
        status_code=HTTP_201_CREATED,
        opt={"action": Action.clarification_ask},
    )
    async def ask(
        self,
        request: Request[Actor, Any, Any],
        tender_id: FromPath[int],
        data: JSONBody[QuestionIn],
    ) -> dict[str, int]:
        """Ask a question; the answer is published to every bidder, the asker to nobody."""
        return {
            "id": await services.clarification_ask(
                actor=request.user, tender_id=tender_id, question=data.question
            )
        }


class ClarificationController(Controller):
    path = "/api/v1/clarifications"
    tags = ["tenders"]

    @post(
        "/{clarification_id:int}/answer",
        status_code=200,
        opt={"action": Action.clarification_answer},
    )
    async def answer(
        self,
        request: Request[Actor, Any, Any],
        clarification_id: FromPath[int],
        data: JSONBody[AnswerIn],
    ) -> None:
        await services.clarification_answer(
            actor=request.user, clarification_id=clarification_id, answer=data.answer
        )
