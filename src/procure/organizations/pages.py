"""The organization registry's pages: registration, an organization's own profile, the public
registry and an organization's public page with the buyers' oversight forms."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any, TypeVar

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from pydantic import BaseModel

from procure.calendar import local_today
from procure.db.pagination import PAGING, PageRequest
from procure.errors import InvalidInput
from procure.organizations import services
from procure.organizations.controllers import own_id
from procure.organizations.schemas import (
    CreditRatingIn,
    DebarmentIn,
    LiftIn,
    ProfileIn,
    QualificationIn,
    RegistrationIn,
)
from procure.organizations.selectors import REGISTRY_SORTING, organization_detail, registry_page
from procure.organizations.tables import CreditRating, QualificationKind, RegistrationType
from procure.security.actors import Actor
from procure.security.controllers import sign_in
from procure.security.guards import current_actor
from procure.security.policy import Action, is_allowed
from procure.web.forms import validated
from procure.web.notices import done_url
from procure.web.templating import request_locale

Model = TypeVar("Model", bound=BaseModel)

PROFILE_PAGE = "/organization/profile"


# Every form field is a string that may be missing, so that a half-filled form comes back with
# the reason instead of a bare validation error page.
@dataclass
class ProfileForm:
    name: str = ""
    short_name: str = ""
    founded_on: str = ""
    certified_social_workers: str = ""
    address: str = ""
    contact_person: str = ""
    phone: str = ""


@dataclass
class RegistrationForm(ProfileForm):
    credit_code: str = ""
    registration_type: str = ""
    username: str = ""
    display_name: str = ""
    password: str = ""


@dataclass
class QualificationForm:
    kind: str = ""
    document_no: str = ""
    issued_on: str = ""
    expires_on: str = ""
    required: str = ""


@dataclass
class CreditRatingForm:
    rating: str = ""
    reason: str = ""
    appeal_note: str = ""


@dataclass
class DebarmentForm:
    starts_on: str = ""
    ends_on: str = ""
    reason: str = ""
    appeal_note: str = ""


@dataclass
class LiftForm:
    reason: str = ""
    appeal_note: str = ""


def parsed(request: Request[Any, Any, Any], model: type[Model], form: Any) -> Model:
    """The form as the API's input model; a bad field raises InvalidInput naming it, in the
    reader's language (procure.web.forms)."""
    values = asdict(form)
    if "expires_on" in values:
        values["expires_on"] = values["expires_on"] or None
    if "required" in values:
        values["required"] = bool(values["required"])
    return validated(request_locale(request), model, values)


def choices() -> dict[str, Any]:
    return {
        "registration_types": list(RegistrationType),
        "qualification_kinds": list(QualificationKind),
        "credit_ratings": list(CreditRating),
    }


class RegistrationPageController(Controller):
    include_in_schema = False

    @get("/register", opt={"action": Action.organization_register})
    async def register_page(self) -> Template:
        return Template(
            "organizations/register.html", context={"form": {}, "error": None, **choices()}
        )

    @post("/register", opt={"action": Action.organization_register})
    async def register(
        self, request: Request[Any, Any, Any], data: URLEncodedBody[RegistrationForm]
    ) -> Template | Redirect:
        """Register, then sign the new user in and take it to its start page."""
        try:
            await services.organization_register(
                actor=current_actor(request), data=parsed(request, RegistrationIn, data)
            )
        except InvalidInput as error:
            form = {**asdict(data), "password": ""}
            return Template(
                "organizations/register.html",
                context={"form": form, "error": error, **choices()},
                status_code=400,
            )
        await sign_in(request, data.username.strip(), data.password)
        return Redirect(done_url("/organization", "registered"), status_code=HTTP_303_SEE_OTHER)


class ProfilePageController(Controller):
    """The organization's own profile and qualifications; each form posts back here."""

    path = PROFILE_PAGE
    include_in_schema = False

    async def _page(
        self, actor: Actor, *, error: InvalidInput | None = None, failed: str = "", form: Any = None
    ) -> Template:
        return Template(
            "organizations/profile.html",
            context={
                "organization": await organization_detail(own_id(actor), own=True),
                "error": error,
                "failed": failed,
                "submitted": asdict(form) if form is not None else {},
                **choices(),
            },
            status_code=400 if error else 200,
        )

    @get("/", opt={"action": Action.organization_profile})
    async def profile(self, request: Request[Actor, Any, Any]) -> Template:
        return await self._page(request.user)

    @post("/", opt={"action": Action.organization_profile})
    async def update_profile(
        self, request: Request[Actor, Any, Any], data: URLEncodedBody[ProfileForm]
    ) -> Template | Redirect:
        try:
            await services.organization_profile_update(
                actor=request.user,
                organization_id=own_id(request.user),
                data=parsed(request, ProfileIn, data),
            )
        except InvalidInput as error:
            return await self._page(request.user, error=error, failed="profile", form=data)
        return Redirect(done_url(PROFILE_PAGE, "profile_saved"), status_code=HTTP_303_SEE_OTHER)

    @post("/qualifications", opt={"action": Action.organization_profile})
    async def add_qualification(
        self, request: Request[Actor, Any, Any], data: URLEncodedBody[QualificationForm]
    ) -> Template | Redirect:
        try:
            await services.qualification_add(
                actor=request.user,
                organization_id=own_id(request.user),
                data=parsed(request, QualificationIn, data),
            )
        except InvalidInput as error:
            return await self._page(request.user, error=error, failed="new", form=data)
        return Redirect(
            done_url(PROFILE_PAGE, "qualification_saved"), status_code=HTTP_303_SEE_OTHER
        )

    @post("/qualifications/{qualification_id:int}", opt={"action": Action.organization_profile})
    async def update_qualification(
        self,
        request: Request[Actor, Any, Any],
        qualification_id: FromPath[int],
        data: URLEncodedBody[QualificationForm],
    ) -> Template | Redirect:
        try:
            await services.qualification_update(
                actor=request.user,
                organization_id=own_id(request.user),
                qualification_id=qualification_id,
                data=parsed(request, QualificationIn, data),
            )
        except InvalidInput as error:
            return await self._page(
                request.user, error=error, failed=str(qualification_id), form=data
            )
        return Redirect(
            done_url(PROFILE_PAGE, "qualification_saved"), status_code=HTTP_303_SEE_OTHER
        )

    @post(
        "/qualifications/{qualification_id:int}/delete",
        opt={"action": Action.organization_profile},
    )
    async def remove_qualification(
        self, request: Request[Actor, Any, Any], qualification_id: FromPath[int]
    ) -> Redirect:
        await services.qualification_remove(
            actor=request.user,
            organization_id=own_id(request.user),
            qualification_id=qualification_id,
        )
        return Redirect(
            done_url(PROFILE_PAGE, "qualification_removed"), status_code=HTTP_303_SEE_OTHER
        )


