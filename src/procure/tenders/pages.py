"""Tender pages: the public list and notice, the buyer's drafting and publishing, the
organization's sealed bid, and the evaluators' scoring — thin, over the same services as the API."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from pydantic import ValidationError

from procure import clock
from procure.approvals.pages import KIND_LABELS
from procure.approvals.selectors import pending_for
from procure.approvals.services import approval_withdraw
from procure.bids import services as bids
from procure.bids.schemas import BidIn
from procure.bids.selectors import award_notice_for, evaluation_view, opening_record, own_bid
from procure.catalog.tables import CatalogItem
from procure.committees.selectors import committee_of, committee_view, my_seat
from procure.complaints.selectors import tender_remedies
from procure.contracts.selectors import tender_contracts
from procure.db.pagination import PAGING, PageRequest
from procure.errors import InvalidInput, NotFound
from procure.geography.tables import Community
from procure.i18n import yuan_to_fen
from procure.organizations.selectors import bidding_obstacles
from procure.security.actors import Actor
from procure.security.guards import current_actor
from procure.security.policy import Action, is_allowed
from procure.security.tables import Role
from procure.settings import get_settings
from procure.tenders import services
from procure.tenders.schemas import TenderAmendmentIn, TenderIn
from procure.tenders.selectors import last_refused, tender_detail, tender_page
from procure.tenders.states import OPENED_STATES, ProcurementMethod, TenderStatus
from procure.web.notices import done_url

DOCUMENTS = ("tender-notice", "opening-record", "evaluation-report", "award-notice")


#: Where a buyer drafts the contract of an awarded tender.
NEW_CONTRACT_ROUTE = "/tenders/{tender_id:int}/contracts/new"


def has_route(app: Any, path: str) -> bool:
    """Whether ``app`` serves ``path`` (as its route is declared)."""
    return any(route.path == path for route in app.routes)


def see(path: str, done: str | None = None) -> Redirect:
    """Post/Redirect/Get: to ``path``, saying ``done``'s success notice there."""
    return Redirect(done_url(path, done) if done else path, status_code=HTTP_303_SEE_OTHER)


def local_datetime(value: str, field: str) -> str:
    """A datetime-local form value, read in the platform's time zone, as ISO 8601."""
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not a date and time") from None
    return naive.replace(tzinfo=ZoneInfo(get_settings().timezone)).isoformat()


def fen(value: str, field: str) -> int:
    try:
        return yuan_to_fen(value)
    except (ArithmeticError, ValueError):
        raise InvalidInput(
            field, f"{value!r} is not an amount in yuan (at most two decimals)"
        ) from None


