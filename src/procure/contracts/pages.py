"""Contract pages: the contract with its signatures and cumulative amendments, the buyer's
actions (requesting its signature, completing, terminating) and the organization's (signing,
accepting or declining a supplementary agreement)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from procure.approvals.pages import KIND_LABELS
from procure.approvals.selectors import pending_for
from procure.contracts import services
from procure.contracts.schemas import PaymentRecordIn
from procure.contracts.selectors import amendment_history, contract_detail
from procure.errors import InvalidInput, NotFound
from procure.i18n import yuan_to_fen
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.security.tables import Role
from procure.web.notices import done_url


def back(contract_id: int, note: str) -> Redirect:
    return Redirect(done_url(f"/contracts/{contract_id}", note), status_code=HTTP_303_SEE_OTHER)


class ContractPages(Controller):
    include_in_schema = False

    @get("/contracts/{contract_id:int}", opt={"action": Action.contract_read})
    async def detail(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        done: FromQuery[str] = "",
    ) -> Template:
        actor = request.user
        contract = await contract_detail(actor, contract_id)
        owner = actor.role == Role.buyer and actor.department_id == contract["department_id"]
        party = (
            actor.role == Role.organization and actor.organization_id == contract["organization_id"]
        )
        history = await amendment_history(actor, contract_id, contract=contract)
        # The buyer's department sees its requests that wait for an approver.
        pending = await pending_for("contract", contract_id) if owner else []
        return Template(
            "contracts/detail.html",
            context={
                "contract": contract,
                "history": history,
                "owner": owner,
                "handler": owner and actor.is_handler,
                "party": party,
                "pending": pending,
                "kind_labels": KIND_LABELS,
                "done": done,
            },
        )

    @post("/contracts/{contract_id:int}/sign", opt={"action": Action.contract_manage})
    async def sign(self, request: Request[Actor, Any, Any], contract_id: FromPath[int]) -> Redirect:
        await services.contract_sign(actor=request.user, contract_id=contract_id)
        return back(contract_id, "requested")

    @post(
        "/contracts/{contract_id:int}/organization/sign",
        opt={"action": Action.contract_countersign},
    )
    async def sign_for_organization(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Redirect:
        await services.contract_sign_for_organization(actor=request.user, contract_id=contract_id)
        return back(contract_id, "signed")

    @post(
        "/contracts/{contract_id:int}/amendments/{version:int}/accept",
        opt={"action": Action.contract_countersign},
    )
    async def accept_amendment(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], version: FromPath[int]
    ) -> Redirect:
        await services.amendment_accept(
            actor=request.user, contract_id=contract_id, version=version
        )
        return back(contract_id, "accepted")

    @post(
        "/contracts/{contract_id:int}/amendments/{version:int}/decline",
        opt={"action": Action.contract_countersign},
    )
    async def decline_amendment(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], version: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        await services.amendment_decline(
            actor=request.user,
            contract_id=contract_id,
            version=version,
            reason=str(form.get("reason", "")),
        )
        return back(contract_id, "declined")

    @post(
        "/contracts/{contract_id:int}/payments/{seq:int}/{step:str}",
        opt={"action": Action.contract_manage},
    )
    async def payment(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        seq: FromPath[int],
        step: FromPath[str],
    ) -> Redirect:
        """A handler asks an approver to withhold, release or record an instalment."""
        kind = f"payment.{step}"
        if kind not in services.PAYMENT_STEPS:
            raise NotFound(f"no instalment step {step!r}")
        form = await request.form()
        paid = None
        if step == "record":
            try:
                paid = PaymentRecordIn.model_validate(
                    {
                        "paid_on": str(form.get("paid_on", "")),
                        "amount_fen": yuan_to_fen(str(form.get("amount", ""))),
                        "voucher_no": str(form.get("voucher_no", "")),
                    }
                )
            except (ValueError, ArithmeticError) as error:
                raise InvalidInput("paid_on, amount, voucher_no", str(error)) from None
        await services.payment_request(
            actor=request.user,
            contract_id=contract_id,
            seq=seq,
            kind=kind,
            reason=str(form.get("reason", "")),
            paid=paid,
        )
        return back(contract_id, "payment")

    @post(
        "/contracts/{contract_id:int}/payments/{seq:int}/rectification",
        opt={"action": Action.rectification_submit},
    )
    async def rectification(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], seq: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        await services.rectification_submit(
            actor=request.user,
            contract_id=contract_id,
            seq=seq,
            description=str(form.get("description", "")),
        )
        return back(contract_id, "rectification")

    @post(
        "/contracts/{contract_id:int}/payments/{seq:int}/rectification/answer",
        opt={"action": Action.contract_manage},
    )
    async def answer_rectification(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], seq: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        await services.rectification_answer(
            actor=request.user,
            contract_id=contract_id,
            seq=seq,
            accept=form.get("outcome") == "accept",
            note=str(form.get("note", "")),
        )
        return back(contract_id, "rectification_answered")

    @post("/contracts/{contract_id:int}/complete", opt={"action": Action.contract_manage})
    async def complete(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Redirect:
        await services.contract_close(actor=request.user, contract_id=contract_id)
        return back(contract_id, "contract_completed")

    @post("/contracts/{contract_id:int}/terminate", opt={"action": Action.contract_manage})
    async def terminate(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        await services.contract_close(
            actor=request.user, contract_id=contract_id, terminate_reason=form.get("reason", "")
        )
        return back(contract_id, "contract_terminated")
