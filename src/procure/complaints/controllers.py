"""The remedies API: challenges (质疑) filed by bidders and answered by the buyer, complaints
(投诉) filed by the challenger and decided by the finance department, and its suspensions."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from procure.complaints import services
from procure.complaints.schemas import (
    AdmissibilityIn,
    AnswerIn,
    ChallengeIn,
    ChallengeOut,
    ComplaintIn,
    ComplaintOut,
    CorrectionIn,
    DecisionIn,
    LiftIn,
    PublishedDecision,
    SuspensionIn,
)
from procure.complaints.selectors import (
    challenge_detail,
    challenge_page,
    complaint_detail,
    complaint_page,
    published_decision_page,
)
from procure.db.pagination import PAGING, PageRequest, paged
from procure.security.actors import Actor
from procure.security.policy import Action


class ChallengeController(Controller):
    path = "/api/v1"
    tags = ["challenges and complaints"]

    @post(
        "/tenders/{tender_id:int}/challenges",
        status_code=HTTP_201_CREATED,
        opt={"action": Action.challenge_file},
    )
    async def file(
        self,
        request: Request[Actor, Any, Any],
        tender_id: FromPath[int],
        data: JSONBody[ChallengeIn],
    ) -> ChallengeOut:
        """A bidder challenges the documents, the process or the result (质疑, 财政部令第94号
        第十条): within 7 working days of the publication, the opening or the award notice."""
        challenge_id = await services.challenge_file(
            actor=request.user, tender_id=tender_id, data=data
        )
        return ChallengeOut(**await challenge_detail(request.user, challenge_id))

    @get("/challenges", opt={"action": Action.remedy_read}, dependencies=PAGING)
    async def list_challenges(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
        tender_id: FromQuery[int | None] = None,
        status: FromQuery[str] = "",
    ) -> Response[list[ChallengeOut]]:
        """The challenges the actor may see, newest first; other bidders of a tender see only
        the answers. Filters: ``tender_id``, ``status``; pages: ``page``, ``per_page``
        (≤ 100), with ``X-Total-Count`` and ``Link`` headers."""
        page = await challenge_page(request.user, paging, tender_id=tender_id, status=status)
        return paged(request, page.map(lambda row: ChallengeOut(**row)))

    @get("/challenges/{challenge_id:int}", opt={"action": Action.remedy_read})
    async def get_challenge(
        self, request: Request[Actor, Any, Any], challenge_id: FromPath[int]
    ) -> ChallengeOut:
        return ChallengeOut(**await challenge_detail(request.user, challenge_id))

    @post(
        "/challenges/{challenge_id:int}/answer",
        status_code=200,
        opt={"action": Action.challenge_answer},
    )
    async def answer(
        self,
        request: Request[Actor, Any, Any],
        challenge_id: FromPath[int],
        data: JSONBody[AnswerIn],
    ) -> ChallengeOut:
        """The buying department's written answer (第十三条), within 7 working days."""
        await services.challenge_answer(actor=request.user, challenge_id=challenge_id, data=data)
        return ChallengeOut(**await challenge_detail(request.user, challenge_id))

    @post(
        "/challenges/{challenge_id:int}/correction",
        status_code=200,
        opt={"action": Action.challenge_answer},
    )
    async def correction(
        self,
        request: Request[Actor, Any, Any],
        challenge_id: FromPath[int],
        data: JSONBody[CorrectionIn],
    ) -> ChallengeOut:
        """The buyer records the upheld challenge's corrective step as taken."""
        await services.challenge_correct(
            actor=request.user, challenge_id=challenge_id, note=data.note
        )
        return ChallengeOut(**await challenge_detail(request.user, challenge_id))

    @post(
        "/challenges/{challenge_id:int}/complaint",
        status_code=HTTP_201_CREATED,
        opt={"action": Action.complaint_file},
    )
    async def complain(
        self,
        request: Request[Actor, Any, Any],
        challenge_id: FromPath[int],
        data: JSONBody[ComplaintIn],
    ) -> ComplaintOut:
        """The challenger complains to the finance department (第十七条): after the answer, or
        after the answer period, within 15 working days of its end."""
        complaint_id = await services.complaint_file(
            actor=request.user, challenge_id=challenge_id, data=data
        )
        return ComplaintOut(**await complaint_detail(request.user, complaint_id))


