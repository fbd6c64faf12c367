"""The spot-check page of a contract: each period's commitment, and after its report the
revealed seed, the drawn units and the committee's findings — thin, over the same services."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT

from procure.errors import Conflict, InvalidInput
from procure.i18n import N_
from procure.policy import get_policy
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.security.tables import Role
from procure.spotchecks.selectors import community_monitors, contract_spotchecks
from procure.spotchecks.services import (
    VERIFIERS,
    monitor_deactivate,
    monitor_register,
    verification_record,
)
from procure.spotchecks.states import TaskStep
from procure.web import labels
from procure.web.notices import see
from procure.web.templating import request_locale

OUTCOME_MISSING = N_("choose what you found: delivered, not delivered, or could not reach")


def spotchecks_url(contract_id: int) -> str:
    return f"/contracts/{contract_id}/spotchecks"


async def _page(
    actor: Actor, contract_id: int, *, status_code: int = 200, **context: Any
) -> Template:
    return Template(
        "spotchecks/contract.html",
        context={
            **await contract_spotchecks(actor, contract_id),
            "may_verify": actor.role in VERIFIERS,
            # A resident monitor sees the samples, not the contract.
            "contract_link": actor.role != Role.monitor,
            "outcomes": list(TaskStep),
            "policy": get_policy().spotchecks,
            **context,
        },
        status_code=status_code,
    )


class SpotCheckPages(Controller):
    include_in_schema = False

    @get("/contracts/{contract_id:int}/spotchecks", opt={"action": Action.spotcheck_read})
    async def contract_page(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Template:
        return await _page(request.user, contract_id)

    @post(
        "/contracts/{contract_id:int}/spotchecks/tasks/{task_id:int}",
        opt={"action": Action.spotcheck_verify},
    )
    async def record_finding(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], task_id: FromPath[int]
    ) -> Template | Redirect:
        form = await request.form()
        outcome = str(form.get("outcome", ""))
        note = str(form.get("note", ""))
        try:
            if outcome not in {step.value for step in TaskStep}:
                raise InvalidInput("outcome", OUTCOME_MISSING)
            await verification_record(
                actor=request.user, task_id=task_id, outcome=TaskStep(outcome), note=note
            )
        except (InvalidInput, Conflict) as error:
            return await _page(
                request.user,
                contract_id,
                status_code=HTTP_409_CONFLICT
                if isinstance(error, Conflict)
                else HTTP_400_BAD_REQUEST,
                error=labels.refusal(request_locale(request), error),
                error_task=task_id,
                posted={"outcome": outcome, "note": note},
            )
        return see(f"{spotchecks_url(contract_id)}#task-{task_id}", "finding_recorded")


MONITORS_URL = "/committee/monitors"


async def _monitors_page(actor: Actor, *, status_code: int = 200, **context: Any) -> Template:
    return Template(
        "spotchecks/monitors.html",
        context={"monitors": await community_monitors(actor), **context},
        status_code=status_code,
    )


class MonitorPages(Controller):
    """The committee's resident monitors (居民监督员): register one, deactivate one."""

    include_in_schema = False

    @get(MONITORS_URL, opt={"action": Action.monitor_manage})
    async def monitors(self, request: Request[Actor, Any, Any]) -> Template:
        return await _monitors_page(request.user)

    @post(MONITORS_URL, opt={"action": Action.monitor_manage})
    async def register(self, request: Request[Actor, Any, Any]) -> Template | Redirect:
        form = await request.form()
        posted = {key: str(form.get(key, "")) for key in ("username", "display_name")}
        try:
            await monitor_register(
                actor=request.user,
                username=posted["username"],
                display_name=posted["display_name"],
                password=str(form.get("password", "")),
            )
        except InvalidInput as error:
            return await _monitors_page(
                request.user,
                status_code=HTTP_400_BAD_REQUEST,
                error=labels.refusal(request_locale(request), error),
                posted=posted,
            )
        return see(MONITORS_URL, "monitor_registered")

    @post(f"{MONITORS_URL}/{{user_id:int}}/deactivate", opt={"action": Action.monitor_manage})
    async def deactivate(
        self, request: Request[Actor, Any, Any], user_id: FromPath[int]
    ) -> Redirect:
        await monitor_deactivate(actor=request.user, user_id=user_id)
        return see(MONITORS_URL, "monitor_deactivated")
