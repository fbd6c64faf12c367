"""Tender pages: the public list and notice, the buyer's drafting and publishing, the
organization's sealed bid, and the evaluators' scoring — thin, over the same services as the API."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from procure import clock
from procure.approvals.pages import KIND_LABELS
from procure.approvals.selectors import pending_for
from procure.approvals.services import approval_withdraw
from procure.bids import services as bids
from procure.bids.selectors import (
    award_notice_for,
    evaluation_view,
    explanations_for,
    opening_record,
    own_bid,
    staffing_plan_of,
    tender_of_bid,
)
from procure.catalog.tables import CatalogItem
from procure.committees.selectors import committee_of, committee_view, my_seat
from procure.complaints.selectors import tender_remedies
from procure.contracts.selectors import tender_contracts
from procure.db.pagination import PAGING, PageRequest
from procure.errors import Conflict, InvalidInput, NotFound
from procure.geography.tables import Community
from procure.i18n import N_
from procure.organizations.selectors import bidding_obstacles
from procure.security.actors import Actor
from procure.security.guards import current_actor
from procure.security.policy import Action, is_allowed
from procure.security.tables import Role
from procure.settings import get_settings
from procure.tenders import services
from procure.tenders.forms import (
    AMEND_IDS,
    AMEND_LABELS,
    CANCEL_REASON,
    LINE_ROWS,
    QUESTION,
    TENDER_LABELS,
    bid_field,
    bid_form,
    bid_from_form,
    tender_defaults,
    tender_field,
    tender_from_form,
)
from procure.tenders.schemas import TenderAmendmentIn
from procure.tenders.selectors import (
    TENDER_SORTING,
    available_documents,
    last_refused,
    tender_detail,
    tender_page,
)
from procure.tenders.states import OPENED_STATES, ProcurementMethod, TenderStatus
from procure.web.forms import Form
from procure.web.notices import see


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


async def detail_context(actor: Actor | None, tender_id: int) -> dict[str, Any]:
    """What the tender's page shows this visitor."""
    tender = await tender_detail(actor, tender_id)
    context: dict[str, Any] = {
        "tender": tender,
        "documents": available_documents(tender["status"]),
        "now": clock.now(),
    }
    if tender["status"] in {*OPENED_STATES, TenderStatus.unsuccessful}:
        context["opening"] = await opening_record(tender_id)
    if actor is not None and actor.role == Role.organization and actor.organization_id is not None:
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
    if actor is not None and is_allowed(Action.evaluation_committee_read, actor):
        try:  # the committee, for its department, oversight and its members
            context["committee"] = await committee_view(actor, tender_id)
        except NotFound:
            context["committee"] = None
    return context


DECISION_REASON = N_("Reason for rejecting the bid")
NOTHING_SCORED = N_("Enter the scores of at least one bid")


def _technical(tender: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in tender["criteria"] if c["kind"] == "technical"]


def c_name(criteria: list[dict[str, Any]], code: str) -> str:
    return next(str(c["name"]) for c in criteria if c["code"] == code)


def _refuse_row(
    form: Form, scores: dict[int, dict[str, int]], bid_id: int, refusal: Exception
) -> None:
    """A service's refusal of one bid's scores, beside that bid's first score."""
    field = f"score-{bid_id}-{next(iter(scores[bid_id]))}"
    if isinstance(refusal, Conflict):  # said in the catalog's words, like the API says it
        refusal = InvalidInput("scores", refusal.template or str(refusal), **refusal.variables)
    elif not isinstance(refusal, InvalidInput):
        refusal = InvalidInput("scores", str(refusal))
    form.refuse(refusal, lambda _location: field)


async def _evaluation_context(actor: Actor, tender_id: int) -> dict[str, Any]:
    view = await evaluation_view(actor, tender_id)
    tender = await tender_detail(actor, tender_id)
    seat = await my_seat(actor, tender_id)
    return {
        "tender": tender,
        "view": view,
        "explanations": await explanations_for(tender_id),
        "plans": {bid.bid_id: await staffing_plan_of(bid.bid_id) for bid in view.bids},
        # Only a seated member scores and votes, until the report is confirmed.
        "member": seat is not None
        and seat[0]["status"] == "seated"
        and seat[1]["status"] == "seated",
        "committee_status": (await committee_of(tender_id) or {}).get("status"),
    }


def _with_my_scores(form: Form, context: dict[str, Any]) -> Form:
    """The scores the member has saved, shown in the scoring form."""
    for bid_id, given in context["view"].my_scores.items():
        for code, score in given.items():
            form.values.setdefault(f"score-{bid_id}-{code}", [str(score)])
    return form


async def _evaluation(request: Request[Actor, Any, Any], tender_id: int) -> Template:
    context = await _evaluation_context(request.user, tender_id)
    form = _with_my_scores(Form.of(request), context)
    return Template("tenders/evaluation.html", context={**context, "form": form})


