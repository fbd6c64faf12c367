"""Evaluation committee pages: its state and members for the department, oversight and the
members; the handler's composition and draw; a member's 回避 declaration and confirmation."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

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
from procure.web.notices import done_url

MEMBER_STATUS_LABELS = {
    "alternate": N_("Alternate"),
    "drawn": N_("Drawn, to declare"),
    "seated": N_("Seated"),
    "replaced": N_("Stepped aside (回避)"),
    "confirmed": N_("Confirmed the report"),
}
COMMITTEE_STATUS_LABELS = {
    None: N_("Not drawn yet"),
    "planned": N_("Composition set, not drawn yet"),
    "drawn": N_("Drawn: members declare 回避"),
    "seated": N_("Seated: the committee evaluates"),
    "reported": N_("Report confirmed by every member"),
}
KIND_LABELS = {
    "expert": N_("Evaluation expert"),
    "buyer_representative": N_("Buyer's representative"),
}


def _see(tender_id: int, done: str) -> Redirect:
    return Redirect(
        done_url(f"/tenders/{tender_id}/committee", done), status_code=HTTP_303_SEE_OTHER
    )


class CommitteePages(Controller):
    path = "/tenders/{tender_id:int}/committee"
    include_in_schema = False

    @get("/", opt={"action": Action.evaluation_committee_read})
    async def show(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> Template:
        actor = request.user
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
                "member_labels": MEMBER_STATUS_LABELS,
                "status_labels": COMMITTEE_STATUS_LABELS,
                "kind_labels": KIND_LABELS,
            },
        )

    @post("/", opt={"action": Action.evaluation_committee_manage})
    async def compose(
        self,
        request: Request[Actor, Any, Any],
        tender_id: FromPath[int],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        try:
            size = int(data.get("size", ""))
        except ValueError:
            raise InvalidInput("size", f"{data.get('size')!r} is not a whole number") from None
        representatives = [
            name.strip()
            for name in data.get("buyer_representatives", "").replace("，", ",").split(",")
            if name.strip()
        ]
        await services.committee_compose(
            actor=request.user,
            tender_id=tender_id,
            data=services.Composition(size, representatives),
        )
        return _see(tender_id, "committee_formed")

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
                    raise InvalidInput(key, "answer yes or no for each bidder")
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
