"""Input and output models of the contract API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from procure.approvals.schemas import ApprovalRequested
from procure.contracts.tables import ReportingFrequency
from procure.tenders.schemas import CommunityRef


class ContractSummary(BaseModel):
    id: int
    reference: str
    title: str
    status: str
    value_fen: int
    starts_on: date
    ends_on: date
    reporting_frequency: str
    department_id: int
    department_name: str
    organization_id: int
    organization_name: str


class ContractLineOut(BaseModel):
    id: int = Field(description="the scope line's id: a report line's scope_line_id")
    line_no: int
    item_name: str
    unit: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    description: str


class MilestoneOut(BaseModel):
    seq: int
    title: str
    due_on: date
    status: str


class PaymentOut(BaseModel):
    seq: int
    due_on: date
    amount_fen: int
    performance_linked: bool
    status: str
    status_reason: str = ""
    paid_on: date | None = None
    paid_amount_fen: int | None = None
    voucher_no: str = ""
    # Settled periods whose hold is in force, the deductions in force and what is then due.
    held_by: list[str] = []
    deduction_fen: int = 0
    amount_due_fen: int | None = None


class AmendmentOut(BaseModel):
    version: int
    reason: str
    value_delta_fen: int
    status: str
    decline_reason: str = ""
    signed_at: datetime | None


class PlannedRoleOut(BaseModel):
    role: str
    headcount: int
    hours: int = Field(description="hours each person works on the line")
    hourly_wage_fen: int
    social_insurance_fen: int


class PlannedLineOut(BaseModel):
    """A scope line of the winning bid's staffing and cost plan (docs/cost-floor.md)."""

    line_no: int
    quantity: int = Field(description="the tender's quantity the plan was made for")
    roles: list[PlannedRoleOut]
    paid_hours: int
    volunteer_hours: int
    materials_fen: int


class ContractDetail(ContractSummary):
    tender_reference: str | None
    ocid: str | None = Field(
        default=None, description="the OCDS id of the tender's contracting process"
    )
    bid_receipt_sha256: str
    signed_at: datetime | None
    buyer_signed_at: datetime | None
    buyer_signed_by_name: str | None
    organization_signed_at: datetime | None
    organization_signed_by_name: str | None
    terminated_reason: str
    communities: list[CommunityRef]
    lines: list[ContractLineOut]
    milestones: list[MilestoneOut]
    payments: list[PaymentOut]
    amendments: list[AmendmentOut]
    staffing_plan: list[PlannedLineOut] = Field(
        default_factory=list,
        description="the winning bid's staffing and cost plan per scope line, which reported "
        "staff hours are compared with (risk rule UNDERSTAFFED_DELIVERY); empty without one",
    )


class MilestoneIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    due_on: date


class PaymentIn(BaseModel):
    due_on: date
    amount_fen: int = Field(gt=0)
    performance_linked: bool = False


class ContractIn(BaseModel):
    """A contract from an award: the scope and the price come from the tender and the winning
    bid; the buyer sets the term, the communities, milestones and the payment schedule."""

    title: str | None = Field(default=None, max_length=200)
    communities: list[str] = Field(
        default_factory=list, description="community codes; default all of the tender's"
    )
    starts_on: date
    ends_on: date
    stable_service: bool = Field(
        default=False, description="a stable service may run up to three years"
    )
    reporting_frequency: ReportingFrequency = ReportingFrequency.monthly
    milestones: list[MilestoneIn] = Field(default_factory=list)
    payments: list[PaymentIn] = Field(min_length=1)


class AmendmentLineIn(BaseModel):
    line_no: int | None = Field(
        default=None, gt=0, description="an existing scope line, or none for new scope"
    )
    item_code: str | None = Field(default=None, description="the catalog item of new scope")
    quantity_delta: int
    unit_price_fen: int = Field(ge=0)
    description: str = Field(default="", max_length=2000)


class AmendmentIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)
    lines: list[AmendmentLineIn] = Field(min_length=1)


class TerminateIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


class ReasonIn(BaseModel):
    """Declining an amendment, withholding or releasing an instalment: why."""

    reason: str = Field(min_length=1, max_length=4000)


class PaymentRecordIn(BaseModel):
    """A payment made: the day, the amount (the whole instalment) and the voucher (凭证号)."""

    paid_on: date
    amount_fen: int = Field(gt=0)
    voucher_no: str = Field(min_length=1, max_length=64)


class AmendmentRequested(ApprovalRequested):
    """A drafted supplementary agreement that now waits for an approver: 202 Accepted."""

    version: int


class LineChange(BaseModel):
    line_no: int | None
    item_name: str
    in_tender: bool
    original_quantity: int
    current_quantity: int
    original_amount_fen: int
    current_amount_fen: int


class AmendmentHistory(BaseModel):
    original_value_fen: int
    current_value_fen: int
    cumulative_delta_fen: int
    cumulative_percent: Decimal
    adds_scope_outside_tender: bool
    lines: list[LineChange]


class RectificationIn(BaseModel):
    """What the organization did to put right what held the instalment (整改情况)."""

    description: str = Field(min_length=1, max_length=4000)


class RectificationAnswerIn(BaseModel):
    accept: bool
    note: str = Field(default="", max_length=4000)