async def _detail_refused(
    request: Request[Actor, Any, Any], tender_id: int, **forms: Form
) -> Template:
    """The tender's page again, one of its forms refused (status 400)."""
    context = await detail_context(request.user, tender_id)
    return Template(
        "tenders/detail.html", context={**context, **forms}, status_code=HTTP_400_BAD_REQUEST
    )


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
        sort: FromQuery[str] = "",
        direction: Annotated[str, QueryParameter(name="dir")] = "",
    ) -> Template:
        order = TENDER_SORTING.request(sort, direction)
        page = await tender_page(
            current_actor(request),
            paging,
            order=order,
            status=status,
            department_id=department,
            q=q,
        )
        return Template(
            "tenders/list.html",
            context={
                "page": page,
                "tenders": page.items,
                "status": status,
                "q": q,
                "order": order,
            },
        )

    @get("/tenders/new", opt={"action": Action.tender_manage})
    async def new_page(self, request: Request[Actor, Any, Any]) -> Template:
        choices = await form_choices()
        defaults = tender_defaults(choices["methods"][0])
        form = Form.of(request, labels=TENDER_LABELS, defaults=defaults)
        return Template("tenders/new.html", context={**choices, "form": form, "rows": LINE_ROWS})

    @post("/tenders/new", opt={"action": Action.tender_manage})
    async def create(self, request: Request[Actor, Any, Any]) -> Redirect | Template:
        form = Form.of(request, await request.form(), labels=TENDER_LABELS)
        data = tender_from_form(form)
        if data is not None:
            try:
                tender_id = await services.tender_create(actor=request.user, data=data)
            except InvalidInput as refusal:
                form.refuse(refusal, tender_field)
            else:
                return see(f"/tenders/{tender_id}", "tender_created")
        return Template(
            "tenders/new.html",
            context={**await form_choices(), "form": form, "rows": LINE_ROWS},
            status_code=HTTP_400_BAD_REQUEST,
        )

    @get("/tenders/{tender_id:int}", opt={"action": Action.tender_read})
    async def detail_page(
        self, request: Request[Any, Any, Any], tender_id: FromPath[int]
    ) -> Template:
        context = await detail_context(current_actor(request), tender_id)
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
    async def amend(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Redirect | Template:
        """The handler submits a correction (更正公告); the approver decides on /approvals. The
        form carries every field; only those that differ from the notice change."""
        form = Form.of(request, await request.form(), labels=AMEND_LABELS, ids=AMEND_IDS)
        tender = await tender_detail(request.user, tender_id)

        def moved(field: str) -> str | None:
            # The form shows minutes: a value equal to the current one to the minute is no change.
            given = form.get(field)
            if not given:
                return None
            shown = tender[field].astimezone(ZoneInfo(get_settings().timezone))
            unchanged = given == shown.strftime("%Y-%m-%dT%H:%M")
            return None if unchanged else form.when(field)

        summary = form.text("summary", required=True)
        ceiling = form.amount("ceiling", required=False)
        clarification, submission = moved("clarification_deadline"), moved("submission_deadline")
        data = None
        if form.ok:
            data = form.validated(
                TenderAmendmentIn,
                {
                    "summary": summary,
                    "affects_preparation": form.get("affects_preparation") == "yes",
                    "title": form.get("title") or None,
                    "description": form.get("description"),
                    "ceiling_fen": ceiling,
                    "clarification_deadline": clarification,
                    "submission_deadline": submission,
                },
                lambda location: location.removesuffix("_fen"),
            )
        if data is not None and await form.attempt(
            services.tender_amend_request(actor=request.user, tender_id=tender_id, data=data),
            lambda location: location.removesuffix("_fen"),
        ):
            return see(f"/tenders/{tender_id}", "tender_amended")
        return await _detail_refused(request, tender_id, amend_form=form)

    @post("/tenders/{tender_id:int}/cancel", opt={"action": Action.tender_manage})
    async def cancel(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Redirect | Template:
        form = Form.of(request, await request.form(), labels={"reason": CANCEL_REASON})
        reason = form.text("reason", required=True)
        if form.ok and await form.attempt(
            services.tender_cancel_request(actor=request.user, tender_id=tender_id, reason=reason)
        ):
            return see(f"/tenders/{tender_id}", "tender_cancelled")
        return await _detail_refused(request, tender_id, cancel_form=form)

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
    async def ask(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Redirect | Template:
        form = Form.of(request, await request.form(), labels={"question": QUESTION})
        question = form.text("question", required=True)
        if form.ok and await form.attempt(
            services.clarification_ask(actor=request.user, tender_id=tender_id, question=question)
        ):
            return see(f"/tenders/{tender_id}#clarifications", "question_asked")
        return await _detail_refused(request, tender_id, question_form=form)

    @post(
        "/clarifications/{clarification_id:int}/answer", opt={"action": Action.clarification_answer}
    )
    async def answer(
        self, request: Request[Actor, Any, Any], clarification_id: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        answer = form.get("answer", "").strip()
        if not answer:
            raise InvalidInput("answer", N_("write an answer"))
        tender_id = await services.clarification_answer(
            actor=request.user, clarification_id=clarification_id, answer=answer
        )
        return see(f"/tenders/{tender_id}#clarifications", "question_answered")

    @post("/tenders/{tender_id:int}/bid", opt={"action": Action.bid_submit})
    async def bid(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Redirect | Template:
        """The sealed bid; on success the receipt is a page of its own (Post/Redirect/Get), so
        reloading it never submits the bid again."""
        received_at = clock.now()
        tender = await tender_detail(request.user, tender_id)
        posted = await request.form()
        form = bid_form(request, tender, posted)
        data = await bid_from_form(form, posted, tender)
        if data is not None and await form.attempt(
            bids.bid_submit(
                actor=request.user, tender_id=tender_id, data=data, received_at=received_at
            ),
            bid_field,
        ):
            return see(f"/tenders/{tender_id}/bid/receipt")
        context = await detail_context(request.user, tender_id)
        return Template(
            "tenders/detail.html",
            context={**context, "bid_form": form},
            status_code=HTTP_400_BAD_REQUEST,
        )

    @get("/tenders/{tender_id:int}/bid/receipt", opt={"action": Action.bid_submit})
    async def receipt_page(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Template:
        tender = await tender_detail(request.user, tender_id)
        receipt = await own_bid(request.user, tender_id)
        if receipt is None:
            raise NotFound(N_("no bid of yours on tender %(id)s"), id=tender_id)
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
        return await _evaluation(request, tender_id)

    @post("/tenders/{tender_id:int}/evaluation/scores", opt={"action": Action.evaluation_score})
    async def score(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Redirect | Template:
        """Every bid's scores in one form, saved together or not at all; a refused bid's row
        says why, and the form keeps what was typed."""
        form = Form.of(request, await request.form())
        context = await _evaluation_context(request.user, tender_id)
        technical = _technical(context["tender"])
        scores: dict[int, dict[str, int]] = {}
        for bid in context["view"].bids:
            names = {c["code"]: f"score-{bid.bid_id}-{c['code']}" for c in technical}
            for code, name in names.items():
                form.labels[name] = f"{bid.organization_name} · {c_name(technical, code)}"
            if not any(form.get(name).strip() for name in names.values()):
                continue  # a bid not scored yet
            row = {
                code: form.whole(name, required=True, low=0, high=100)
                for code, name in names.items()
            }
            if all(score is not None for score in row.values()):
                scores[bid.bid_id] = {
                    code: int(score) for code, score in row.items() if score is not None
                }
        if form.ok and not scores:
            form.general(form.translations.gettext(NOTHING_SCORED))
        if form.ok:
            try:
                await bids.technical_scores_submit_all(
                    actor=request.user, tender_id=tender_id, scores=scores
                )
            except bids.BidScoresRefused as refusal:
                _refuse_row(form, scores, refusal.bid_id, refusal)
            except (InvalidInput, Conflict) as refusal:  # the form's one scored bid
                _refuse_row(form, scores, next(iter(scores)), refusal)
            else:
                return see(f"/tenders/{tender_id}/evaluation", "scores_saved")
        return Template(
            "tenders/evaluation.html",
            context={**context, "form": form},
            status_code=HTTP_400_BAD_REQUEST,
        )

    @post("/bids/{bid_id:int}/decision", opt={"action": Action.evaluation_score})
    async def decide(
        self, request: Request[Actor, Any, Any], bid_id: FromPath[int]
    ) -> Redirect | Template:
        """A member's vote on a bid's explanation; rejecting needs a reason, refused beside
        the bid's row."""
        field = f"reason-{bid_id}"
        form = Form.of(
            request, await request.form(), labels={field: DECISION_REASON}, ids={"reason": field}
        )
        accept = form.get("accept") == "yes"
        reason = form.text("reason", required=not accept)
        if form.ok:
            try:
                tender_id = await bids.explanation_decide(
                    actor=request.user, bid_id=bid_id, accept=accept, reason=reason
                )
            except InvalidInput as refusal:
                form.refuse(refusal, lambda _location: field)
            else:
                return see(f"/tenders/{tender_id}/evaluation", "bid_decided")
        tender_id = await tender_of_bid(bid_id)
        context = await _evaluation_context(request.user, tender_id)
        return Template(
            "tenders/evaluation.html",
            context={**context, "form": _with_my_scores(form, context), "decision_bid": bid_id},
            status_code=HTTP_400_BAD_REQUEST,
        )

    @post("/tenders/{tender_id:int}/award", opt={"action": Action.award_decide})
    async def award(self, request: Request[Actor, Any, Any], tender_id: FromPath[int]) -> Redirect:
        await bids.award_request(actor=request.user, tender_id=tender_id)
        return see(
            f"/tenders/{tender_id}", "award_requested"
        )  # the award now waits for an approver
