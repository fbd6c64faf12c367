"""Evaluation committee pages: its state and members for the department, oversight and the
members; the handler's composition and draw; a member's 回避 declaration and confirmation."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from procure import clock
from procure.bids.services import open_due_bids
from procure.committees import services
from procure.committees.selectors import committee_view
from procure.errors import InvalidInput
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.security.tables import Role
from procure.tenders.selectors import tender_detail
from procure.web.forms import Form
from procure.web.notices import done_url

KIND_LABELS = {
    "expert": N_("Evaluation expert"),
    "buyer_representative": N_("Buyer's representative"),
}


COMPOSE_LABELS = {
    "size": N_("Members"),
    "buyer_representatives": N_("Buyer's representatives (usernames, comma-separated)"),
}
COMPOSE_IDS = {"buyer_representatives": "representatives"}


async def _page(actor: Actor, tender_id: int, *, status_code: int = 200, **forms: Form) -> Template:
    committee = await committee_view(actor, tender_id)
    tender = await tender_detail(actor, tender_id)
    return Template(
        "committees/committee.html",
        context={
            "tender": tender,
            "committee": committee,
            "handler": actor.role == Role.buyer
            and actor.is_handler
            and actor.department_id == tender["department_id"],
            "now": clock.now(),
            "kind_labels": KIND_LABELS,
            **forms,
        },
        status_code=status_code,
    )


def _see(tender_id: int, done: str) -> Redirect:
    return Redirect(
        done_url(f"/tenders/{tender_id}/committee", done), status_code=HTTP_303_SEE_OTHER
    )


class CommitteePages(Controller):
    path = "/tenders/{tender_id:int}/committee"
    include_in_schema = False

    @get("/", opt={"action": Action.evaluation_committee_read})
    async def show(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> Template:
        return await _page(request.user, tender_id)

    @post("/", opt={"action": Action.evaluation_committee_manage})
    async def compose(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Redirect | Template:
        form = Form.of(request, await request.form(), labels=COMPOSE_LABELS, ids=COMPOSE_IDS)
        size = form.whole("size", required=True, low=1, high=99)
        representatives = [
            name.strip()
            for name in form.get("buyer_representatives").replace("，", ",").split(",")
            if name.strip()
        ]
        if size is not None:
            try:
                await services.committee_compose(
                    actor=request.user,
                    tender_id=tender_id,
                    data=services.Composition(size, representatives),
                )
            except InvalidInput as refusal:
                form.refuse(refusal)
            else:
                return _see(tender_id, "committee_formed")
        return await _page(
            request.user, tender_id, compose_form=form, status_code=HTTP_400_BAD_REQUEST
        )

    @post("/draw", opt={"action": Action.evaluation_committee_manage})
    async def draw(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> Redirect:
        await services.committee_draw(actor=request.user, tender_id=tender_id)
        return _see(tender_id, "experts_drawn")

    @post("/supplement", opt={"action": Action.evaluation_committee_manage})
    async def supplement(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Redirect:
        await services.committee_supplement(actor=request.user, tender_id=tender_id)
        return _see(tender_id, "experts_supplemented")

    @post("/declaration", opt={"action": Action.evaluation_declare})
    async def declare(
        self,
        request: Request[Actor, Any, Any],
        tender_id: FromPath[int],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        await open_due_bids(tender_id)
        declarations = []
        for key, value in data.items():
            if key.startswith("conflict_"):
                if value not in ("yes", "no"):
                    raise InvalidInput(key, N_("answer yes or no for each bidder"))
                organization_id = int(key.removeprefix("conflict_"))
                declarations.append(
                    services.Declaration(
                        organization_id, value == "yes", data.get(f"note_{organization_id}", "")
                    )
                )
        await services.member_declare(
            actor=request.user, tender_id=tender_id, declarations=declarations
        )
        return _see(tender_id, "declaration_recorded")

    @post("/confirmation", opt={"action": Action.evaluation_score})
    async def confirm(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Redirect:
        await services.member_confirm(actor=request.user, tender_id=tender_id)
        return _see(tender_id, "report_confirmed")
