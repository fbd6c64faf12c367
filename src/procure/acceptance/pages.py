"""履约验收 pages: a contract's acceptances and the form to set one up, and an acceptance's page
where the handler records results and recipients, a committee enters its residents' opinions,
and an approver confirms the submitted result. Thin, over the same services as the API."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from procure.acceptance import services
from procure.acceptance.schemas import (
    AcceptanceIn,
    ConcludeIn,
    ItemIn,
    OpinionIn,
    RecipientIn,
)
from procure.acceptance.selectors import acceptance_view, contract_acceptances
from procure.acceptance.tables import (
    MemberKind,
    Opinion,
    RecipientKind,
    RequirementResult,
    Verdict,
)
from procure.approvals.selectors import pending_for
from procure.contracts.selectors import contract_detail
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.security.tables import Role
from procure.web.forms import validated
from procure.web.notices import done_url
from procure.web.templating import request_locale

#: Rows of the group form; empty rows are left out.
GROUP_ROWS = 5

CHOICES = {
    "member_kinds": list(MemberKind),
    "recipient_kinds": list(RecipientKind),
    "opinions": list(Opinion),
    "results": list(RequirementResult),
    "verdicts": list(Verdict),
}


def _back(acceptance_id: int, note: str) -> Redirect:
    return Redirect(done_url(f"/acceptances/{acceptance_id}", note), status_code=HTTP_303_SEE_OTHER)


def _handler_of(actor: Actor, department_id: int) -> bool:
    return actor.role == Role.buyer and actor.department_id == department_id and actor.is_handler


class AcceptancePages(Controller):
    include_in_schema = False

    @get("/contracts/{contract_id:int}/acceptances", opt={"action": Action.contract_read})
    async def index(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Template:
        actor = request.user
        contract = await contract_detail(actor, contract_id)
        return Template(
            "acceptance/index.html",
            context={
                "contract": contract,
                "acceptances": await contract_acceptances(actor, contract_id),
                "handler": _handler_of(actor, contract["department_id"]),
                "rows": range(GROUP_ROWS),
                **CHOICES,
            },
        )

    @post("/contracts/{contract_id:int}/acceptances", opt={"action": Action.contract_manage})
    async def create(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        members = [
            {
                "name": str(form.get(f"member_name_{n}", "")).strip(),
                "kind": str(form.get(f"member_kind_{n}", "")),
                "affiliation": str(form.get(f"member_affiliation_{n}", "")),
            }
            for n in range(GROUP_ROWS)
            if str(form.get(f"member_name_{n}", "")).strip()
        ]
        data = validated(
            request_locale(request),
            AcceptanceIn,
            {
                "stage": str(form.get("stage", "")).strip(),
                "accepted_on": str(form.get("accepted_on", "")),
                "members": members,
            },
        )
        acceptance_id = await services.acceptance_create(
            actor=request.user, contract_id=contract_id, data=data
        )
        return _back(acceptance_id, "created")

    @get("/acceptances/{acceptance_id:int}", opt={"action": Action.contract_read})
    async def detail(
        self,
        request: Request[Actor, Any, Any],
        acceptance_id: FromPath[int],
        done: FromQuery[str] = "",
    ) -> Template:
        actor = request.user
        view = await acceptance_view(actor, acceptance_id)
        department = view["contract"]["department_id"]
        owner = actor.role == Role.buyer and actor.department_id == department
        return Template(
            "acceptance/detail.html",
            context={
                **view,
                "handler": _handler_of(actor, department),
                "committee": actor.role == Role.committee,
                "approver": owner and actor.is_approver,
                "pending": await pending_for("acceptance", acceptance_id) if owner else [],
                "done": done,
                **CHOICES,
            },
        )

    @post(
        "/acceptances/{acceptance_id:int}/items/{line_no:int}",
        opt={"action": Action.contract_manage},
    )
    async def item(
        self,
        request: Request[Actor, Any, Any],
        acceptance_id: FromPath[int],
        line_no: FromPath[int],
    ) -> Redirect:
        form = await request.form()
        data = validated(
            request_locale(request),
            ItemIn,
            {key: str(form.get(key, "")) for key in ("result", "notes", "evidence")},
        )
        await services.item_record(
            actor=request.user, acceptance_id=acceptance_id, line_no=line_no, data=data
        )
        return _back(acceptance_id, "recorded")

    @post("/acceptances/{acceptance_id:int}/recipients", opt={"action": Action.contract_manage})
    async def invite(
        self, request: Request[Actor, Any, Any], acceptance_id: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        data = validated(
            request_locale(request),
            RecipientIn,
            {key: str(form.get(key, "")) for key in ("name", "community", "kind", "contact")},
        )
        await services.recipient_invite(actor=request.user, acceptance_id=acceptance_id, data=data)
        return _back(acceptance_id, "invited")

    @post(
        "/acceptances/{acceptance_id:int}/recipients/{recipient_id:int}/opinion",
        opt={"action": Action.acceptance_opinion},
    )
    async def opinion(
        self,
        request: Request[Actor, Any, Any],
        acceptance_id: FromPath[int],
        recipient_id: FromPath[int],
    ) -> Redirect:
        form = await request.form()
        data = validated(
            request_locale(request),
            OpinionIn,
            {key: str(form.get(key, "")) for key in ("opinion", "comment")},
        )
        await services.opinion_record(
            actor=request.user, acceptance_id=acceptance_id, recipient_id=recipient_id, data=data
        )
        return _back(acceptance_id, "opinion")

    @post("/acceptances/{acceptance_id:int}/conclude", opt={"action": Action.contract_manage})
    async def conclude(
        self, request: Request[Actor, Any, Any], acceptance_id: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        data = validated(
            request_locale(request),
            ConcludeIn,
            {key: str(form.get(key, "")) for key in ("result", "conclusion")},
        )
        await services.acceptance_conclude(
            actor=request.user, acceptance_id=acceptance_id, data=data
        )
        return _back(acceptance_id, "submitted")