class RegistryPageController(Controller):
    """The public registry; buyers and administrators also find the oversight forms here."""

    path = "/organizations"
    include_in_schema = False

    async def _detail(
        self,
        request: Request[Any, Any, Any],
        organization_id: int,
        *,
        error: InvalidInput | None = None,
        failed: str = "",
        form: Any = None,
    ) -> Template:
        return Template(
            "organizations/detail.html",
            context={
                "organization": await organization_detail(organization_id),
                "may_oversee": is_allowed(Action.organization_oversee, current_actor(request)),
                "today": local_today(),
                "error": error,
                "failed": failed,
                "submitted": asdict(form) if form is not None else {},
                **choices(),
            },
            status_code=400 if error else 200,
        )

    @get("/", opt={"action": Action.public_read}, dependencies=PAGING)
    async def registry(
        self,
        paging: NamedDependency[PageRequest],
        q: FromQuery[str] = "",
        registration_type: FromQuery[str] = "",
        sort: FromQuery[str] = "",
        direction: Annotated[str, QueryParameter(name="dir")] = "",
    ) -> Template:
        order = REGISTRY_SORTING.request(sort, direction)
        page = await registry_page(paging, order=order, q=q, registration_type=registration_type)
        return Template(
            "organizations/registry.html",
            context={
                "page": page,
                "organizations": page.items,
                "q": q,
                "registration_type": registration_type,
                "registration_types": list(RegistrationType),
                "order": order,
            },
        )

    @get("/{organization_id:int}", opt={"action": Action.public_read})
    async def detail(
        self, request: Request[Any, Any, Any], organization_id: FromPath[int]
    ) -> Template:
        return await self._detail(request, organization_id)

    @post("/{organization_id:int}/credit-rating", opt={"action": Action.organization_oversee})
    async def set_credit_rating(
        self,
        request: Request[Actor, Any, Any],
        organization_id: FromPath[int],
        data: URLEncodedBody[CreditRatingForm],
    ) -> Template | Redirect:
        try:
            rating = parsed(request, CreditRatingIn, data)
            await services.credit_rating_set(
                actor=request.user,
                organization_id=organization_id,
                rating=rating.rating,
                reason=rating.reason,
                appeal_note=rating.appeal_note,
            )
        except InvalidInput as error:
            return await self._detail(
                request, organization_id, error=error, failed="rating", form=data
            )
        return Redirect(
            done_url(f"/organizations/{organization_id}", "rating_changed"),
            status_code=HTTP_303_SEE_OTHER,
        )

    @post("/{organization_id:int}/debarments", opt={"action": Action.organization_oversee})
    async def debar(
        self,
        request: Request[Actor, Any, Any],
        organization_id: FromPath[int],
        data: URLEncodedBody[DebarmentForm],
    ) -> Template | Redirect:
        try:
            debarment = parsed(request, DebarmentIn, data)
            await services.debarment_impose(
                actor=request.user,
                organization_id=organization_id,
                starts_on=debarment.starts_on,
                ends_on=debarment.ends_on,
                reason=debarment.reason,
                appeal_note=debarment.appeal_note,
            )
        except InvalidInput as error:
            return await self._detail(
                request, organization_id, error=error, failed="debarment", form=data
            )
        return Redirect(
            done_url(f"/organizations/{organization_id}", "debarred"),
            status_code=HTTP_303_SEE_OTHER,
        )

    @post(
        "/{organization_id:int}/debarments/{debarment_id:int}/lift",
        opt={"action": Action.organization_oversee},
    )
    async def lift_debarment(
        self,
        request: Request[Actor, Any, Any],
        organization_id: FromPath[int],
        debarment_id: FromPath[int],
        data: URLEncodedBody[LiftForm],
    ) -> Template | Redirect:
        try:
            lift = parsed(request, LiftIn, data)
            await services.debarment_lift(
                actor=request.user,
                organization_id=organization_id,
                debarment_id=debarment_id,
                reason=lift.reason,
                appeal_note=lift.appeal_note,
            )
        except InvalidInput as error:
            return await self._detail(
                request, organization_id, error=error, failed=f"lift-{debarment_id}", form=data
            )
        return Redirect(
            done_url(f"/organizations/{organization_id}", "debarment_lifted"),
            status_code=HTTP_303_SEE_OTHER,
        )
