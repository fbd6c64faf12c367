"""Input and output models of the challenge and complaint API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from procure.complaints.tables import ChallengeSubject, CorrectiveStep


class ChallengeIn(BaseModel):
    subject: ChallengeSubject
    grounds: str = Field(min_length=1, max_length=20_000)
    evidence: str = Field(default="", max_length=20_000)


class AnswerIn(BaseModel):
    """The buyer's written answer: the outcome, its reasons, and for an upheld challenge the
    corrective step it leads to."""

    outcome: Literal["upheld", "partly_upheld", "rejected"]
    answer: str = Field(min_length=1, max_length=20_000)
    corrective_step: CorrectiveStep | None = None


class CorrectionIn(BaseModel):
    note: str = Field(min_length=1, max_length=5_000)


class ComplaintIn(BaseModel):
    grounds: str = Field(min_length=1, max_length=20_000)


class AdmissibilityIn(BaseModel):
    accept: bool
    reason: str = Field(default="", max_length=5_000)


class DecisionIn(BaseModel):
    """The decision on an accepted complaint; its text is published, so it holds no business
    secrets."""

    outcome: Literal["upheld", "rejected"]
    public_text: str = Field(min_length=1, max_length=20_000)


class SuspensionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=5_000)
    # The last day of the suspension; at most the policy's `suspension` period (30 days).
    until: date | None = None


class LiftIn(BaseModel):
    reason: str = Field(min_length=1, max_length=5_000)


class DeadlineOut(BaseModel):
    name: str
    days: int
    unit: str
    basis: str
    last_day: date
    ends_at: datetime
    provisional: bool
    passed: bool


class ComplaintRef(BaseModel):
    id: int
    status: str


class ChallengeOut(BaseModel):
    """A challenge; for another bidder of the tender only its answer (``party`` false: the
    challenger, grounds and evidence are withheld)."""

    id: int
    tender: int
    tender_reference: str
    tender_title: str
    department_name: str
    party: bool
    organization: int | None
    organization_name: str | None
    subject: str
    status: str
    grounds: str | None
    evidence: str | None
    filed_at: datetime
    knew_on: date | None
    answer: str
    corrective_step: str
    answered_at: datetime | None
    answered_late: bool
    correction_note: str
    corrected_at: datetime | None
    answer_deadline: DeadlineOut
    complaint_deadline: DeadlineOut
    overdue: bool
    may_complain: bool
    complaint: ComplaintRef | None = None
    filing_deadline: DeadlineOut | None = None


class SuspensionOut(BaseModel):
    id: int
    tender: int
    complaint: int
    status: str
    reason: str
    starts_at: datetime
    ends_at: datetime
    running: bool
    lifted_at: datetime | None
    lift_reason: str


class ComplaintOut(BaseModel):
    id: int
    challenge: int
    tender: int
    tender_reference: str
    tender_title: str
    department_name: str
    organization: int
    organization_name: str
    subject: str
    status: str
    grounds: str
    filed_at: datetime
    admissibility_reason: str
    admitted_at: datetime | None
    public_text: str
    decided_at: datetime | None
    admissibility_deadline: DeadlineOut
    decision_deadline: DeadlineOut
    admissibility_overdue: bool
    decision_overdue: bool
    suspended: bool
    suspensions: list[SuspensionOut]


class PublishedDecision(BaseModel):
    id: int
    status: str
    public_text: str
    decided_at: datetime
    filed_at: datetime
    tender_id: int
    tender_reference: str
    tender_title: str
    department_name: str
    organization_name: str
    subject: str


def out(model: type[BaseModel], row: dict[str, Any]) -> Any:
    return model.model_validate(row)
