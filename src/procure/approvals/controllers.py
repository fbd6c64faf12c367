"""The approval API: the department's requests, and an approver's decision on one."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from procure.approvals import services
from procure.approvals.schemas import ApprovalDetail, ApprovalOut, ApprovalPage, DecisionIn
from procure.approvals.selectors import PER_PAGE, approval_detail, approval_page
from procure.db.pagination import PageRequest, page_headers, paging_dependency
from procure.security.actors import Actor
from procure.security.policy import Action


def _detail(row: dict[str, Any]) -> ApprovalDetail:
    return ApprovalDetail(**row)


class ApprovalController(Controller):
    path = "/api/v1/approvals"
    tags = ["approvals"]

    @get("/", opt={"action": Action.approval_read}, dependencies=paging_dependency(PER_PAGE))
    async def list_approvals(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
        status: FromQuery[str] = "",
        mine: FromQuery[bool] = False,
    ) -> Response[ApprovalPage]:
        """The department's approval requests, newest first; ``?status=pending`` for what
        waits, ``?mine=true`` for your own; pages: ``page``, ``per_page`` (≤ 100)."""
        page = await approval_page(request.user, paging, status=status, mine=mine)
        body = ApprovalPage(items=[ApprovalOut(**row) for row in page.items], **page.fields())
        return Response(body, headers=page_headers(request, page))

    @get("/{approval_id:int}", opt={"action": Action.approval_read})
    async def get_approval(
        self, request: Request[Actor, Any, Any], approval_id: FromPath[int]
    ) -> ApprovalDetail:
        return _detail(await approval_detail(request.user, approval_id))

    @post("/{approval_id:int}/approve", opt={"action": Action.approval_decide}, status_code=200)
    async def approve(
        self,
        request: Request[Actor, Any, Any],
        approval_id: FromPath[int],
        data: JSONBody[DecisionIn | None] = None,
    ) -> ApprovalDetail:
        """Approve a pending step: it is carried out now, in the same transaction."""
        reason = data.reason if data else ""
        await services.approval_decide(
            actor=request.user, approval_id=approval_id, approve=True, reason=reason
        )
        return _detail(await approval_detail(request.user, approval_id))

    @post("/{approval_id:int}/refuse", opt={"action": Action.approval_decide}, status_code=200)
    async def refuse(
        self,
        request: Request[Actor, Any, Any],
        approval_id: FromPath[int],
        data: JSONBody[DecisionIn],
    ) -> ApprovalDetail:
        """Refuse a pending step; it returns to its handler with the reason."""
        await services.approval_decide(
            actor=request.user, approval_id=approval_id, approve=False, reason=data.reason
        )
        return _detail(await approval_detail(request.user, approval_id))

    @post("/{approval_id:int}/withdraw", opt={"action": Action.approval_request}, status_code=200)
    async def withdraw(
        self, request: Request[Actor, Any, Any], approval_id: FromPath[int]
    ) -> ApprovalDetail:
        """The handler who asked takes a pending request back."""
        await services.approval_withdraw(actor=request.user, approval_id=approval_id)
        return _detail(await approval_detail(request.user, approval_id))
