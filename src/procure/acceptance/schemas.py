"""Input of 履约验收: setting it up with its group, a requirement's result, a recipient invited,
a recipient's opinion, and the overall result the handler submits for confirmation."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from procure.acceptance.tables import MemberKind, Opinion, RecipientKind, RequirementResult, Verdict


class MemberIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    kind: MemberKind
    affiliation: str = Field(default="", max_length=200)


class AcceptanceIn(BaseModel):
    #: "" for the whole contract, or a reporting period ("YYYY-MM") of a periodic service.
    stage: str = Field(default="", max_length=16)
    accepted_on: date
    members: list[MemberIn] = Field(default_factory=list)


class ItemIn(BaseModel):
    result: RequirementResult
    notes: str = Field(default="", max_length=2000)
    evidence: str = Field(default="", max_length=2000)


class RecipientIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    community: str = Field(min_length=1, max_length=40, description="the community's code")
    kind: RecipientKind
    contact: str = Field(default="", max_length=40, description="a phone number; kept masked")


class OpinionIn(BaseModel):
    opinion: Opinion
    comment: str = Field(default="", max_length=2000)


class ConcludeIn(BaseModel):
    result: Verdict
    conclusion: str = Field(min_length=1, max_length=4000)


class AcceptanceCreated(BaseModel):
    id: int