class ComplaintController(Controller):
    path = "/api/v1"
    tags = ["challenges and complaints"]

    @get("/complaints", opt={"action": Action.remedy_read}, dependencies=PAGING)
    async def list_complaints(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
        tender_id: FromQuery[int | None] = None,
        status: FromQuery[str] = "",
    ) -> Response[list[ComplaintOut]]:
        """The complaints the actor may see, newest first. Filters: ``tender_id``, ``status``;
        pages: ``page``, ``per_page`` (≤ 100), with ``X-Total-Count`` and ``Link`` headers."""
        page = await complaint_page(request.user, paging, tender_id=tender_id, status=status)
        return paged(request, page.map(lambda row: ComplaintOut(**row)))

    @get("/complaints/decisions", opt={"action": Action.disclosure_read}, dependencies=PAGING)
    async def decisions(
        self,
        request: Request[Any, Any, Any],
        paging: NamedDependency[PageRequest],
        tender_id: FromQuery[int | None] = None,
    ) -> Response[list[PublishedDecision]]:
        """Published complaint decisions (public, 第三十三条), the latest first; ``tender_id``
        filters; pages: ``page``, ``per_page`` (≤ 100), with the page headers."""
        page = await published_decision_page(paging, tender_id=tender_id)
        return paged(request, page.map(lambda row: PublishedDecision(**row)))

    @get("/complaints/{complaint_id:int}", opt={"action": Action.remedy_read})
    async def get_complaint(
        self, request: Request[Actor, Any, Any], complaint_id: FromPath[int]
    ) -> ComplaintOut:
        return ComplaintOut(**await complaint_detail(request.user, complaint_id))

    @post(
        "/complaints/{complaint_id:int}/admissibility",
        status_code=200,
        opt={"action": Action.complaint_decide},
    )
    async def admissibility(
        self,
        request: Request[Actor, Any, Any],
        complaint_id: FromPath[int],
        data: JSONBody[AdmissibilityIn],
    ) -> ComplaintOut:
        """Accepted, or not accepted with the reason, within 5 working days (第二十一条)."""
        await services.complaint_admit(actor=request.user, complaint_id=complaint_id, data=data)
        return ComplaintOut(**await complaint_detail(request.user, complaint_id))

    @post(
        "/complaints/{complaint_id:int}/decision",
        status_code=200,
        opt={"action": Action.complaint_decide},
    )
    async def decision(
        self,
        request: Request[Actor, Any, Any],
        complaint_id: FromPath[int],
        data: JSONBody[DecisionIn],
    ) -> ComplaintOut:
        """Upheld or rejected within 30 working days of receipt (第二十六条), published."""
        await services.complaint_decide(actor=request.user, complaint_id=complaint_id, data=data)
        return ComplaintOut(**await complaint_detail(request.user, complaint_id))

    @post(
        "/complaints/{complaint_id:int}/suspension",
        status_code=HTTP_201_CREATED,
        opt={"action": Action.complaint_decide},
    )
    async def suspend(
        self,
        request: Request[Actor, Any, Any],
        complaint_id: FromPath[int],
        data: JSONBody[SuspensionIn],
    ) -> ComplaintOut:
        """Suspend the procurement (暂停采购活动, 第二十八条) for up to 30 days: no award, contract
        or signature meanwhile."""
        await services.suspension_order(actor=request.user, complaint_id=complaint_id, data=data)
        return ComplaintOut(**await complaint_detail(request.user, complaint_id))

    @post(
        "/suspensions/{suspension_id:int}/lift",
        status_code=200,
        opt={"action": Action.complaint_decide},
    )
    async def lift(
        self,
        request: Request[Actor, Any, Any],
        suspension_id: FromPath[int],
        data: JSONBody[LiftIn],
    ) -> dict[str, int]:
        """Lift a suspension before its end."""
        tender_id = await services.suspension_lift(
            actor=request.user, suspension_id=suspension_id, reason=data.reason
        )
        return {"suspension_id": suspension_id, "tender_id": tender_id}
