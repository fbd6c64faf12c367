"""Remedy pages: the bidder's challenge form from the tender page, the lists of challenges and
complaints with their deadlines and rules, the buyer's answer form, the challenger's complaint
form, the regulator's admissibility, decision and suspension forms, and the public list of
complaint decisions. Forms follow the GOV.UK pattern: an error summary linking to each field,
the message beside the field, the input kept."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from functools import partial
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT
from pydantic import ValidationError

from procure import clock, i18n
from procure.complaints import services
from procure.complaints.schemas import (
    AdmissibilityIn,
    AnswerIn,
    ChallengeIn,
    ComplaintIn,
    DecisionIn,
    SuspensionIn,
)
from procure.complaints.selectors import (
    challenge_detail,
    challenge_page,
    challenge_windows,
    complaint_detail,
    complaint_page,
    published_decision,
    published_decision_page,
)
from procure.complaints.tables import ChallengeSubject, CorrectiveStep
from procure.db.pagination import PAGING, PageRequest, page_request
from procure.errors import Conflict, InvalidInput
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.security.tables import Role
from procure.tenders.selectors import tender_detail
from procure.web import labels
from procure.web.forms import invalid_input
from procure.web.notices import see
from procure.web.templating import request_locale

REQUIRED = {
    "subject": N_("Choose what you challenge."),
    "grounds": N_("Enter the grounds of your challenge."),
    "outcome": N_("Choose the outcome of the answer."),
    "answer": N_("Enter the answer and its reasons."),
    "corrective_step": N_("An upheld challenge names its corrective step."),
    "note": N_("Say what was done."),
    "accept": N_("Choose whether the complaint is accepted."),
    "reason": N_("Enter the reason."),
    "public_text": N_("Enter the decision's public text."),
    "until": N_("Enter a valid date."),
}

Errors = dict[str, str]


def _gettext(request: Request[Any, Any, Any]) -> Callable[[str], str]:
    return i18n.translations(request_locale(request)).gettext


def _missing(request: Request[Any, Any, Any], form: dict[str, str], *names: str) -> Errors:
    gettext = _gettext(request)
    return {name: gettext(REQUIRED[name]) for name in names if not form.get(name, "").strip()}


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    data = await request.form()
    return {key: str(value) for key, value in data.items() if key != "_csrf_token"}


async def _attempt(
    request: Request[Any, Any, Any], write: Callable[[], Awaitable[Any]]
) -> tuple[Any, Errors, int]:
    """Run a write; a refusal becomes the form's errors (a field's, or the whole form's)."""
    try:
        return await write(), {}, 200
    except InvalidInput as error:
        field = error.field if error.field in REQUIRED else "form"
        return None, {field: labels.refusal(request_locale(request), error)}, HTTP_400_BAD_REQUEST
    except ValidationError as error:
        refused = invalid_input(request_locale(request), error)
        field = refused.field.split(".")[0]
        message = labels.refusal(request_locale(request), refused)
        return None, {field if field in REQUIRED else "form": message}, HTTP_400_BAD_REQUEST
    except Conflict as error:
        return None, {"form": labels.refusal(request_locale(request), error)}, HTTP_409_CONFLICT


async def _form_step(
    request: Request[Actor, Any, Any],
    which: str,
    required: tuple[str, ...],
    write: Callable[[dict[str, str]], Awaitable[Any]],
    *,
    done: Callable[[Any], str],
    page: Callable[..., Awaitable[Template]],
) -> Template | Redirect:
    """One form of a challenge's or a complaint's page: the fields it needs, then the write;
    success goes to ``done(result)``, an error redraws the ``page`` with the input kept."""
    form = await _form(request)
    errors = _missing(request, form, *required)
    status = HTTP_400_BAD_REQUEST
    if not errors:
        result, errors, status = await _attempt(request, lambda: write(form))
        if not errors:
            return see(done(result))
    return await page(form=form, errors=errors, which=which, status_code=status)


