"""Contract pages: the contract with its signatures and cumulative amendments, the buyer's
actions (requesting its signature, completing, terminating) and the organization's (signing,
accepting or declining a supplementary agreement)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from procure import calendar, clock
from procure.approvals.pages import KIND_LABELS
from procure.approvals.selectors import pending_for
from procure.contracts import services
from procure.contracts.schemas import ContractIn, PaymentRecordIn
from procure.contracts.selectors import amendment_history, award_for_contract, contract_detail
from procure.contracts.tables import ReportingFrequency
from procure.errors import Conflict, InvalidInput, NotFound
from procure.i18n import N_, fen_to_input, yuan, yuan_to_fen
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.security.tables import Role
from procure.web.forms import REQUIRED, Form
from procure.web.notices import done_url


def _new_contract(tender: dict[str, Any], form: Form, status_code: int = 200) -> Template:
    standstill = tender["standstill_ends_at"]
    return Template(
        "contracts/new.html",
        context={
            "tender": tender,
            "form": form,
            "in_standstill": standstill is not None and clock.now() < standstill,
            "milestone_rows": MILESTONE_ROWS,
            "payment_rows": PAYMENT_ROWS,
            "frequencies": list(ReportingFrequency),
        },
        status_code=status_code,
    )


def back(contract_id: int, note: str) -> Redirect:
    return Redirect(done_url(f"/contracts/{contract_id}", note), status_code=HTTP_303_SEE_OTHER)


MILESTONE_ROWS = 3
PAYMENT_ROWS = 4

#: The contract form's fields, as the buyer reads them (rows are numbered when the form is made).
CONTRACT_LABELS = {
    "title": N_("Contract title"),
    "starts_on": N_("Starts on"),
    "ends_on": N_("Ends on"),
    "reporting_frequency": N_("Reporting frequency"),
    "communities": N_("Communities covered"),
}
MILESTONE_TITLE = N_("Milestone %(n)s")
MILESTONE_DUE = N_("Due date of milestone %(n)s")
PAYMENT_DUE = N_("Due date of instalment %(n)s")
PAYMENT_AMOUNT = N_("Amount of instalment %(n)s (yuan)")
PAYMENTS_NOT_VALUE = N_(
    "The instalments add up to %(total)s; they must add up to the contract value %(value)s"
)
NO_PAYMENT = N_("Enter at least one instalment")


def contract_form(request: Request[Any, Any, Any], posted: Any = None, **kwargs: Any) -> Form:
    form = Form.of(request, posted, labels=CONTRACT_LABELS, **kwargs)
    gettext = form.translations.gettext
    for n in range(1, MILESTONE_ROWS + 1):
        form.labels[f"milestone_title-{n}"] = gettext(MILESTONE_TITLE) % {"n": n}
        form.labels[f"milestone_due-{n}"] = gettext(MILESTONE_DUE) % {"n": n}
    for n in range(1, PAYMENT_ROWS + 1):
        form.labels[f"payment_due-{n}"] = gettext(PAYMENT_DUE) % {"n": n}
        form.labels[f"payment_amount-{n}"] = gettext(PAYMENT_AMOUNT) % {"n": n}
    return form


def contract_field(location: str) -> str:
    """The contract form's field for a schema or service location (``payments[1].due_on``)."""
    parts = location.replace("[", ".").replace("]", "").split(".")
    if parts[0] in ("payments", "milestones") and len(parts) > 1 and parts[1].isdigit():
        kind = "payment" if parts[0] == "payments" else "milestone"
        part = {"amount_fen": "amount", "title": "title"}.get(parts[2] if len(parts) > 2 else "")
        return f"{kind}_{part or 'due'}-{int(parts[1]) + 1}"
    if parts[0] == "payments":
        return "payment_amount-1"
    return parts[0]


