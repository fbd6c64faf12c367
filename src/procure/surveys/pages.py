"""Survey pages: the committee's rounds of a contract, the results, and the resident's answer
page at /s/{token} — thin, over the same services as the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST

from procure import clock
from procure.calendar import local_day
from procure.contracts.selectors import contract_detail
from procure.contracts.tables import ReportingFrequency
from procure.errors import InvalidInput
from procure.evaluations.periods import term_periods
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.security.tables import Role
from procure.settings import get_settings
from procure.surveys import services
from procure.surveys.controllers import token_sheet_response
from procure.surveys.schemas import MAX_TOKENS_PER_SHEET, RoundIn
from procure.surveys.selectors import (
    TokenRefused,
    answerable_round,
    contract_rounds,
    list_templates,
    round_results,
    scoped_round,
)
from procure.web.forms import Form
from procure.web.notices import done_url, see

THANKS_PAGE = "/surveys/thanks"


ROUND_LABELS = {
    "period": N_("Period surveyed"),
    "template_id": N_("Questionnaire"),
    "opens_at": N_("Opens at"),
    "closes_at": N_("Closes at"),
}
TOKENS_LABELS = {"count": N_("Number of codes")}


def _local_input(value: Any) -> str:
    """A datetime-local form value in the platform's time zone."""
    return value.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%dT%H:%M")


async def _contract_page(
    actor: Actor,
    contract_id: int,
    *,
    status_code: int = HTTP_200_OK,
    round_form: Form | None = None,
    tokens_form: Form | None = None,
    tokens_round: int | None = None,
) -> Template:
    contract = await contract_detail(actor, contract_id)
    context: dict[str, Any] = {
        "contract": contract,
        "rounds": await contract_rounds(actor, contract_id),
        "manages": actor.role == Role.committee,
        "round_form": round_form,
        "tokens_form": tokens_form,
        "tokens_round": tokens_round,
    }
    if context["manages"]:
        now = clock.now()
        surveyed = {r["period"] for r in context["rounds"]}  # the committee's own rounds
        periods = term_periods(
            starts_on=contract["starts_on"],
            ends_on=contract["ends_on"],
            quarterly=contract["reporting_frequency"] == ReportingFrequency.quarterly,
            today=local_day(now),
        )
        context |= {
            "templates": await list_templates(),
            "default_template_name": services.DEFAULT_TEMPLATE_NAME,
            "periods": [p for p in periods if p not in surveyed],
            "opens_at": _local_input(now),
            "closes_at": _local_input(now + timedelta(days=14)),
        }
    return Template("surveys/contract.html", context=context, status_code=status_code)


class SurveyPages(Controller):
    include_in_schema = False

    @get("/contracts/{contract_id:int}/surveys", opt={"action": Action.survey_results})
    async def contract_page(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Template:
        return await _contract_page(request.user, contract_id)

    @post("/contracts/{contract_id:int}/surveys", opt={"action": Action.survey_manage})
    async def start_round(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Redirect | Template:
        form = Form.of(request, await request.form(), labels=ROUND_LABELS)
        period = form.text("period", required=True)
        opens_at = form.when("opens_at", required=False)
        closes_at = form.when("closes_at")
        template_id = form.whole("template_id", low=1)
        data = (
            form.validated(
                RoundIn,
                {
                    "contract_id": contract_id,
                    "period": period,
                    "opens_at": opens_at,
                    "closes_at": closes_at,
                    "template_id": template_id,
                },
            )
            if form.ok
            else None
        )
        if data is not None:
            try:
                await services.survey_round_start(actor=request.user, data=data)
            except InvalidInput as refusal:
                form.refuse(refusal)
            else:
                return see(done_url(f"/contracts/{contract_id}/surveys", "round_opened"))
        return await _contract_page(
            request.user, contract_id, round_form=form, status_code=HTTP_400_BAD_REQUEST
        )

    @post("/surveys/rounds/{round_id:int}/close", opt={"action": Action.survey_manage})
    async def close_round(
        self, request: Request[Actor, Any, Any], round_id: FromPath[int]
    ) -> Redirect:
        await services.survey_round_close(actor=request.user, round_id=round_id)
        round_row = await scoped_round(request.user, round_id)
        return see(done_url(f"/contracts/{round_row['contract_id']}/surveys", "round_closed"))

    @post(
        "/surveys/rounds/{round_id:int}/tokens",
        media_type="application/pdf",
        opt={"action": Action.survey_manage},
    )
    async def issue_tokens(
        self, request: Request[Actor, Any, Any], round_id: FromPath[int]
    ) -> Response[Any]:
        """The form's 生成并下载二维码: the browser downloads the sheet and stays on the page; a
        bad count shows the contract's page again with the message beside that round's field."""
        form = Form.of(
            request,
            await request.form(),
            labels=TOKENS_LABELS,
            ids={"count": f"count-{round_id}"},
        )
        count = form.whole("count", required=True, low=1, high=MAX_TOKENS_PER_SHEET)
        if count is not None:
            try:
                return await token_sheet_response(request, round_id, count)
            except InvalidInput as refusal:
                form.refuse(refusal)
        round_row = await scoped_round(request.user, round_id)
        return await _contract_page(
            request.user,
            round_row["contract_id"],
            tokens_form=form,
            tokens_round=round_id,
            status_code=HTTP_400_BAD_REQUEST,
        )

    @get("/surveys/rounds/{round_id:int}/results", opt={"action": Action.survey_results})
    async def results_page(
        self, request: Request[Actor, Any, Any], round_id: FromPath[int]
    ) -> Template:
        return Template(
            "surveys/results.html", context={"results": await round_results(request.user, round_id)}
        )


def _refused(refusal: TokenRefused) -> Template:
    return Template(
        "surveys/refused.html",
        context={"reason": refusal.reason, "opens_at": refusal.opens_at},
        status_code=refusal.status_code,
    )


class ResidentPages(Controller):
    """No account, no cookie but the CSRF one, nothing stored about who answers."""

    include_in_schema = False

    @get("/s/{token:str}", opt={"action": Action.survey_answer}, cache=False)
    async def answer_page(self, token: FromPath[str]) -> Template:
        try:
            survey = await answerable_round(token)
        except TokenRefused as refusal:
            return _refused(refusal)
        return Template("surveys/answer.html", context={"survey": survey, "token": token})

    @post("/s/{token:str}", opt={"action": Action.survey_answer})
    async def answer(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
        form = await request.form()
        try:
            survey = await answerable_round(token)
            await services.survey_answer(token=token, form=form)
        except TokenRefused as refusal:
            return _refused(refusal)
        except InvalidInput as error:
            # The form again, with what was entered and the question that needs an answer.
            return Template(
                "surveys/answer.html",
                context={
                    "survey": survey,
                    "token": token,
                    "entered": dict(form),
                    "error": error,
                    "error_item": next(
                        (i for i in survey["items"] if f"item_{i['id']}" == error.field), None
                    ),
                },
                status_code=400,
            )
        return see(THANKS_PAGE)

    @get(THANKS_PAGE, opt={"action": Action.survey_answer})
    async def thanks(self) -> Template:
        return Template("surveys/thanks.html")
