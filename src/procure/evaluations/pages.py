"""Committee evaluation pages: a contract's evaluations, the committee's scoring form, one
evaluation read-only, and the rubric management of buyers and administrators. Thin, over the
same services and selectors as the API."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from procure.calendar import local_today
from procure.contracts.selectors import contract_detail
from procure.errors import InvalidInput
from procure.evaluations import services
from procure.evaluations.periods import term_periods
from procure.evaluations.schemas import EvaluationIn, RubricIn, RubricRevisionIn
from procure.evaluations.selectors import (
    contract_evaluations,
    evaluable_contract,
    evaluation_detail,
    is_quarterly,
    own_evaluation,
    rubric,
    rubrics,
)
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.security.tables import Role
from procure.web.forms import validated
from procure.web.notices import done_url, see
from procure.web.templating import request_locale

RUBRICS_PAGE = "/rubrics"
BLANK_CRITERION_ROWS = 3


def form_path(contract_id: int, period: str) -> str:
    return f"/contracts/{contract_id}/evaluations/{period}"


# -- the committee's form ------------------------------------------------------------------------


def evaluation_from_form(
    locale: str, form: FormMultiDict, criteria: list[dict[str, Any]]
) -> EvaluationIn:
    """One score (0–100) and comment per criterion; an empty score is not scored yet."""
    scores = []
    for criterion in criteria:
        code = criterion["code"]
        raw = form.get(f"score_{code}", "").strip()
        comment = form.get(f"comment_{code}", "")
        if not raw:
            if comment.strip():
                raise InvalidInput(f"score_{code}", N_("a comment needs a score from 0 to 100"))
            continue
        if not raw.isdigit() or int(raw) > 100:
            raise InvalidInput(
                f"score_{code}", N_("%(value)r is not a whole number from 0 to 100"), value=raw
            )
        scores.append({"criterion": code, "score": int(raw), "comment": comment})
    rubric_id = form.get("rubric_id", "")
    return validated(
        locale,
        EvaluationIn,
        {
            "rubric_id": int(rubric_id) if rubric_id.isdigit() else None,
            "comments": form.get("comments", ""),
            "scores": scores,
        },
    )


async def _form_rubric(evaluation: dict[str, Any] | None, requested: int | None) -> dict[str, Any]:
    """The rubric the form shows: the one asked for if it is a latest version, else the draft's,
    else the default."""
    if requested is not None:
        found = await rubrics(requested)
        if found and found[0]["latest"]:
            return found[0]
    if evaluation is not None:
        return await rubric(evaluation["rubric_id"])
    return await rubric(await services.default_rubric())


async def _form_page(
    actor: Actor,
    contract_id: int,
    period: str,
    *,
    requested_rubric: int | None = None,
    entered: FormMultiDict | None = None,
    error: InvalidInput | None = None,
    saved: str = "",
) -> Template:
    contract = await evaluable_contract(actor, contract_id, period)
    evaluation = await own_evaluation(actor, contract_id, period)
    shown = await _form_rubric(evaluation, requested_rubric)
    values: dict[str, Any] = {"comments": evaluation["comments"] if evaluation else ""}
    if evaluation and evaluation["rubric_id"] == shown["id"]:
        for line in evaluation["scores"]:
            values[f"score_{line['code']}"] = "" if line["score"] is None else line["score"]
            values[f"comment_{line['code']}"] = line["comment"]
    if entered is not None:
        values.update({key: entered.get(key, "") for key in entered})
    await services.default_rubric()
    choices = [r for r in await rubrics() if r["latest"]]
    return Template(
        "evaluations/form.html",
        context={
            "contract": contract,
            "period": period,
            "evaluation": evaluation,
            "rubric": shown,
            "choices": choices,
            "values": values,
            "error": error,
            "saved": saved,
        },
        status_code=HTTP_400_BAD_REQUEST if error else 200,
    )


# -- rubric management ---------------------------------------------------------------------------


def _rows(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    blank = {"code": "", "name_zh": "", "name_en": "", "weight": ""}
    return [*criteria, *([blank] * BLANK_CRITERION_ROWS)]


def criteria_from_form(form: FormMultiDict) -> list[dict[str, Any]]:
    """The rows of the criteria table; a row left wholly blank is no criterion."""
    columns = [form.getall(name, []) for name in ("code", "name_zh", "name_en", "weight")]
    return [
        {"code": code.strip(), "name_zh": zh, "name_en": en, "weight": weight.strip()}
        for code, zh, en, weight in zip(*columns, strict=False)
        if any(value.strip() for value in (code, zh, en, weight))
    ]


async def _rubrics_page(
    *,
    saved: str = "",
    error: InvalidInput | None = None,
    target: str = "",
    entered: dict[str, Any] | None = None,
) -> Template:
    """Every rubric by name, its versions newest first; the newest gets a form for changes.
    ``target`` names the form that failed ("new" or a rubric id), shown again as entered."""
    await services.default_rubric()
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in await rubrics():
        groups.setdefault(row["name"], []).append(row)
    forms = {
        str(row["id"]): {"name": row["name"], "rows": _rows(row["criteria"])}
        for versions in groups.values()
        for row in versions
        if row["latest"]
    }
    forms["new"] = {"name": "", "rows": _rows([])}
    if entered is not None:
        forms[target] = {**forms.get(target, {}), **entered}
    return Template(
        "evaluations/rubrics.html",
        context={
            "groups": groups,
            "forms": forms,
            "saved": saved,
            "error": error,
            "target": target,
        },
        status_code=HTTP_400_BAD_REQUEST if error else 200,
    )


class EvaluationPages(Controller):
    include_in_schema = False

    @get("/contracts/{contract_id:int}/evaluations", opt={"action": Action.report_read})
    async def list_page(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int]
    ) -> Template:
        actor = request.user
        contract = await contract_detail(actor, contract_id)
        evaluations = await contract_evaluations(actor, contract_id)
        periods: list[dict[str, Any]] = []
        if actor.role == Role.committee and contract["status"] != "draft":
            own = {e["period"]: e for e in evaluations if e["community_id"] == actor.community_id}
            periods = [
                {"period": period, "evaluation": own.get(period)}
                for period in term_periods(
                    starts_on=contract["starts_on"],
                    ends_on=contract["ends_on"],
                    quarterly=is_quarterly(contract),
                    today=local_today(),
                )
            ]
        return Template(
            "evaluations/list.html",
            context={"contract": contract, "evaluations": evaluations, "periods": periods},
        )

    @get(
        "/contracts/{contract_id:int}/evaluations/{period:str}",
        opt={"action": Action.committee_evaluate},
    )
    async def form_page(
        self,
        request: Request[Actor, Any, Any],
        contract_id: FromPath[int],
        period: FromPath[str],
        rubric: FromQuery[int | None] = None,
        saved: FromQuery[str] = "",
    ) -> Template:
        return await _form_page(
            request.user, contract_id, period, requested_rubric=rubric, saved=saved
        )

    @post(
        "/contracts/{contract_id:int}/evaluations/{period:str}",
        opt={"action": Action.committee_evaluate},
    )
    async def save(
        self, request: Request[Actor, Any, Any], contract_id: FromPath[int], period: FromPath[str]
    ) -> Template | Redirect:
        """保存草稿 saves; 提交 saves and locks in one step, once every criterion is scored."""
        actor = request.user
        await evaluable_contract(actor, contract_id, period)
        form = await request.form()
        requested = form.get("rubric_id", "")
        rubric_id = int(requested) if requested.isdigit() else None
        submit = form.get("intent") == "submit"
        try:
            shown = await _form_rubric(await own_evaluation(actor, contract_id, period), rubric_id)
            await services.evaluation_save(
                actor=actor,
                contract_id=contract_id,
                period=period,
                data=evaluation_from_form(request_locale(request), form, shown["criteria"]),
                submit=submit,
            )
        except InvalidInput as error:
            return await _form_page(
                actor,
                contract_id,
                period,
                requested_rubric=rubric_id,
                entered=form,
                error=error,
            )
        return see(
            done_url(
                form_path(contract_id, period),
                "evaluation_submitted" if submit else "evaluation_draft",
            )
        )

    @get("/evaluations/{evaluation_id:int}", opt={"action": Action.report_read})
    async def detail_page(
        self, request: Request[Actor, Any, Any], evaluation_id: FromPath[int]
    ) -> Template:
        evaluation = await evaluation_detail(request.user, evaluation_id)
        contract = await contract_detail(request.user, evaluation["contract_id"])
        return Template(
            "evaluations/detail.html", context={"evaluation": evaluation, "contract": contract}
        )

    @get(RUBRICS_PAGE, opt={"action": Action.rubric_manage})
    async def rubrics_page(self, saved: FromQuery[str] = "") -> Template:
        return await _rubrics_page(saved=saved)

    @post(RUBRICS_PAGE, opt={"action": Action.rubric_manage})
    async def create_rubric(self, request: Request[Actor, Any, Any]) -> Template | Redirect:
        form = await request.form()
        name, rows = form.get("name", ""), criteria_from_form(form)
        try:
            data = validated(request_locale(request), RubricIn, {"name": name, "criteria": rows})
            rubric_id = await services.rubric_create(actor=request.user, data=data)
        except InvalidInput as error:
            return await _rubrics_page(
                error=error,
                target="new",
                entered={"name": name, "rows": _rows(rows)},
            )
        return see(done_url(f"{RUBRICS_PAGE}?saved={rubric_id}#rubric-{rubric_id}", "rubric_saved"))

    @post(f"{RUBRICS_PAGE}/{{rubric_id:int}}/versions", opt={"action": Action.rubric_manage})
    async def revise_rubric(
        self, request: Request[Actor, Any, Any], rubric_id: FromPath[int]
    ) -> Template | Redirect:
        """A rubric in use gets a new version; one not yet used is changed in place."""
        await rubric(rubric_id)
        rows = criteria_from_form(await request.form())
        try:
            data = validated(request_locale(request), RubricRevisionIn, {"criteria": rows})
            changed = await services.rubric_revise(
                actor=request.user, rubric_id=rubric_id, data=data
            )
        except InvalidInput as error:
            return await _rubrics_page(
                error=error,
                target=str(rubric_id),
                entered={"rows": _rows(rows)},
            )
        return see(done_url(f"{RUBRICS_PAGE}?saved={changed}#rubric-{changed}", "rubric_saved"))