def validated(model: Any, data: dict[str, Any]) -> Any:
    """Pydantic's first complaint as an InvalidInput naming the field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(".".join(str(p) for p in first["loc"]) or "form", first["msg"]) from None


def tender_from_form(form: FormMultiDict) -> TenderIn:
    lines = [
        {"item_code": code, "quantity": quantity, "description": description}
        for code, quantity, description in zip(
            form.getall("line_item", []),
            form.getall("line_quantity", []),
            form.getall("line_description", []),
            strict=False,
        )
        if code
    ]
    criteria = [
        {"code": "price", "name": "价格", "kind": "price", "weight": form.get("price_weight") or 0}
    ]
    if form.get("evaluation_method") == "lowest_price":
        criteria[0]["weight"] = 100
    else:
        criteria += [
            {"code": f"T{n}", "name": name, "kind": "technical", "weight": weight}
            for n, (name, weight) in enumerate(
                zip(
                    form.getall("criterion_name", []),
                    form.getall("criterion_weight", []),
                    strict=False,
                ),
                start=1,
            )
            if name
        ]
    evidence = form.get("need_evidence", "").strip()
    return validated(
        TenderIn,
        {
            "title": form.get("title", ""),
            "description": form.get("description", ""),
            "method": form.get("method"),
            "evaluation_method": form.get("evaluation_method"),
            "ceiling_fen": fen(form.get("ceiling", ""), "ceiling"),
            "communities": form.getall("communities", []),
            "lines": lines,
            "criteria": criteria,
            "clarification_deadline": local_datetime(
                form.get("clarification_deadline", ""), "clarification_deadline"
            ),
            "submission_deadline": local_datetime(
                form.get("submission_deadline", ""), "submission_deadline"
            ),
            "need_evidence": [
                {"kind": form.get("need_evidence_kind", "resident_survey"), "summary": evidence}
            ]
            if evidence
            else [],
        },
    )


async def bid_from_form(form: FormMultiDict, line_count: int) -> BidIn:
    lines = [
        {"line_no": n, "price_fen": fen(form.get(f"line_{n}", ""), f"line_{n}")}
        for n in range(1, line_count + 1)
    ]
    attachments = [
        {
            "filename": upload.filename,
            "content_type": upload.content_type,
            "content_base64": base64.b64encode(await upload.read()).decode(),
        }
        for upload in form.getall("attachments", [])
        if isinstance(upload, UploadFile) and upload.filename
    ]
    return validated(
        BidIn,
        {
            "total_fen": fen(form.get("total", ""), "total"),
            "lines": lines,
            "technical_proposal": form.get("technical_proposal", ""),
            "staffing_plan": form.get("staffing_plan", ""),
            "attachments": attachments,
        },
    )


async def form_choices() -> dict[str, Any]:
    return {
        "items": await CatalogItem.select(CatalogItem.code, CatalogItem.name, CatalogItem.unit)
        .where(CatalogItem.active.eq(True))
        .order_by(CatalogItem.code),
        "communities": await Community.select(Community.code, Community.name).order_by(
            Community.code
        ),
        "methods": list(ProcurementMethod),
    }


class TenderPages(Controller):
    include_in_schema = False

    @get("/tenders", opt={"action": Action.tender_read}, dependencies=PAGING)
    async def list_page(
        self,
        request: Request[Any, Any, Any],
        paging: NamedDependency[PageRequest],
        status: FromQuery[str] = "",
        department: FromQuery[int | None] = None,
        q: FromQuery[str] = "",
    ) -> Template:
        page = await tender_page(
            current_actor(request), paging, status=status, department_id=department, q=q
        )
        return Template(
            "tenders/list.html",
            context={"page": page, "tenders": page.items, "status": status, "q": q},
        )

    @get("/tenders/new", opt={"action": Action.tender_manage})
    async def new_page(self) -> Template:
        return Template("tenders/new.html", context=await form_choices())

    @post("/tenders/new", opt={"action": Action.tender_manage})
    async def create(self, request: Request[Actor, Any, Any]) -> Redirect:
        tender_id = await services.tender_create(
            actor=request.user, data=tender_from_form(await request.form())
        )
        return see(f"/tenders/{tender_id}", "tender_created")

    @get("/tenders/{tender_id:int}", opt={"action": Action.tender_read})
    async def detail_page(
        self, request: Request[Any, Any, Any], tender_id: FromPath[int]
    ) -> Template:
        actor = current_actor(request)
        tender = await tender_detail(actor, tender_id)
        context: dict[str, Any] = {"tender": tender, "documents": DOCUMENTS, "now": clock.now()}
        if tender["status"] in {*OPENED_STATES, TenderStatus.unsuccessful}:
            context["opening"] = await opening_record(tender_id)
        if (
            actor is not None
            and actor.role == Role.organization
            and actor.organization_id is not None
        ):
            context["own_bid"] = await own_bid(actor, tender_id)
            context["notice"] = await award_notice_for(actor, tender_id)
            local_day = clock.now().astimezone(ZoneInfo(get_settings().timezone)).date()
            context["obstacles"] = await bidding_obstacles(actor.organization_id, on=local_day)
        context["remedies"] = await tender_remedies(actor, tender_id)
        context["contracts"] = await tender_contracts(actor, tender_id)
        context["owner"] = (
            actor is not None
            and actor.role == Role.buyer
            and actor.department_id == tender["department_id"]
        )
        if context["owner"]:
            context["pending"] = await pending_for("tender", tender_id)
            context["returned"] = await last_refused(tender_id)
            context["kind_labels"] = KIND_LABELS
            # The award leads on to the contract, once the page that drafts one exists.
            if has_route(request.app, NEW_CONTRACT_ROUTE):
                context["new_contract"] = f"/tenders/{tender_id}/contracts/new"
        if actor is not None and is_allowed(Action.evaluation_committee_read, actor):
            try:  # the committee, for its department, oversight and its members
                context["committee"] = await committee_view(actor, tender_id)
            except NotFound:
                context["committee"] = None
        return Template("tenders/detail.html", context=context)

    @post("/tenders/{tender_id:int}/publish", opt={"action": Action.tender_manage})
    async def publish(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Redirect:
        """The handler submits the draft for publication; the approver decides on /approvals."""
        form = await request.form()
        await services.tender_publish_request(
            actor=request.user,
            tender_id=tender_id,
            justification=form.get("short_period_justification", ""),
        )
        return see(f"/tenders/{tender_id}", "publish_requested")

    @post("/tenders/{tender_id:int}/amendments", opt={"action": Action.tender_manage})
    async def amend(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> Redirect:
        """The handler submits a correction (更正公告); the approver decides on /approvals. The
        form carries every field; only those that differ from the notice change."""
        form = await request.form()
        tender = await tender_detail(request.user, tender_id)

        def moved(field: str) -> str | None:
            # The form shows minutes: a value equal to the current one to the minute is no change.
            given = form.get(field)
            if not given:
                return None
            shown = tender[field].astimezone(ZoneInfo(get_settings().timezone))
            unchanged = given == shown.strftime("%Y-%m-%dT%H:%M")
            return None if unchanged else local_datetime(given, field)

        data = validated(
            TenderAmendmentIn,
            {
                "summary": form.get("summary", ""),
                "affects_preparation": form.get("affects_preparation") == "yes",
                "title": form.get("title") or None,
                "description": form.get("description"),
                "ceiling_fen": fen(form["ceiling"], "ceiling") if form.get("ceiling") else None,
                "clarification_deadline": moved("clarification_deadline"),
                "submission_deadline": moved("submission_deadline"),
            },
        )
        await services.tender_amend_request(actor=request.user, tender_id=tender_id, data=data)
        return see(f"/tenders/{tender_id}", "tender_amended")

    @post("/tenders/{tender_id:int}/cancel", opt={"action": Action.tender_manage})
    async def cancel(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> Redirect:
        form = await request.form()
        await services.tender_cancel_request(
            actor=request.user, tender_id=tender_id, reason=form.get("reason", "")
        )
        return see(f"/tenders/{tender_id}", "tender_cancelled")

    @post(
        "/tenders/{tender_id:int}/approvals/{approval_id:int}/withdraw",
        opt={"action": Action.approval_request},
    )
    async def withdraw_request(
        self,
        request: Request[Actor, Any, Any],
        tender_id: FromPath[int],
        approval_id: FromPath[int],
    ) -> Redirect:
        """The handler takes back a pending request about the tender (to correct the draft)."""
        await approval_withdraw(actor=request.user, approval_id=approval_id)
        return see(f"/tenders/{tender_id}", "request_withdrawn")

    @post("/tenders/{tender_id:int}/clarifications", opt={"action": Action.clarification_ask})
    async def ask(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> Redirect:
        form = await request.form()
        question = form.get("question", "").strip()
        if not question:
            raise InvalidInput("question", "write a question")
        await services.clarification_ask(actor=request.user, tender_id=tender_id, question=question)
        return see(f"/tenders/{tender_id}#clarifications", "question_asked")

    @post(
        "/clarifications/{clarification_id:int}/answer", opt={"action": Action.clarification_answer}
    )
    async def answer(
        self, request: Request[Actor, Any, Any], clarification_id: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        answer = form.get("answer", "").strip()
        if not answer:
            raise InvalidInput("answer", "write an answer")
        tender_id = await services.clarification_answer(
            actor=request.user, clarification_id=clarification_id, answer=answer
        )
        return see(f"/tenders/{tender_id}#clarifications", "question_answered")

    @post("/tenders/{tender_id:int}/bid", opt={"action": Action.bid_submit})
    async def bid(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> Template:
        received_at = clock.now()
        tender = await tender_detail(request.user, tender_id)
        data = await bid_from_form(await request.form(), len(tender["lines"]))
        receipt = await bids.bid_submit(
            actor=request.user, tender_id=tender_id, data=data, received_at=received_at
        )
        return Template("tenders/receipt.html", context={"tender": tender, "receipt": receipt})

    @post("/tenders/{tender_id:int}/bid/reconfirm", opt={"action": Action.bid_submit})
    async def reconfirm(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Redirect:
        await bids.bid_reconfirm(actor=request.user, tender_id=tender_id)
        return see(f"/tenders/{tender_id}", "bid_reconfirmed")

    @post("/tenders/{tender_id:int}/bid/withdraw", opt={"action": Action.bid_submit})
    async def withdraw(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Redirect:
        await bids.bid_withdraw(actor=request.user, tender_id=tender_id)
        return see(f"/tenders/{tender_id}", "bid_withdrawn")

    @post("/bids/{bid_id:int}/explanation", opt={"action": Action.bid_explain})
    async def explain(self, request: Request[Actor, Any, Any], bid_id: FromPath[int]) -> Redirect:
        form = await request.form()
        tender_id = await bids.explanation_give(
            actor=request.user, bid_id=bid_id, explanation=form.get("explanation", "")
        )
        return see(f"/tenders/{tender_id}", "explanation_sent")

    @post("/tenders/{tender_id:int}/evaluation/start", opt={"action": Action.tender_manage})
    async def start_evaluation(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Redirect:
        await bids.evaluation_start(actor=request.user, tender_id=tender_id)
        return see(f"/tenders/{tender_id}/evaluation", "evaluation_started")

    @get("/tenders/{tender_id:int}/evaluation", opt={"action": Action.evaluation_score})
    async def evaluation_page(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Template:
        view = await evaluation_view(request.user, tender_id)
        tender = await tender_detail(request.user, tender_id)
        seat = await my_seat(request.user, tender_id)
        return Template(
            "tenders/evaluation.html",
            context={
                "tender": tender,
                "view": view,
                # Only a seated member scores and votes, until the report is confirmed.
                "member": seat is not None
                and seat[0]["status"] == "seated"
                and seat[1]["status"] == "seated",
                "committee_status": (await committee_of(tender_id) or {}).get("status"),
            },
        )

    @post("/tenders/{tender_id:int}/evaluation/scores", opt={"action": Action.evaluation_score})
    async def score(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> Redirect:
        form = await request.form()
        scores = {}
        for key, value in form.items():
            if key.startswith("score_"):
                try:
                    scores[key.removeprefix("score_")] = int(value)
                except ValueError:
                    raise InvalidInput(key, f"{value!r} is not a whole number") from None
        await bids.technical_scores_submit(
            actor=request.user,
            tender_id=tender_id,
            bid_id=int(form.get("bid_id", 0)),
            scores=scores,
        )
        return see(f"/tenders/{tender_id}/evaluation", "scores_saved")

    @post("/bids/{bid_id:int}/decision", opt={"action": Action.evaluation_score})
    async def decide(self, request: Request[Actor, Any, Any], bid_id: FromPath[int]) -> Redirect:
        form = await request.form()
        tender_id = await bids.explanation_decide(
            actor=request.user,
            bid_id=bid_id,
            accept=form.get("accept") == "yes",
            reason=form.get("reason", ""),
        )
        return see(f"/tenders/{tender_id}/evaluation", "bid_decided")

    @post("/tenders/{tender_id:int}/award", opt={"action": Action.award_decide})
    async def award(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> Redirect:
        await bids.award_request(actor=request.user, tender_id=tender_id)
        return see(
            f"/tenders/{tender_id}", "award_requested"
        )  # the award now waits for an approver
