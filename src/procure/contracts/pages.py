"""Contract pages: the contract with its cumulative amendments, and the buyer's actions."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from procure.contracts import services
from procure.contracts.selectors import amendment_history, contract_detail
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.security.tables import Role


def back(contract_id: int) -> Redirect:
    return Redirect(f"/contracts/{contract_id}", status_code=HTTP_303_SEE_OTHER)


class ContractPages(Controller):
    include_in_schema = False

    @get("/contracts/{contract_id:int}", opt={"action": Action.contract_read})
    async def detail(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Template:
        actor = request.user
        contract = await contract_detail(actor, contract_id)
        owner = actor.role == Role.buyer and actor.department_id == contract["department_id"]
        history = await amendment_history(actor, contract_id)
        return Template(
            "contracts/detail.html",
            context={"contract": contract, "history": history, "owner": owner},
        )

    @post("/contracts/{contract_id:int}/sign", opt={"action": Action.contract_manage})
    async def sign(self, request: Request[Actor, Any, Any], contract_id: FromPath[int]) -> Redirect:
        await services.contract_sign(actor=request.user, contract_id=contract_id)
        return back(contract_id)

    @post("/contracts/{contract_id:int}/complete", opt={"action": Action.contract_manage})
    async def complete(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Redirect:
        await services.contract_close(actor=request.user, contract_id=contract_id)
        return back(contract_id)

    @post("/contracts/{contract_id:int}/terminate", opt={"action": Action.contract_manage})
    async def terminate(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        await services.contract_close(
            actor=request.user, contract_id=contract_id, terminate_reason=form.get("reason", "")
        )
        return back(contract_id)
