"""The spot-check API: a contract's commitments, reveals and samples; the committee's findings."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from procure.security.actors import Actor
from procure.security.policy import Action
from procure.spotchecks.schemas import (
    ContractSpotChecksOut,
    MonitorIn,
    MonitorOut,
    MonitorTaskOut,
    VerificationIn,
    VerificationTaskOut,
)
from procure.spotchecks.selectors import community_monitors, contract_spotchecks, monitor_tasks
from procure.spotchecks.services import monitor_deactivate, monitor_register, verification_record


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
        """The finding of the committee, or of a resident monitor of the contract's community,
        on a drawn unit: confirm, not_delivered or unreachable
        (the last two with a note). Final once recorded."""
        row = await verification_record(
            actor=request.user, task_id=task_id, outcome=data.outcome, note=data.note
        )
        return VerificationTaskOut(**row)

    @get("/", opt={"action": Action.workspace_monitor})
    async def open_tasks(self, request: Request[Actor, Any, Any]) -> list[MonitorTaskOut]:
        """A resident monitor's open tasks: the drawn units of its community's contracts."""
        return [MonitorTaskOut(**row) for row in await monitor_tasks(request.user)]


class MonitorController(Controller):
    """A community's resident monitors (居民监督员), kept by its committee."""

    path = "/api/v1/monitors"
    tags = ["spotchecks"]

    @get("/", opt={"action": Action.monitor_manage})
    async def list_monitors(self, request: Request[Actor, Any, Any]) -> list[MonitorOut]:
        return [MonitorOut(**row) for row in await community_monitors(request.user)]

    @post("/", status_code=HTTP_201_CREATED, opt={"action": Action.monitor_manage})
    async def register(
        self, request: Request[Actor, Any, Any], data: JSONBody[MonitorIn]
    ) -> MonitorOut:
        """Register a resident monitor for the committee's own community."""
        user_id = await monitor_register(
            actor=request.user,
            username=data.username,
            display_name=data.display_name,
            password=data.password,
        )
        row = next(m for m in await community_monitors(request.user) if m["id"] == user_id)
        return MonitorOut(**row)

    @post(
        "/{user_id:int}/deactivate",
        status_code=HTTP_200_OK,
        opt={"action": Action.monitor_manage},
    )
    async def deactivate(
        self, request: Request[Actor, Any, Any], user_id: FromPath[int]
    ) -> MonitorOut:
        """The monitor can no longer sign in; its recorded findings stay."""
        await monitor_deactivate(actor=request.user, user_id=user_id)
        row = next(m for m in await community_monitors(request.user) if m["id"] == user_id)
        return MonitorOut(**row)
