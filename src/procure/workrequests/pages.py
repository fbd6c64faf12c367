"""Work-request pages: the public firewall page (the 社区事务准入 list and each department's
monthly burden index), and a contract's requests, where its buying department files one and its
organization answers."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from procure.i18n import N_
from procure.policy import get_policy
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.security.tables import Role
from procure.web.forms import Form
from procure.web.notices import see
from procure.workrequests import services
from procure.workrequests.schemas import WorkRequestIn
from procure.workrequests.selectors import (
    burden_index,
    citable_lines,
    contract_parties,
    contract_requests,
)
from procure.workrequests.states import WorkRequestStep

FILE_LABELS = {
    "requested_by_person": N_("Who asks"),
    "kind": N_("Kind of work"),
    "purpose": N_("Purpose"),
    "hours": N_("Staff hours"),
    "deadline": N_("Deadline"),
}
ANSWER_LABELS = {"note": N_("Note")}
CITE_LABELS = {"activity_line_id": N_("Report line")}
ANSWERS = {
    "accept": WorkRequestStep.accept,
    "decline": WorkRequestStep.decline,
    "propose-amendment": WorkRequestStep.propose_amendment,
}


async def _contract_page(
    actor: Actor,
    contract_id: int,
    *,
    file_form: Form | None = None,
    answer_form: Form | None = None,
    answered: int = 0,
    status_code: int = 200,
) -> Template:
    requests = await contract_requests(actor, contract_id)  # 404 for whoever may not read
    parties = await contract_parties(contract_id)
    assert parties is not None
    policy = get_policy().workrequests
    may_answer = (
        actor.role == Role.organization and actor.organization_id == parties["organization"]
    )
    return Template(
        "workrequests/contract.html",
        context={
            "contract_id": contract_id,
            "requests": requests,
            "admissible": policy.admissible,
            "max_hours": policy.max_hours,
            "may_file": actor.role == Role.buyer and actor.department_id == parties["department"],
            "may_answer": may_answer,
            "citable": await citable_lines(contract_id) if may_answer else [],
            "file_form": file_form,
            "answer_form": answer_form,
            "answered": answered,
        },
        status_code=status_code,
    )


class WorkRequestPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/disclosure/work-requests", opt={"action": Action.disclosure_read})
    async def firewall(self) -> Template:
        policy = get_policy().workrequests
        return Template(
            "workrequests/disclosure.html",
            context={
                "admissible": policy.admissible,
                "max_hours": policy.max_hours,
                "burden": await burden_index(),
            },
        )

    @get("/contracts/{contract_id:int}/work-requests", opt={"action": Action.work_request_read})
    async def contract(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Template:
        return await _contract_page(request.user, contract_id)

    @post("/contracts/{contract_id:int}/work-requests", opt={"action": Action.work_request_file})
    async def file(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Template | Redirect:
        form = Form.of(request, await request.form(), labels=FILE_LABELS)
        fields = {
            "requested_by_person": form.text("requested_by_person", required=True),
            "kind": form.text("kind", required=True),
            "purpose": form.text("purpose", required=True),
            "hours": form.whole("hours", required=True, low=1),
            "deadline": form.day("deadline"),
        }
        data = form.validated(WorkRequestIn, fields) if form.ok else None
        if data is not None and await form.attempt(
            services.work_request_file(actor=request.user, contract_id=contract_id, data=data),
            conflicts=True,
        ):
            return see(f"/contracts/{contract_id}/work-requests", "work_request_filed")
        return await _contract_page(
            request.user, contract_id, file_form=form, status_code=HTTP_400_BAD_REQUEST
        )

    @post(
        "/contracts/{contract_id:int}/work-requests/{request_id:int}/citations",
        opt={"action": Action.work_request_answer},
    )
    async def cite(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        request_id: FromPath[int],
    ) -> Template | Redirect:
        form = Form.of(
            request,
            await request.form(),
            labels=CITE_LABELS,
            ids={"activity_line_id": f"line-{request_id}"},
        )
        line_id = form.whole("activity_line_id", required=True, low=1)
        if line_id is not None and await form.attempt(
            services.work_request_cite(
                actor=request.user, request_id=request_id, activity_line_id=line_id
            ),
            conflicts=True,
        ):
            return see(f"/contracts/{contract_id}/work-requests", "work_request_cited")
        return await _contract_page(
            request.user,
            contract_id,
            answer_form=form,
            answered=request_id,
            status_code=HTTP_400_BAD_REQUEST,
        )

    @post(
        "/contracts/{contract_id:int}/work-requests/{request_id:int}/{answer:str}",
        opt={"action": Action.work_request_answer},
    )
    async def answer(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        request_id: FromPath[int],
        answer: FromPath[str],
    ) -> Template | Redirect:
        form = Form.of(
            request, await request.form(), labels=ANSWER_LABELS, ids={"note": f"note-{request_id}"}
        )
        step = ANSWERS.get(answer)
        if step is None:
            form.general(form.translations.gettext(N_("unknown answer")))
        else:
            if await form.attempt(
                services.work_request_answer(
                    actor=request.user,
                    request_id=request_id,
                    answer=step,
                    note=form.text("note"),
                ),
                conflicts=True,
            ):
                return see(f"/contracts/{contract_id}/work-requests", "work_request_answered")
        return await _contract_page(
            request.user,
            contract_id,
            answer_form=form,
            answered=request_id,
            status_code=HTTP_400_BAD_REQUEST,
        )
