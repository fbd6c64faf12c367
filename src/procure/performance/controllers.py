"""Performance through the API and the pages: the period's score, settling it, its report."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from procure.approvals.schemas import ApprovalRequested
from procure.pdf.controllers import attachment
from procure.pdf.documents import performance_report_pdf
from procure.performance import services
from procure.performance.selectors import performance_view
from procure.security.actors import Actor
from procure.security.policy import Action


def plain(result: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (
            str(value)
            if value is not None and key in ("committee", "satisfaction", "delivery", "score")
            else value
        )
        for key, value in result.items()
        if key not in ("contract", "settled")
    } | {"settled": result["settled"] is not None}


class PerformanceController(Controller):
    path = "/api/v1/contracts/{contract_id:int}/performance"
    tags = ["performance"]

    @get("/", opt={"action": Action.performance_read})
    async def current(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        period: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        """Committee evaluation, resident satisfaction and delivery, combined with the policy's
        weights into a score, a grade and the payment it implies."""
        return plain((await performance_view(request.user, contract_id, period))["result"])

    @post("/{period:str}/settle", status_code=202, opt={"action": Action.contract_manage})
    async def settle(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], period: FromPath[str]
    ) -> ApprovalRequested:
        """A handler asks an approver to settle the period as it stands."""
        return ApprovalRequested(
            approval_id=await services.performance_settle(
                actor=request.user, contract_id=contract_id, period=period
            )
        )

    @get(
        "/{period:str}/report",
        opt={"action": Action.performance_read},
        media_type="application/pdf",
    )
    async def report(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], period: FromPath[str]
    ) -> Response[bytes]:
        name, pdf = await performance_report_pdf(contract_id, period, actor=request.user)
        disposition = attachment(name, f"contract-{contract_id}-{period}-performance.pdf")
        return Response(
            pdf, media_type="application/pdf", headers={"content-disposition": disposition}
        )


class PerformancePages(Controller):
    include_in_schema = False

    @get("/contracts/{contract_id:int}/performance", opt={"action": Action.performance_read})
    async def page(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        period: FromQuery[str | None] = None,
    ) -> Template:
        return Template(
            "performance.html", context=await performance_view(request.user, contract_id, period)
        )

    @post(
        "/contracts/{contract_id:int}/performance/{period:str}/settle",
        opt={"action": Action.contract_manage},
    )
    async def settle(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], period: FromPath[str]
    ) -> Redirect:
        await services.performance_settle(
            actor=request.user, contract_id=contract_id, period=period
        )
        return Redirect(
            f"/contracts/{contract_id}/performance?period={period}", status_code=HTTP_303_SEE_OTHER
        )
