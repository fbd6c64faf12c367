"""The contract API: scoped reads, creation from an award, signing, amendments, completion."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from procure.contracts import services
from procure.contracts.schemas import (
    AmendmentHistory,
    AmendmentIn,
    ContractDetail,
    ContractIn,
    ContractSummary,
    TerminateIn,
)
from procure.contracts.selectors import amendment_history, contract_detail, visible_contracts
from procure.pdf.controllers import attachment
from procure.pdf.documents import contract_pdf
from procure.security.actors import Actor
from procure.security.policy import Action


class ContractController(Controller):
    path = "/api/v1/contracts"
    tags = ["contracts"]

    @get("/", opt={"action": Action.contract_read})
    async def list_contracts(self, request: Request[Actor, Any, Any]) -> list[ContractSummary]:
        return [ContractSummary(**row) for row in await visible_contracts(request.user)]

    @get("/{contract_id:int}", opt={"action": Action.contract_read})
    async def get_contract(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> ContractDetail:
        return ContractDetail(**await contract_detail(request.user, contract_id))

    @get(
        "/{contract_id:int}/document",
        opt={"action": Action.contract_read},
        media_type="application/pdf",
    )
    async def document(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Response[bytes]:
        """The contract text (合同文本) as PDF: every line, the schedule, the signature block and
        the winning bid's receipt hash."""
        name, pdf = await contract_pdf(contract_id, actor=request.user)
        disposition = attachment(name, f"contract-{contract_id}.pdf")
        return Response(
            pdf, media_type="application/pdf", headers={"content-disposition": disposition}
        )

    @get("/{contract_id:int}/amendments", opt={"action": Action.contract_read})
    async def amendments(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> AmendmentHistory:
        """The cumulative change of every amendment against the original value and scope."""
        return AmendmentHistory(**await amendment_history(request.user, contract_id))

    @post(
        "/{contract_id:int}/amendments",
        status_code=HTTP_201_CREATED,
        opt={"action": Action.contract_manage},
    )
    async def amend(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        data: JSONBody[AmendmentIn],
    ) -> AmendmentHistory:
        await services.amendment_create(actor=request.user, contract_id=contract_id, data=data)
        return AmendmentHistory(**await amendment_history(request.user, contract_id))

    @post("/{contract_id:int}/sign", status_code=200, opt={"action": Action.contract_manage})
    async def sign(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> ContractDetail:
        await services.contract_sign(actor=request.user, contract_id=contract_id)
        return ContractDetail(**await contract_detail(request.user, contract_id))

    @post("/{contract_id:int}/complete", status_code=200, opt={"action": Action.contract_manage})
    async def complete(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> ContractDetail:
        await services.contract_close(actor=request.user, contract_id=contract_id)
        return ContractDetail(**await contract_detail(request.user, contract_id))

    @post("/{contract_id:int}/terminate", status_code=200, opt={"action": Action.contract_manage})
    async def terminate(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        data: JSONBody[TerminateIn],
    ) -> ContractDetail:
        await services.contract_close(
            actor=request.user, contract_id=contract_id, terminate_reason=data.reason
        )
        return ContractDetail(**await contract_detail(request.user, contract_id))


class AwardContractController(Controller):
    path = "/api/v1/tenders/{tender_id:int}/contract"
    tags = ["contracts"]

    @post("/", status_code=HTTP_201_CREATED, opt={"action": Action.contract_manage})
    async def create(
        self,
        request: Request[Actor, Any, Any],
        tender_id: FromPath[int],
        data: JSONBody[ContractIn],
    ) -> ContractDetail:
        """A draft contract from the award, once the standstill period is over."""
        contract_id = await services.contract_create(
            actor=request.user, tender_id=tender_id, data=data
        )
        return ContractDetail(**await contract_detail(request.user, contract_id))
