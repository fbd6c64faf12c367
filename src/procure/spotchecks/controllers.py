"""The spot-check API: a contract's commitments, reveals and samples; the committee's findings."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from procure.security.actors import Actor
from procure.security.policy import Action
from procure.spotchecks.schemas import ContractSpotChecksOut, VerificationIn, VerificationTaskOut
from procure.spotchecks.selectors import contract_spotchecks
from procure.spotchecks.services import verification_record


class SpotCheckController(Controller):
    path = "/api/v1/contracts/{contract_id:int}/spotchecks"
    tags = ["spotchecks"]

    @get("/", opt={"action": Action.spotcheck_read})
    async def contract_spotchecks(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> ContractSpotChecksOut:
        """Each committed period: the seed's commitment; once its report is submitted, the
        revealed seed, the drawn units as verification tasks, and the verified delivery."""
        return ContractSpotChecksOut(**await contract_spotchecks(request.user, contract_id))


class VerificationTaskController(Controller):
    path = "/api/v1/verification-tasks"
    tags = ["spotchecks"]

    @post("/{task_id:int}", status_code=HTTP_200_OK, opt={"action": Action.spotcheck_verify})
    async def record_finding(
        self,
        request: Request[Actor, Any, Any],
        task_id: FromPath[int],
        data: JSONBody[VerificationIn],
    ) -> VerificationTaskOut:
        """The committee's finding on a drawn unit: confirm, not_delivered or unreachable
        (the last two with a note). Final once recorded."""
        row = await verification_record(
            actor=request.user, task_id=task_id, outcome=data.outcome, note=data.note
        )
        return VerificationTaskOut(**row)
