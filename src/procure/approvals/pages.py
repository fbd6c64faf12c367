"""Approval pages: what waits for the department's approvers, with approve and refuse forms."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from procure.approvals import services
from procure.approvals.selectors import PER_PAGE, approval_page, awaiting
from procure.db.pagination import PageRequest, paging_dependency
from procure.errors import Conflict, InvalidInput
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.web import labels
from procure.web.notices import done_url
from procure.web.templating import request_locale

KIND_LABELS = {
    "tender.publish": N_("Publish the tender"),
    "tender.cancel": N_("Cancel the tender"),
    "tender.award": N_("Confirm the award"),
    "tender.amend": N_("Correct the published tender"),
    "contract.sign": N_("Sign the contract for the buyer"),
    "contract.amend": N_("Propose the supplementary agreement"),
    "performance.settle": N_("Settle the performance period"),
    "payment.release": N_("Release the held instalment"),
    "payment.withhold": N_("Withhold the instalment"),
    "payment.record": N_("Record the payment made"),
    "acceptance.conclude": N_("Confirm the acceptance result"),
}


FIRST = PageRequest(1, PER_PAGE)


class ApprovalPages(Controller):
    path = "/approvals"
    include_in_schema = False

    async def _page(
        self,
        actor: Actor,
        *,
        paging: PageRequest = FIRST,
        error: str = "",
        failed: int = 0,
    ) -> Template:
        approvals = await approval_page(actor, paging)
        return Template(
            "approvals/index.html",
            context={
                "awaiting": await awaiting(actor),
                "approvals": approvals,
                "kind_labels": KIND_LABELS,
                "error": error,
                "failed": failed,
            },
            status_code=409 if error else 200,
        )

    @get("/", opt={"action": Action.approval_read}, dependencies=paging_dependency(PER_PAGE))
    async def index(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
    ) -> Template:
        return await self._page(request.user, paging=paging)

    @post("/{approval_id:int}/{decision:str}", opt={"action": Action.approval_decide})
    async def decide(
        self,
        request: Request[Actor, Any, Any],
        approval_id: FromPath[int],
        decision: FromPath[str],
        data: URLEncodedBody[dict[str, str]],
    ) -> Template | Redirect:
        if decision not in {"approve", "refuse"}:
            error = labels.message(request_locale(request), N_("unknown decision"), {})
            return await self._page(request.user, error=error, failed=approval_id)
        try:
            await services.approval_decide(
                actor=request.user,
                approval_id=approval_id,
                approve=decision == "approve",
                reason=data.get("reason", ""),
            )
        except (Conflict, InvalidInput) as error:
            # The refusal in the reader's language, its statuses by their labels.
            message = labels.refusal(request_locale(request), error)
            return await self._page(request.user, error=message, failed=approval_id)
        return Redirect(
            done_url("/approvals", "approval_decided"),
            status_code=HTTP_303_SEE_OTHER,
        )