class RemedyPages(Controller):
    include_in_schema = False

    # -- the bidder ------------------------------------------------------------

    async def _challenge_form(
        self,
        request: Request[Actor, Any, Any],
        tender_id: int,
        form: dict[str, str],
        errors: Errors,
        status_code: int = 200,
    ) -> Template:
        return Template(
            "complaints/challenge_form.html",
            context={
                "tender": await tender_detail(request.user, tender_id),
                "windows": await challenge_windows(tender_id, clock.now()),
                "subjects": [s.value for s in ChallengeSubject],
                "form": form,
                "errors": errors,
            },
            status_code=status_code,
        )

    @get("/tenders/{tender_id:int}/challenge", opt={"action": Action.challenge_file})
    async def challenge_page(
        self,
        request: Request[Actor, Any, Any],
        tender_id: FromPath[int],
        subject: FromQuery[str] = "",
    ) -> Template:
        return await self._challenge_form(request, tender_id, {"subject": subject}, {})

    @post("/tenders/{tender_id:int}/challenge", opt={"action": Action.challenge_file})
    async def challenge(
        self, request: Request[Actor, Any, Any], tender_id: FromPath[int]
    ) -> Template | Redirect:
        form = await _form(request)
        errors = _missing(request, form, "subject", "grounds")
        if form.get("subject") and form["subject"] not in ChallengeSubject.__members__:
            errors["subject"] = _gettext(request)(REQUIRED["subject"])
        if not errors:
            window = next(
                w
                for w in await challenge_windows(tender_id, clock.now())
                if w["subject"] == form["subject"]
            )
            if not window["open"] and window["deadline"] is not None:
                d = window["deadline"]
                errors["form"] = _gettext(request)(
                    N_(
                        "The challenge period ended on %(day)s (%(days)s working days, "
                        "%(basis)s). A late challenge is not accepted."
                    )
                ) % {"day": d["last_day"], "days": d["days"], "basis": d["basis"]}
        if errors:
            return await self._challenge_form(
                request, tender_id, form, errors, HTTP_400_BAD_REQUEST
            )

        async def write() -> int:
            data = ChallengeIn.model_validate(
                {k: form.get(k, "") for k in ("subject", "grounds", "evidence")}
            )
            return await services.challenge_file(actor=request.user, tender_id=tender_id, data=data)

        challenge_id, errors, status = await _attempt(request, write)
        if errors:
            return await self._challenge_form(request, tender_id, form, errors, status)
        return see(f"/challenges/{challenge_id}?done=challenge_filed")

    # -- lists and details -----------------------------------------------------

    @get("/challenges", opt={"action": Action.remedy_read}, dependencies=PAGING)
    async def challenges(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
        complaints_page: FromQuery[str | None] = None,
    ) -> Template:
        actor = request.user
        complaint_paging = page_request(complaints_page, page_name="complaints_page")
        return Template(
            "complaints/list.html",
            context={
                "challenges": await challenge_page(actor, paging),
                "complaints": await complaint_page(actor, complaint_paging),
                "regulator": actor.role == Role.regulator,
            },
        )

    async def _challenge_page(
        self,
        request: Request[Actor, Any, Any],
        challenge_id: int,
        *,
        done: str = "",
        form: dict[str, str] | None = None,
        errors: Errors | None = None,
        which: str = "",
        status_code: int = 200,
    ) -> Template:
        actor = request.user
        challenge = await challenge_detail(actor, challenge_id)
        answering = actor.role == Role.buyer and actor.department_id == challenge["department_id"]
        return Template(
            "complaints/challenge.html",
            context={
                "challenge": challenge,
                "answering": answering,
                "steps": [s.value for s in CorrectiveStep],
                "done": done,
                "form": form or {},
                "errors": errors or {},
                "which": which,
            },
            status_code=status_code,
        )

    @get("/challenges/{challenge_id:int}", opt={"action": Action.remedy_read})
    async def challenge_view(
        self,
        request: Request[Actor, Any, Any],
        challenge_id: FromPath[int],
        done: FromQuery[str] = "",
    ) -> Template:
        return await self._challenge_page(request, challenge_id, done=done)

    async def _challenge_write(
        self,
        request: Request[Actor, Any, Any],
        challenge_id: int,
        which: str,
        required: tuple[str, ...],
        write: Callable[[dict[str, str]], Awaitable[Any]],
        done: Callable[[Any], str],
    ) -> Template | Redirect:
        page = partial(self._challenge_page, request, challenge_id)
        return await _form_step(request, which, required, write, done=done, page=page)

    @post("/challenges/{challenge_id:int}/answer", opt={"action": Action.challenge_answer})
    async def answer(
        self, request: Request[Actor, Any, Any], challenge_id: FromPath[int]
    ) -> Template | Redirect:
        async def write(form: dict[str, str]) -> None:
            if form["outcome"] != "rejected" and not form.get("corrective_step"):
                raise InvalidInput("corrective_step", REQUIRED["corrective_step"])
            data = AnswerIn.model_validate(
                {
                    "outcome": form["outcome"],
                    "answer": form["answer"],
                    "corrective_step": form.get("corrective_step") or None,
                }
            )
            await services.challenge_answer(
                actor=request.user, challenge_id=challenge_id, data=data
            )

        return await self._challenge_write(
            request,
            challenge_id,
            "answer",
            ("outcome", "answer"),
            write,
            lambda _: f"/challenges/{challenge_id}?done=answered",
        )

    @post("/challenges/{challenge_id:int}/correction", opt={"action": Action.challenge_answer})
    async def correction(
        self, request: Request[Actor, Any, Any], challenge_id: FromPath[int]
    ) -> Template | Redirect:
        async def write(form: dict[str, str]) -> None:
            await services.challenge_correct(
                actor=request.user, challenge_id=challenge_id, note=form["note"]
            )

        return await self._challenge_write(
            request,
            challenge_id,
            "correction",
            ("note",),
            write,
            lambda _: f"/challenges/{challenge_id}?done=corrected",
        )

    @post("/challenges/{challenge_id:int}/complaint", opt={"action": Action.complaint_file})
    async def complain(
        self, request: Request[Actor, Any, Any], challenge_id: FromPath[int]
    ) -> Template | Redirect:
        async def write(form: dict[str, str]) -> int:
            return await services.complaint_file(
                actor=request.user,
                challenge_id=challenge_id,
                data=ComplaintIn(grounds=form["grounds"]),
            )

        return await self._challenge_write(
            request,
            challenge_id,
            "complaint",
            ("grounds",),
            write,
            lambda complaint_id: f"/complaints/{complaint_id}?done=complaint_filed",
        )

    # -- the regulator ---------------------------------------------------------

    async def _complaint_page(
        self,
        request: Request[Actor, Any, Any],
        complaint_id: int,
        *,
        done: str = "",
        form: dict[str, str] | None = None,
        errors: Errors | None = None,
        which: str = "",
        status_code: int = 200,
    ) -> Template:
        actor = request.user
        return Template(
            "complaints/complaint.html",
            context={
                "complaint": await complaint_detail(actor, complaint_id),
                "deciding": actor.role == Role.regulator,
                "done": done,
                "form": form or {},
                "errors": errors or {},
                "which": which,
            },
            status_code=status_code,
        )

    @get("/complaints/{complaint_id:int}", opt={"action": Action.remedy_read})
    async def complaint_view(
        self,
        request: Request[Actor, Any, Any],
        complaint_id: FromPath[int],
        done: FromQuery[str] = "",
    ) -> Template:
        return await self._complaint_page(request, complaint_id, done=done)

    async def _complaint_write(
        self,
        request: Request[Actor, Any, Any],
        complaint_id: int,
        which: str,
        required: tuple[str, ...],
        write: Callable[[dict[str, str]], Awaitable[Any]],
    ) -> Template | Redirect:
        return await _form_step(
            request,
            which,
            required,
            write,
            done=lambda _: f"/complaints/{complaint_id}?done={which}",
            page=partial(self._complaint_page, request, complaint_id),
        )

    @post("/complaints/{complaint_id:int}/admissibility", opt={"action": Action.complaint_decide})
    async def admissibility(
        self, request: Request[Actor, Any, Any], complaint_id: FromPath[int]
    ) -> Template | Redirect:
        async def write(form: dict[str, str]) -> None:
            accept = form["accept"] == "yes"
            if not accept and not form.get("reason", "").strip():
                raise InvalidInput("reason", REQUIRED["reason"])
            data = AdmissibilityIn(accept=accept, reason=form.get("reason", ""))
            await services.complaint_admit(actor=request.user, complaint_id=complaint_id, data=data)

        return await self._complaint_write(
            request, complaint_id, "admissibility", ("accept",), write
        )

    @post("/complaints/{complaint_id:int}/decision", opt={"action": Action.complaint_decide})
    async def decision(
        self, request: Request[Actor, Any, Any], complaint_id: FromPath[int]
    ) -> Template | Redirect:
        async def write(form: dict[str, str]) -> None:
            data = DecisionIn.model_validate(
                {"outcome": form["outcome"], "public_text": form["public_text"]}
            )
            await services.complaint_decide(
                actor=request.user, complaint_id=complaint_id, data=data
            )

        return await self._complaint_write(
            request, complaint_id, "decision", ("outcome", "public_text"), write
        )

    @post("/complaints/{complaint_id:int}/suspension", opt={"action": Action.complaint_decide})
    async def suspend(
        self, request: Request[Actor, Any, Any], complaint_id: FromPath[int]
    ) -> Template | Redirect:
        async def write(form: dict[str, str]) -> None:
            until = form.get("until", "").strip()
            try:
                last = date.fromisoformat(until) if until else None
            except ValueError:
                raise InvalidInput("until", REQUIRED["until"]) from None
            data = SuspensionIn(reason=form["reason"], until=last)
            await services.suspension_order(
                actor=request.user, complaint_id=complaint_id, data=data
            )

        return await self._complaint_write(request, complaint_id, "suspension", ("reason",), write)

    @post(
        "/complaints/{complaint_id:int}/suspensions/{suspension_id:int}/lift",
        opt={"action": Action.complaint_decide},
    )
    async def lift(
        self,
        request: Request[Actor, Any, Any],
        complaint_id: FromPath[int],
        suspension_id: FromPath[int],
    ) -> Template | Redirect:
        async def write(form: dict[str, str]) -> None:
            await services.suspension_lift(
                actor=request.user, suspension_id=suspension_id, reason=form["reason"]
            )

        return await self._complaint_write(request, complaint_id, "lift", ("reason",), write)

    # -- the public ------------------------------------------------------------

    @get("/disclosure/complaints", opt={"action": Action.disclosure_read}, dependencies=PAGING)
    async def decisions(self, paging: NamedDependency[PageRequest]) -> Template:
        return Template(
            "complaints/decisions.html",
            context={"decisions": await published_decision_page(paging)},
        )

    @get("/disclosure/complaints/{complaint_id:int}", opt={"action": Action.disclosure_read})
    async def public_decision(self, complaint_id: FromPath[int]) -> Template:
        return Template(
            "complaints/decision.html",
            context={"decision": await published_decision(complaint_id)},
        )
