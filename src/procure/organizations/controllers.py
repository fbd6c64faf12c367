"""The organization registry API under /api/v1/organizations: the public registry, registration,
an organization's own profile and qualifications, and the buyers' oversight."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from procure.db.pagination import PAGING, PageRequest, paged
from procure.errors import NotFound
from procure.i18n import N_
from procure.organizations import services
from procure.organizations.schemas import (
    CreditRatingIn,
    DebarmentIn,
    DebarmentOut,
    LiftIn,
    OrganizationOut,
    OwnOrganizationOut,
    ProfileIn,
    PublicOrganizationOut,
    QualificationIn,
    QualificationOut,
    RegistrationIn,
    RegistrationOut,
)
from procure.organizations.selectors import (
    organization_detail,
    own_qualification,
    own_qualifications,
    registry_page,
)
from procure.security.actors import Actor
from procure.security.guards import current_actor
from procure.security.policy import Action


def own_id(actor: Actor) -> int:
    """The organization an organization user keeps (the database gives it exactly one)."""
    if actor.organization_id is None:
        raise NotFound(N_("you act for no organization"))
    return actor.organization_id


async def own_organization(organization_id: int) -> OwnOrganizationOut:
    return OwnOrganizationOut(**await organization_detail(organization_id, own=True))


class OrganizationController(Controller):
    path = "/api/v1/organizations"
    tags = ["organizations"]

    @get("/", opt={"action": Action.public_read}, dependencies=PAGING)
    async def list_organizations(
        self,
        request: Request[Any, Any, Any],
        paging: NamedDependency[PageRequest],
        q: FromQuery[str] = "",
        registration_type: FromQuery[str] = "",
    ) -> Response[list[OrganizationOut]]:
        """The public registry by name. Filters: ``q`` (a word of the name or the credit code),
        ``registration_type``; pages: ``page``, ``per_page`` (≤ 100), with ``X-Total-Count``
        and ``Link`` headers."""
        page = await registry_page(paging, q=q, registration_type=registration_type)
        return paged(request, page.map(lambda row: OrganizationOut(**row)))

    @post("/register", status_code=HTTP_201_CREATED, opt={"action": Action.organization_register})
    async def register(
        self, request: Request[Any, Any, Any], data: JSONBody[RegistrationIn]
    ) -> RegistrationOut:
        """Register a social organization and its first user (role ``organization``)."""
        organization_id, user_id = await services.organization_register(
            actor=current_actor(request), data=data
        )
        return RegistrationOut(
            organization=await own_organization(organization_id),
            user_id=user_id,
            username=data.username.strip(),
        )

    @get("/me", opt={"action": Action.organization_profile})
    async def me(self, request: Request[Actor, Any, Any]) -> OwnOrganizationOut:
        return await own_organization(own_id(request.user))

    @put("/me", opt={"action": Action.organization_profile})
    async def update_me(
        self, request: Request[Actor, Any, Any], data: JSONBody[ProfileIn]
    ) -> OwnOrganizationOut:
        organization_id = own_id(request.user)
        await services.organization_profile_update(
            actor=request.user, organization_id=organization_id, data=data
        )
        return await own_organization(organization_id)

    @get("/me/qualifications", opt={"action": Action.organization_profile})
    async def qualifications(self, request: Request[Actor, Any, Any]) -> list[QualificationOut]:
        organization_id = own_id(request.user)
        return [QualificationOut(**row) for row in await own_qualifications(organization_id)]

    @post(
        "/me/qualifications",
        status_code=HTTP_201_CREATED,
        opt={"action": Action.organization_profile},
    )
    async def add_qualification(
        self, request: Request[Actor, Any, Any], data: JSONBody[QualificationIn]
    ) -> QualificationOut:
        organization_id = own_id(request.user)
        qualification_id = await services.qualification_add(
            actor=request.user, organization_id=organization_id, data=data
        )
        return QualificationOut(**await own_qualification(organization_id, qualification_id))

    @put("/me/qualifications/{qualification_id:int}", opt={"action": Action.organization_profile})
    async def update_qualification(
        self,
        request: Request[Actor, Any, Any],
        qualification_id: FromPath[int],
        data: JSONBody[QualificationIn],
    ) -> QualificationOut:
        organization_id = own_id(request.user)
        await services.qualification_update(
            actor=request.user,
            organization_id=organization_id,
            qualification_id=qualification_id,
            data=data,
        )
        return QualificationOut(**await own_qualification(organization_id, qualification_id))

    @delete(
        "/me/qualifications/{qualification_id:int}", opt={"action": Action.organization_profile}
    )
    async def remove_qualification(
        self, request: Request[Actor, Any, Any], qualification_id: FromPath[int]
    ) -> None:
        await services.qualification_remove(
            actor=request.user,
            organization_id=own_id(request.user),
            qualification_id=qualification_id,
        )

    @get("/{organization_id:int}", opt={"action": Action.public_read})
    async def get_organization(self, organization_id: FromPath[int]) -> PublicOrganizationOut:
        """Public: profile, qualifications (without document numbers), credit rating, debarments
        (public under credit disclosure) and what keeps it from bidding today."""
        return PublicOrganizationOut(**await organization_detail(organization_id))

    @put("/{organization_id:int}/credit-rating", opt={"action": Action.organization_oversee})
    async def set_credit_rating(
        self,
        request: Request[Actor, Any, Any],
        organization_id: FromPath[int],
        data: JSONBody[CreditRatingIn],
    ) -> PublicOrganizationOut:
        await services.credit_rating_set(
            actor=request.user,
            organization_id=organization_id,
            rating=data.rating,
            reason=data.reason,
            appeal_note=data.appeal_note,
        )
        return PublicOrganizationOut(**await organization_detail(organization_id))

    @post(
        "/{organization_id:int}/debarments",
        status_code=HTTP_201_CREATED,
        opt={"action": Action.organization_oversee},
    )
    async def debar(
        self,
        request: Request[Actor, Any, Any],
        organization_id: FromPath[int],
        data: JSONBody[DebarmentIn],
    ) -> DebarmentOut:
        debarment_id = await services.debarment_impose(
            actor=request.user,
            organization_id=organization_id,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            reason=data.reason,
            appeal_note=data.appeal_note,
        )
        detail = await organization_detail(organization_id)
        return DebarmentOut(**next(d for d in detail["debarments"] if d["id"] == debarment_id))

    @post(
        "/{organization_id:int}/debarments/{debarment_id:int}/lift",
        status_code=HTTP_200_OK,
        opt={"action": Action.organization_oversee},
    )
    async def lift_debarment(
        self,
        request: Request[Actor, Any, Any],
        organization_id: FromPath[int],
        debarment_id: FromPath[int],
        data: JSONBody[LiftIn],
    ) -> PublicOrganizationOut:
        """End the debarment today (one that has not begun before today is withdrawn)."""
        await services.debarment_lift(
            actor=request.user,
            organization_id=organization_id,
            debarment_id=debarment_id,
            reason=data.reason,
            appeal_note=data.appeal_note,
        )
        return PublicOrganizationOut(**await organization_detail(organization_id))
