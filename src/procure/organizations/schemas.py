"""Input and output models of the organization registry API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from procure.organizations.tables import (
    CreditRating,
    DecisionKind,
    QualificationKind,
    RegistrationType,
)


class ProfileIn(BaseModel):
    """What an organization keeps up to date itself; the credit code and type are fixed."""

    name: str = Field(max_length=200)
    short_name: str = Field(default="", max_length=60)
    founded_on: date
    certified_social_workers: int = Field(ge=0, le=100_000)
    address: str = Field(max_length=300)
    contact_person: str = Field(max_length=60)
    phone: str = Field(max_length=40)


class RegistrationIn(ProfileIn):
    credit_code: str = Field(max_length=40, description="统一社会信用代码, 18 characters")
    registration_type: RegistrationType
    username: str = Field(max_length=60, description="the organization's first user")
    display_name: str = Field(default="", max_length=120)
    password: str = Field(max_length=200)


class QualificationIn(BaseModel):
    kind: QualificationKind
    document_no: str = Field(max_length=80)
    issued_on: date
    expires_on: date | None = None
    required: bool = False


APPEAL_NOTE = (
    "the organization's statement and defence (陈述、申辩) heard before the decision, or that it "
    "waived it; required for a debarment (行政处罚法 第四十五条)"
)


class CreditRatingIn(BaseModel):
    rating: CreditRating
    reason: str = Field(max_length=2000)
    appeal_note: str = Field(default="", max_length=2000, description=APPEAL_NOTE)


class DebarmentIn(BaseModel):
    starts_on: date
    ends_on: date = Field(description="the first day the organization may bid again")
    reason: str = Field(max_length=2000)
    appeal_note: str = Field(default="", max_length=2000, description=APPEAL_NOTE)


class LiftIn(BaseModel):
    reason: str = Field(max_length=2000)
    appeal_note: str = Field(default="", max_length=2000, description=APPEAL_NOTE)


class DecisionOut(BaseModel):
    """One oversight decision in the organization's public history."""

    id: int
    kind: DecisionKind
    debarment_id: int | None
    before: str
    after: str
    reason: str
    appeal_note: str
    decided_by: str | None = Field(description="the deciding department; null for an administrator")
    decider_role: str
    decided_at: datetime


class ObstacleOut(BaseModel):
    """An ``Obstacle`` of ``selectors.bidding_obstacles``, read from its attributes."""

    model_config = ConfigDict(from_attributes=True)

    code: str = Field(description="debarred | qualification_expired | qualification_missing")
    message_zh: str
    message_en: str
    details: dict[str, Any]


class QualificationOut(BaseModel):
    id: int
    kind: QualificationKind
    document_no: str
    issued_on: date
    expires_on: date | None
    required: bool
    expired: bool


class PublicQualificationOut(BaseModel):
    kind: QualificationKind
    issued_on: date
    expires_on: date | None
    required: bool
    expired: bool


class DebarmentOut(BaseModel):
    id: int
    starts_on: date
    ends_on: date
    reason: str
    decided_by: str | None = Field(description="the deciding department; null for an administrator")
    in_force: bool


class OrganizationOut(BaseModel):
    id: int
    credit_code: str
    name: str
    registration_type: RegistrationType
    founded_on: date
    certified_social_workers: int
    credit_rating: CreditRating
    debarred: bool
    debarred_from: date | None
    debarred_until: date | None


class PublicOrganizationOut(BaseModel):
    id: int
    credit_code: str
    name: str
    short_name: str
    registration_type: RegistrationType
    founded_on: date
    certified_social_workers: int
    credit_rating: CreditRating
    address: str
    registered_at: datetime
    qualifications: list[PublicQualificationOut]
    debarment: DebarmentOut | None = Field(description="the debarment in force today")
    debarments: list[DebarmentOut]
    decisions: list[DecisionOut] = Field(description="oversight decisions, newest first")
    obstacles: list[ObstacleOut] = Field(description="why it may not bid today; empty if it may")


class OwnOrganizationOut(PublicOrganizationOut):
    contact_person: str
    phone: str
    qualifications: list[QualificationOut]  # type: ignore[assignment]


class RegistrationOut(BaseModel):
    organization: OwnOrganizationOut
    user_id: int
    username: str
