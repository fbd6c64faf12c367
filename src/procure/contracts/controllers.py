"""The contract API under /api/v1/contracts, scoped to what the actor acts for."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath

from procure.contracts.schemas import ContractDetail, ContractSummary
from procure.contracts.selectors import contract_detail, visible_contracts
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
