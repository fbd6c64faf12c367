"""Input and output models of the service report API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from litestar.datastructures import UploadFile
from pydantic import BaseModel, Field

from procure.reports.tables import OutOfScopeKind, UnitKind


class UnitIn(BaseModel):
    kind: UnitKind = Field(
        description="household_visit, session (with a sign-in list) or beneficiary_group"
    )
    code: str = Field(
        description="the unit's code in the organization's records (e.g. HV-0031): no names, "
        "addresses or phone numbers"
    )


class UnitOut(BaseModel):
    kind: UnitKind
    code: str


class ActivityLineIn(BaseModel):
    """One activity. Types only: the rules (which scope line, who asked, no negative numbers)
    live in ``reports.rules`` so that each refusal names its line number."""

    scope_line_id: int | None = Field(
        default=None, description="the contract scope line this delivers (its id)"
    )
    out_of_scope: bool = Field(default=False, description="合同外事项: work outside the contract")
    out_of_scope_kind: OutOfScopeKind = Field(
        default=OutOfScopeKind.none,
        description="none within the contract; administrative, campaign, seconded_staff or other",
    )
    requested_by_department_id: int | None = Field(
        default=None, description="the department that asked for out-of-contract work"
    )
    requested_by_person: str = Field(default="", description="who asked for it, by name")
    description: str = ""
    quantity: int = 0
    beneficiaries: int = 0
    staff_hours: Decimal = Field(
        default=Decimal(0), description="hours, at most 2 decimals; stored as whole minutes"
    )
    spend_fen: int = 0
    submissions: int = Field(
        default=0,
        description="报送次数: reports, statistics tables or other submissions this "
        "out-of-contract work handed to the department that demanded them",
    )
    units: list[UnitIn] = Field(
        default_factory=list,
        description="verifiable units of this delivery, from which spot-checks are drawn",
    )
    work_request_id: int | None = Field(
        default=None,
        description="the accepted work request of this contract that asked for this "
        "out-of-contract work: saving the draft cites it (null keeps what the line cites)",
    )


class ReportIn(BaseModel):
    summary: str = ""
    outcome_self_score: int | None = Field(
        default=None, description="the organization's own assessment, 0–100"
    )
    lines: list[ActivityLineIn] = Field(default_factory=list)
    corrects_version: int | None = Field(
        default=None,
        description="to correct a submitted report: the version it corrects (a new version)",
    )


@dataclass
class AttachmentUpload:
    """The multipart form of an upload: the file, and the line it documents (if any)."""

    file: UploadFile | None = None
    line_no: int | None = None


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    line_no: int | None
    uploaded_at: datetime


class ActivityLineOut(BaseModel):
    line_no: int
    scope_line_id: int | None
    scope_line_no: int | None
    scope_item_name: str | None
    out_of_scope: bool
    out_of_scope_kind: OutOfScopeKind
    requested_by_department_id: int | None
    requested_by_department_name: str | None
    requested_by_person: str
    description: str
    quantity: int
    beneficiaries: int
    staff_hours: Decimal
    staff_minutes: int
    spend_fen: int
    submissions: int
    units: list[UnitOut] = Field(default_factory=list)
    work_request_id: int | None = Field(
        default=None, description="the work request this out-of-contract line cites"
    )


class ReportVersionOut(BaseModel):
    id: int
    version: int
    status: str
    due_on: date
    summary: str
    outcome_self_score: int | None
    submitted_at: datetime | None
    submitted_by: str | None
    created_at: datetime
    content_sha256: str
    lines: list[ActivityLineOut]
    attachments: list[AttachmentOut]


class VersionSummary(BaseModel):
    id: int
    version: int
    status: str
    submitted_at: datetime | None
    submitted_by: str | None
    created_at: datetime


class PeriodOut(BaseModel):
    period: str
    starts_on: date
    ends_on: date
    due_on: date
    standing: str = Field(description="submitted_on_time, submitted_late, overdue or not_yet_due")
    days_late: int = Field(description="days the first submission came after the due date")
    days_overdue: int = Field(description="days past the due date without a submission")
    first_submitted_at: datetime | None
    latest_version: int | None = Field(description="the latest version the reader may see")
    latest_status: str | None
    has_draft: bool = Field(description="a draft in progress (shown to the organization only)")


class ReportCalendarOut(BaseModel):
    contract_id: int
    contract_reference: str
    reporting_frequency: str
    today: date
    overdue: int
    periods: list[PeriodOut]


class ReportDetailOut(BaseModel):
    contract_id: int
    contract_reference: str
    period: PeriodOut
    report: ReportVersionOut | None = Field(
        description="the latest version the reader may see (or the one asked for)"
    )
    versions: list[VersionSummary]