def contract_defaults(tender: dict[str, Any]) -> dict[str, Any]:
    """A year from the day after today, paid half at the start and half, tied to performance,
    at the end."""
    starts = calendar.local_day(clock.now()) + timedelta(days=1)
    ends = starts + timedelta(days=364)
    value = (tender["award"] or {}).get("value_fen") or 0
    first = value // 2
    return {
        "title": tender["title"],
        "starts_on": starts.isoformat(),
        "ends_on": ends.isoformat(),
        "reporting_frequency": ReportingFrequency.monthly.value,
        "communities": [c["code"] for c in tender["communities"]],
        "payment_due-1": (starts + timedelta(days=10)).isoformat(),
        "payment_amount-1": fen_to_input(first),
        "payment_due-2": ends.isoformat(),
        "payment_amount-2": fen_to_input(value - first),
        "payment_linked-2": "yes",
    }


def contract_from_form(form: Form, value_fen: int) -> ContractIn | None:
    starts_on = form.day("starts_on")
    ends_on = form.day("ends_on")
    milestones = []
    for n in range(1, MILESTONE_ROWS + 1):
        title = form.text(f"milestone_title-{n}")
        if title or form.get(f"milestone_due-{n}").strip():
            due = form.day(f"milestone_due-{n}")
            if not title:
                form.error(f"milestone_title-{n}", REQUIRED)
            milestones.append({"title": title, "due_on": due})
    payments = []
    for n in range(1, PAYMENT_ROWS + 1):
        if form.get(f"payment_amount-{n}").strip() or form.get(f"payment_due-{n}").strip():
            payments.append(
                {
                    "due_on": form.day(f"payment_due-{n}"),
                    "amount_fen": form.amount(f"payment_amount-{n}"),
                    "performance_linked": form.get(f"payment_linked-{n}") == "yes",
                }
            )
    if not payments:
        form.error("payment_amount-1", NO_PAYMENT)
    amounts = [p["amount_fen"] for p in payments]
    if payments and None not in amounts and sum(amounts) != value_fen:  # type: ignore[arg-type]
        form.error(
            "payment_amount-1",
            PAYMENTS_NOT_VALUE,
            total=yuan(sum(amounts), form.locale),  # type: ignore[arg-type]
            value=yuan(value_fen, form.locale),
        )
    if not form.ok:
        return None
    return form.validated(
        ContractIn,
        {
            "title": form.get("title").strip() or None,
            "communities": form.getall("communities"),
            "starts_on": starts_on,
            "ends_on": ends_on,
            "stable_service": form.get("stable_service") == "yes",
            "reporting_frequency": form.get("reporting_frequency") or ReportingFrequency.monthly,
            "milestones": milestones,
            "payments": payments,
        },
        contract_field,
    )


