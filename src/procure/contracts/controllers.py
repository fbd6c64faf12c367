"""The contract API: scoped reads, creation from an award, the two signatures, supplementary
agreements, completion, and the instalments' steps. Steps that need an approver answer 202 with
the approval request; the approver's approval carries them out."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED

from procure.approvals.schemas import ApprovalRequested
from procure.contracts import services
from procure.contracts.schemas import (
    AmendmentHistory,
    AmendmentIn,
    AmendmentRequested,
    ContractDetail,
    ContractIn,
    ContractSummary,
    PaymentRecordIn,
    ReasonIn,
    RectificationAnswerIn,
    RectificationIn,
    TerminateIn,
)
from procure.contracts.selectors import amendment_history, contract_detail, contract_page
from procure.db.pagination import PAGING, PageRequest, paged
from procure.ocds.export import ocid_of
from procure.pdf.controllers import attachment
from procure.pdf.documents import contract_pdf
from procure.security.actors import Actor
from procure.security.policy import Action


async def detail(actor: Actor, contract_id: int) -> ContractDetail:
    """The contract with its scope lines' ids and its OCDS ocid (the tender's process)."""
    row = await contract_detail(actor, contract_id)
    reference = row.get("tender_reference")
    return ContractDetail(**row, ocid=ocid_of(reference) if reference else None)


class ContractController(Controller):
    path = "/api/v1/contracts"
    tags = ["contracts"]

    @get("/", opt={"action": Action.contract_read}, dependencies=PAGING)
    async def list_contracts(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
        status: FromQuery[str] = "",
        department: FromQuery[int | None] = None,
        organization: FromQuery[int | None] = None,
        q: FromQuery[str] = "",
    ) -> Response[list[ContractSummary]]:
        """The contracts you may see, newest first. Filters: ``status``, ``department`` and
        ``organization`` (ids), ``q`` (a word of the title or reference); pages: ``page``,
        ``per_page`` (≤ 100), with ``X-Total-Count`` and ``Link`` headers."""
        page = await contract_page(
            request.user,
            paging,
            status=status,
            department_id=department,
            organization_id=organization,
            q=q,
        )
        return paged(request, page.map(lambda row: ContractSummary(**row)))

    @get("/{contract_id:int}", opt={"action": Action.contract_read})
    async def get_contract(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> ContractDetail:
        return await detail(request.user, contract_id)

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
        status_code=HTTP_202_ACCEPTED,
        opt={"action": Action.contract_manage},
    )
    async def amend(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        data: JSONBody[AmendmentIn],
    ) -> AmendmentRequested:
        """A handler drafts a supplementary agreement (补充协议); an approver proposes it to the
        organization, whose acceptance makes it part of the contract."""
        version, approval_id = await services.amendment_create(
            actor=request.user, contract_id=contract_id, data=data
        )
        return AmendmentRequested(approval_id=approval_id, version=version)

    @post(
        "/{contract_id:int}/amendments/{version:int}/accept",
        status_code=200,
        opt={"action": Action.contract_countersign},
    )
    async def accept_amendment(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], version: FromPath[int]
    ) -> AmendmentHistory:
        """The organization signs the supplementary agreement."""
        await services.amendment_accept(
            actor=request.user, contract_id=contract_id, version=version
        )
        return AmendmentHistory(**await amendment_history(request.user, contract_id))

    @post(
        "/{contract_id:int}/amendments/{version:int}/decline",
        status_code=200,
        opt={"action": Action.contract_countersign},
    )
    async def decline_amendment(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        version: FromPath[int],
        data: JSONBody[ReasonIn],
    ) -> ContractDetail:
        """The organization declines the supplementary agreement, with its reason."""
        await services.amendment_decline(
            actor=request.user, contract_id=contract_id, version=version, reason=data.reason
        )
        return await detail(request.user, contract_id)

    @post(
        "/{contract_id:int}/amendments/{version:int}/withdraw",
        status_code=200,
        opt={"action": Action.contract_manage},
    )
    async def withdraw_amendment(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], version: FromPath[int]
    ) -> ContractDetail:
        """The buyer takes back an amendment the organization has not accepted."""
        await services.amendment_withdraw(
            actor=request.user, contract_id=contract_id, version=version
        )
        return await detail(request.user, contract_id)

    @post(
        "/{contract_id:int}/sign",
        status_code=HTTP_202_ACCEPTED,
        opt={"action": Action.contract_manage},
    )
    async def sign(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> ApprovalRequested:
        """A handler asks an approver to sign for the buyer; the approval is the signature."""
        approval_id = await services.contract_sign(actor=request.user, contract_id=contract_id)
        return ApprovalRequested(approval_id=approval_id)

    @post(
        "/{contract_id:int}/organization/sign",
        status_code=200,
        opt={"action": Action.contract_countersign},
    )
    async def sign_for_organization(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> ContractDetail:
        """The organization signs its contract; with the buyer's signature it comes into force."""
        await services.contract_sign_for_organization(actor=request.user, contract_id=contract_id)
        return await detail(request.user, contract_id)

    @post(
        "/{contract_id:int}/payments/{seq:int}/withhold",
        status_code=HTTP_202_ACCEPTED,
        opt={"action": Action.contract_manage},
    )
    async def withhold(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        seq: FromPath[int],
        data: JSONBody[ReasonIn],
    ) -> ApprovalRequested:
        """Ask an approver to hold a scheduled instalment (暂停支付), with the reason."""
        return ApprovalRequested(
            approval_id=await services.payment_request(
                actor=request.user,
                contract_id=contract_id,
                seq=seq,
                kind="payment.withhold",
                reason=data.reason,
            )
        )

    @post(
        "/{contract_id:int}/payments/{seq:int}/release",
        status_code=HTTP_202_ACCEPTED,
        opt={"action": Action.contract_manage},
    )
    async def release(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        seq: FromPath[int],
        data: JSONBody[ReasonIn],
    ) -> ApprovalRequested:
        """Ask an approver to release a held instalment (恢复支付), with the reason."""
        return ApprovalRequested(
            approval_id=await services.payment_request(
                actor=request.user,
                contract_id=contract_id,
                seq=seq,
                kind="payment.release",
                reason=data.reason,
            )
        )

    @post(
        "/{contract_id:int}/payments/{seq:int}/record",
        status_code=HTTP_202_ACCEPTED,
        opt={"action": Action.contract_manage},
    )
    async def record_payment(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        seq: FromPath[int],
        data: JSONBody[PaymentRecordIn],
    ) -> ApprovalRequested:
        """Ask an approver to record the instalment as paid: the day, the amount, the voucher."""
        return ApprovalRequested(
            approval_id=await services.payment_request(
                actor=request.user,
                contract_id=contract_id,
                seq=seq,
                kind="payment.record",
                paid=data,
            )
        )

    @post(
        "/{contract_id:int}/payments/{seq:int}/rectification",
        status_code=HTTP_201_CREATED,
        opt={"action": Action.rectification_submit},
    )
    async def submit_rectification(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        seq: FromPath[int],
        data: JSONBody[RectificationIn],
    ) -> dict[str, int]:
        """The organization reports its rectification (整改) of a held instalment."""
        return {
            "id": await services.rectification_submit(
                actor=request.user, contract_id=contract_id, seq=seq, description=data.description
            )
        }

    @post(
        "/{contract_id:int}/payments/{seq:int}/rectification/answer",
        status_code=200,
        opt={"action": Action.contract_manage},
    )
    async def answer_rectification(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        seq: FromPath[int],
        data: JSONBody[RectificationAnswerIn],
    ) -> ContractDetail:
        """A handler accepts the rectification (the release can then be requested) or returns
        it with a note."""
        await services.rectification_answer(
            actor=request.user, contract_id=contract_id, seq=seq, accept=data.accept, note=data.note
        )
        return await detail(request.user, contract_id)

    @post("/{contract_id:int}/complete", status_code=200, opt={"action": Action.contract_manage})
    async def complete(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> ContractDetail:
        await services.contract_close(actor=request.user, contract_id=contract_id)
        return await detail(request.user, contract_id)

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
        return await detail(request.user, contract_id)


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
        return await detail(request.user, contract_id)
