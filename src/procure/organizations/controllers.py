"""The public organization registry (承接主体目录)."""

from __future__ import annotations

from datetime import date

from litestar import Controller, get
from pydantic import BaseModel

from procure.organizations.selectors import registry
from procure.security.policy import Action


class OrganizationOut(BaseModel):
    id: int
    credit_code: str
    name: str
    registration_type: str
    founded_on: date
    certified_social_workers: int
    credit_rating: str
    debarred: bool


class OrganizationController(Controller):
    path = "/api/v1/organizations"
    tags = ["organizations"]

    @get("/", opt={"action": Action.public_read})
    async def list_organizations(self) -> list[OrganizationOut]:
        return [OrganizationOut(**row) for row in await registry()]