class ContractPages(Controller):
    include_in_schema = False

    @get("/tenders/{tender_id:int}/contract/new", opt={"action": Action.contract_manage})
    async def new_page(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Template:
        """The buyer drafts the contract from the award (the form the API's POST takes)."""
        tender = await award_for_contract(request.user, tender_id)
        form = contract_form(request, defaults=contract_defaults(tender))
        return _new_contract(tender, form)

    @post("/tenders/{tender_id:int}/contract/new", opt={"action": Action.contract_manage})
    async def create(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Redirect | Template:
        tender = await award_for_contract(request.user, tender_id)
        form = contract_form(request, await request.form())
        value = (tender["award"] or {}).get("value_fen") or 0
        data = contract_from_form(form, value)
        if data is not None:
            try:
                contract_id = await services.contract_create(
                    actor=request.user, tender_id=tender_id, data=data
                )
            except InvalidInput as refusal:
                form.refuse(refusal, contract_field)
            except Conflict as conflict:
                form.conflict(conflict)
            else:
                return back(contract_id, "contract_created")
        return _new_contract(tender, form, status_code=HTTP_400_BAD_REQUEST)

    @get("/contracts/{contract_id:int}", opt={"action": Action.contract_read})
    async def detail(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        done: FromQuery[str] = "",
    ) -> Template:
        actor = request.user
        contract = await contract_detail(actor, contract_id)
        owner = actor.role == Role.buyer and actor.department_id == contract["department_id"]
        party = (
            actor.role == Role.organization and actor.organization_id == contract["organization_id"]
        )
        history = await amendment_history(actor, contract_id, contract=contract)
        # The buyer's department sees its requests that wait for an approver.
        pending = await pending_for("contract", contract_id) if owner else []
        return Template(
            "contracts/detail.html",
            context={
                "contract": contract,
                "history": history,
                "owner": owner,
                "handler": owner and actor.is_handler,
                "party": party,
                "pending": pending,
                "kind_labels": KIND_LABELS,
                "done": done,
            },
        )

    @post("/contracts/{contract_id:int}/sign", opt={"action": Action.contract_manage})
    async def sign(self, request: Request[Actor, Any, Any], contract_id: FromPath[int]) -> Redirect:
        await services.contract_sign(actor=request.user, contract_id=contract_id)
        return back(contract_id, "requested")

    @post(
        "/contracts/{contract_id:int}/organization/sign",
        opt={"action": Action.contract_countersign},
    )
    async def sign_for_organization(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Redirect:
        await services.contract_sign_for_organization(actor=request.user, contract_id=contract_id)
        return back(contract_id, "signed")

    @post(
        "/contracts/{contract_id:int}/amendments/{version:int}/accept",
        opt={"action": Action.contract_countersign},
    )
    async def accept_amendment(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], version: FromPath[int]
    ) -> Redirect:
        await services.amendment_accept(
            actor=request.user, contract_id=contract_id, version=version
        )
        return back(contract_id, "accepted")

    @post(
        "/contracts/{contract_id:int}/amendments/{version:int}/decline",
        opt={"action": Action.contract_countersign},
    )
    async def decline_amendment(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], version: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        await services.amendment_decline(
            actor=request.user,
            contract_id=contract_id,
            version=version,
            reason=str(form.get("reason", "")),
        )
        return back(contract_id, "declined")

    @post(
        "/contracts/{contract_id:int}/payments/{seq:int}/{step:str}",
        opt={"action": Action.contract_manage},
    )
    async def payment(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        seq: FromPath[int],
        step: FromPath[str],
    ) -> Redirect:
        """A handler asks an approver to withhold, release or record an instalment."""
        kind = f"payment.{step}"
        if kind not in services.PAYMENT_STEPS:
            raise NotFound(N_("no instalment step %(step)s"), step=repr(step))
        form = await request.form()
        paid = None
        if step == "record":
            try:
                paid = PaymentRecordIn.model_validate(
                    {
                        "paid_on": str(form.get("paid_on", "")),
                        "amount_fen": yuan_to_fen(str(form.get("amount", ""))),
                        "voucher_no": str(form.get("voucher_no", "")),
                    }
                )
            except (ValueError, ArithmeticError):
                raise InvalidInput(
                    "paid_on, amount, voucher_no",
                    N_(
                        "give the day paid (YYYY-MM-DD), the amount paid in yuan (more than "
                        "zero, at most two decimal places) and the voucher number"
                    ),
                ) from None
        await services.payment_request(
            actor=request.user,
            contract_id=contract_id,
            seq=seq,
            kind=kind,
            reason=str(form.get("reason", "")),
            paid=paid,
        )
        return back(contract_id, "payment")

    @post(
        "/contracts/{contract_id:int}/payments/{seq:int}/rectification",
        opt={"action": Action.rectification_submit},
    )
    async def rectification(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], seq: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        await services.rectification_submit(
            actor=request.user,
            contract_id=contract_id,
            seq=seq,
            description=str(form.get("description", "")),
        )
        return back(contract_id, "rectification")

    @post(
        "/contracts/{contract_id:int}/payments/{seq:int}/rectification/answer",
        opt={"action": Action.contract_manage},
    )
    async def answer_rectification(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], seq: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        await services.rectification_answer(
            actor=request.user,
            contract_id=contract_id,
            seq=seq,
            accept=form.get("outcome") == "accept",
            note=str(form.get("note", "")),
        )
        return back(contract_id, "rectification_answered")

    @post("/contracts/{contract_id:int}/complete", opt={"action": Action.contract_manage})
    async def complete(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Redirect:
        await services.contract_close(actor=request.user, contract_id=contract_id)
        return back(contract_id, "contract_completed")

    @post("/contracts/{contract_id:int}/terminate", opt={"action": Action.contract_manage})
    async def terminate(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Redirect:
        form = await request.form()
        await services.contract_close(
            actor=request.user, contract_id=contract_id, terminate_reason=form.get("reason", "")
        )
        return back(contract_id, "contract_terminated")
