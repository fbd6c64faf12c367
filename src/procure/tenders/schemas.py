"""Input and output models of the tender API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from procure.tenders.states import (
    CriterionKind,
    EvaluationMethod,
    NeedEvidenceKind,
    ProcurementMethod,
)


class ScopeLineIn(BaseModel):
    item_code: str = Field(min_length=1, max_length=32)
    quantity: int = Field(gt=0)
    description: str = Field(default="", max_length=2000)


class CriterionIn(BaseModel):
    code: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_]+$")
    name: str = Field(min_length=1, max_length=100)
    kind: CriterionKind
    weight: int = Field(gt=0, le=100)


class NeedEvidenceIn(BaseModel):
    kind: NeedEvidenceKind
    summary: str = Field(min_length=1, max_length=2000)
    community_code: str | None = None


class TenderIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10000)
    method: ProcurementMethod
    evaluation_method: EvaluationMethod
    ceiling_fen: int = Field(gt=0, description="budget ceiling (最高限价) in fen")
    communities: list[str] = Field(min_length=1, description="community codes")
    lines: list[ScopeLineIn] = Field(min_length=1)
    criteria: list[CriterionIn] = Field(min_length=1)
    clarification_deadline: AwareDatetime
    submission_deadline: AwareDatetime
    need_evidence: list[NeedEvidenceIn] = Field(default_factory=list)


class PublishIn(BaseModel):
    short_period_justification: str = Field(default="", max_length=2000)


class TenderAmendmentIn(BaseModel):
    """A correction of a published tender (更正公告): the summary of what changes (更正事项), the
    fields that change (only those given), and whether the change can affect bid preparation
    (changes of the description, the ceiling or the criteria always do)."""

    summary: str = Field(min_length=1, max_length=2000, description="更正事项")
    affects_preparation: bool = Field(
        default=False, description="the handler declares the change can affect bid preparation"
    )
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10000)
    ceiling_fen: int | None = Field(default=None, gt=0)
    criteria: list[CriterionIn] | None = Field(default=None, min_length=1)
    clarification_deadline: AwareDatetime | None = None
    submission_deadline: AwareDatetime | None = None


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class QuestionIn(BaseModel):
    question: str = Field(min_length=1, max_length=4000)


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=8000)


class TenderSummary(BaseModel):
    id: int
    reference: str
    ocid: str | None = Field(
        default=None,
        description="the contracting process's OCDS id (/api/v1/ocds/…), once published",
    )
    title: str
    status: str
    method: str
    evaluation_method: str
    ceiling_fen: int
    published_at: datetime | None
    submission_deadline: datetime | None
    department_id: int
    department_name: str


class ScopeLineOut(BaseModel):
    line_no: int
    item_code: str
    item_name: str
    unit: str
    quantity: int
    description: str


class CommunityRef(BaseModel):
    code: str
    name: str


class CriterionOut(BaseModel):
    code: str
    name: str
    kind: str
    weight: int


class ClarificationOut(BaseModel):
    id: int
    question: str
    answer: str
    asked_at: datetime
    answered_at: datetime | None
    asked_by_me: bool = False


class AmendmentOut(BaseModel):
    number: int
    summary: str
    published_at: datetime
    affects_preparation: bool
    changes: dict[str, dict[str, Any]] = Field(description="field → {before, after}")
    submission_deadline_before: datetime
    submission_deadline_after: datetime
    clarification_deadline_before: datetime
    clarification_deadline_after: datetime
    deadline_moved: bool
    rule: dict[str, Any] = Field(description="财政部令第87号 第二十七条 as applied")
    resubmission_required: bool
    bids_to_reconfirm: int


class TenderDetail(TenderSummary):
    description: str
    clarification_deadline: datetime | None
    opening_at: datetime | None
    standstill_ends_at: datetime | None
    short_period_justification: str
    cancel_reason: str
    lines: list[ScopeLineOut]
    communities: list[CommunityRef]
    criteria: list[CriterionOut]
    clarifications: list[ClarificationOut]
    bid_count: int = Field(
        description="before the deadline this number is all anyone learns of the bids"
    )
    amendments: list[AmendmentOut] = Field(
        default_factory=list, description="corrections (更正公告) in order: 1, 2…"
    )
    original: dict[str, Any] | None = Field(
        default=None, description="the notice as first published, once it has been corrected"
    )
