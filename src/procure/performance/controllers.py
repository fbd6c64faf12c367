"""Performance through the API and the pages: the period's score, settling it, its report."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from pydantic import BaseModel, Field

from procure.approvals.schemas import ApprovalRequested
from procure.contracts.selectors import contract_detail
from procure.db.pagination import PAGING, PageRequest, paged
from procure.pdf.controllers import attachment
from procure.pdf.documents import performance_report_pdf
from procure.performance import services
from procure.performance.selectors import objection_page, performance_view, settlements
from procure.security.actors import Actor
from procure.security.policy import Action


def plain(result: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (
            str(value)
            if value is not None
            and key in ("committee", "satisfaction", "delivery", "reported_delivery", "score")
            else value
        )
        for key, value in result.items()
        if key not in ("contract", "settled")
    } | {"settled": result["settled"] is not None}


class ObjectionIn(BaseModel):
    """The organization's grounds for objecting (申辩) to a settlement."""

    grounds: str = Field(min_length=1, max_length=4000)


class DecisionIn(BaseModel):
    """The regulator's decision on an objection: upheld (the settlement's effects are
    cancelled) or rejected (they apply), with its reasons."""

    uphold: bool
    decision: str = Field(min_length=1, max_length=4000)


def settlement_out(row: dict[str, Any]) -> dict[str, Any]:
    deadline = row["objection_deadline"]
    return {
        "id": row["id"],
        "period": row["period"],
        "score": str(row["score"]),
        "grade": row["grade"],
        "standing": row["standing"],
        "holds_payment": row["holds_payment"],
        "deduction_fen": row["deduction_fen"],
        "objection": row["objection"],
        "objection_grounds": row["objection_grounds"],
        "objection_decision": row["objection_decision"],
        "objection_deadline": None
        if deadline is None
        else {**deadline, "last_day": deadline["last_day"].isoformat()}
        | {"ends_at": deadline["ends_at"].isoformat()},
    }


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

    @get("/settlements", opt={"action": Action.performance_read})
    async def settled(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> list[dict[str, Any]]:
        """The settled periods, each with its objection period (and the rule behind it) and
        whether its effects are in force."""
        return [settlement_out(row) for row in await settlements(request.user, contract_id)]

    @post("/{period:str}/objection", status_code=200, opt={"action": Action.settlement_object})
    async def object(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        period: FromPath[str],
        data: JSONBody[ObjectionIn],
    ) -> list[dict[str, Any]]:
        """The organization objects to the settlement within its objection period."""
        await services.settlement_object(
            actor=request.user, contract_id=contract_id, period=period, grounds=data.grounds
        )
        return [settlement_out(row) for row in await settlements(request.user, contract_id)]

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


class ObjectionController(Controller):
    path = "/api/v1/objections"
    tags = ["performance"]

    @get("/", opt={"action": Action.objection_decide}, dependencies=PAGING)
    async def listing(
        self,
        request: Request[Any, Any, Any],
        paging: NamedDependency[PageRequest],
        status: FromQuery[str | None] = None,
    ) -> Response[list[dict[str, Any]]]:
        """Objections to settlements, lodged ones (awaiting a decision) first; ``status``
        filters; pages: ``page``, ``per_page`` (≤ 100), with ``X-Total-Count`` and ``Link``
        headers."""
        page = await objection_page(paging, status)
        return paged(
            request, page.map(lambda row: settlement_out(row) | {"contract": row["contract"]})
        )

    @post("/{settlement_id:int}/decision", status_code=200, opt={"action": Action.objection_decide})
    async def decide(
        self,
        request: Request[Actor, Any, Any],
        settlement_id: FromPath[int],
        data: JSONBody[DecisionIn],
    ) -> dict[str, Any]:
        await services.objection_decide(
            actor=request.user,
            settlement_id=settlement_id,
            uphold=data.uphold,
            decision=data.decision,
        )
        return {"id": settlement_id, "objection": "upheld" if data.uphold else "rejected"}


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

    @get("/contracts/{contract_id:int}/settlements", opt={"action": Action.performance_read})
    async def settlements_page(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Template:
        return Template(
            "performance/settlements.html",
            context={
                "contract": await contract_detail(request.user, contract_id),
                "settlements": await settlements(request.user, contract_id),
                "party": request.user.role == "organization",
            },
        )

    @post(
        "/contracts/{contract_id:int}/settlements/{period:str}/objection",
        opt={"action": Action.settlement_object},
    )
    async def object(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], period: FromPath[str]
    ) -> Redirect:
        form = await request.form()
        await services.settlement_object(
            actor=request.user,
            contract_id=contract_id,
            period=period,
            grounds=str(form.get("grounds", "")),
        )
        return Redirect(
            f"/contracts/{contract_id}/settlements?done=objected", status_code=HTTP_303_SEE_OTHER
        )

    @get("/objections", opt={"action": Action.objection_decide}, dependencies=PAGING)
    async def objections_page(self, paging: NamedDependency[PageRequest]) -> Template:
        return Template(
            "performance/objections.html", context={"objections": await objection_page(paging)}
        )

    @post("/objections/{settlement_id:int}/decision", opt={"action": Action.objection_decide})
    async def decide(
        self, request: Request[Actor, Any, Any], settlement_id: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        await services.objection_decide(
            actor=request.user,
            settlement_id=settlement_id,
            uphold=form.get("outcome") == "uphold",
            decision=str(form.get("decision", "")),
        )
        return Redirect("/objections?done=decided", status_code=HTTP_303_SEE_OTHER)
