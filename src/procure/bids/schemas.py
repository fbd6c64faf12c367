"""Input and output models of the bid and evaluation API."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from procure.bids.costfloor import LinePlan, StaffRole
from procure.errors import InvalidInput
from procure.i18n import N_

ALLOWED_ATTACHMENT_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 10
#: An attachment's refusals: InvalidInput is a ValueError, so Pydantic keeps it and a page reads
#: it in the reader's language (procure.web.forms.pydantic_message).
NOT_ACCEPTED = N_("%(value)s is not accepted; use PDF, Word, Excel, PNG or JPEG")
NOT_BASE64 = N_("is not valid base64")
WRONG_SIZE = N_("must be 1 byte to 5 MB, got %(size)s bytes")


class BidLineIn(BaseModel):
    line_no: int = Field(gt=0)
    price_fen: int = Field(ge=0)


class StaffRoleIn(BaseModel):
    role: str = Field(min_length=1, max_length=100, description="e.g. 社工, 护理员")
    headcount: int = Field(gt=0, le=10_000)
    hours: int = Field(gt=0, le=1_000_000, description="hours each person works on the line")
    hourly_wage_fen: int = Field(ge=0, description="gross hourly wage in fen")
    social_insurance_fen: int = Field(
        ge=0, description="the employer's social insurance for this role over the line, in fen"
    )


class LinePlanIn(BaseModel):
    """A scope line's staffing and cost plan, judged against the district cost floor
    (docs/cost-floor.md)."""

    line_no: int = Field(gt=0)
    roles: list[StaffRoleIn] = Field(default_factory=list, max_length=50)
    materials_fen: int = Field(default=0, ge=0, description="materials and other non-staff costs")
    volunteer_hours: int = Field(
        default=0,
        ge=0,
        description="volunteer hours, declared apart from paid staff and capped at the policy's "
        "share of the line's staff hours",
    )

    def as_plan(self) -> LinePlan:
        return LinePlan(
            roles=tuple(StaffRole(**role.model_dump()) for role in self.roles),
            materials_fen=self.materials_fen,
            volunteer_hours=self.volunteer_hours,
        )


class AttachmentIn(BaseModel):
    filename: str = Field(min_length=1, max_length=200)
    content_type: str
    content_base64: str

    @field_validator("content_type")
    @classmethod
    def _allowed_type(cls, value: str) -> str:
        if value not in ALLOWED_ATTACHMENT_TYPES:
            raise InvalidInput("content_type", NOT_ACCEPTED, value=repr(value))
        return value

    @field_validator("content_base64")
    @classmethod
    def _size(cls, value: str) -> str:
        try:
            size = len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            raise InvalidInput("content_base64", NOT_BASE64) from None
        if size == 0 or size > MAX_ATTACHMENT_BYTES:
            raise InvalidInput("content_base64", WRONG_SIZE, size=size)
        return value


class BidIn(BaseModel):
    total_fen: int = Field(gt=0)
    lines: list[BidLineIn] = Field(min_length=1)
    technical_proposal: str = Field(min_length=1, max_length=20000)
    staffing_plan: str = Field(min_length=1, max_length=5000)
    cost_plan: list[LinePlanIn] = Field(
        default_factory=list,
        max_length=500,
        description="a staffing and cost plan for every scope line, or none; sealed with the bid",
    )
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)


class Receipt(BaseModel):
    """What the bidder keeps: recompute the SHA-256 of the canonical content after opening."""

    tender_reference: str
    version: int
    content_sha256: str
    received_at: AwareDatetime


class CostFloorGapOut(BaseModel):
    """A line of the bid below the district cost floor (docs/cost-floor.md)."""

    line_no: int
    price_fen: int
    floor_fen: int
    gap_fen: int = Field(description="floor − price, 0 when only the plan falls short")
    norm_hours: str = Field(description="the catalog's labour norm × quantity, in hours")
    planned_hours: int | None = Field(description="the plan's paid hours; null without a plan")
    reasons: list[str] = Field(
        description="price_below_floor, hours_below_norm, wage_below_minimum, "
        "contributions_below_statutory"
    )


class OwnBid(BaseModel):
    id: int = Field(description="the bid's id: POST /api/v1/bids/{id}/explanation names it")
    status: str
    version: int
    content_sha256: str
    submitted_at: datetime
    withdrawn_at: datetime | None
    total_fen: int | None
    explanation_due_at: datetime | None
    explanation: str
    disqualification_reason: str
    reconfirmation_amendment: int | None = Field(
        default=None, description="the correction (更正公告) number to re-confirm the bid against"
    )
    reconfirmed_at: datetime | None = None
    resubmission_required: bool = Field(
        default=False, description="a lowered ceiling: only a new sealed bid confirms"
    )
    explanation_requested: bool = Field(
        default=False,
        description="the committee asks this bid to explain its price (status "
        "explanation_requested) by explanation_due_at",
    )
    cost_floor: list[CostFloorGapOut] = Field(
        default_factory=list,
        description="while an explanation is asked: the lines below the district cost floor",
    )


class OpeningEntry(BaseModel):
    bid_id: int
    organization_name: str
    credit_code: str
    total_fen: int
    submitted_at: datetime
    status: str


class NotOpenedEntry(BaseModel):
    bid_id: int
    organization_name: str
    credit_code: str
    submitted_at: datetime
    status: str
    reason: str


class OpeningRecord(BaseModel):
    tender_reference: str
    opened_at: datetime | None
    bid_count: int
    bids: list[OpeningEntry]
    not_opened: list[NotOpenedEntry] = Field(
        default_factory=list,
        description="bids not re-confirmed after a correction: never unsealed, not evaluated",
    )


class ExplanationIn(BaseModel):
    explanation: str = Field(min_length=1, max_length=8000)


class DecisionIn(BaseModel):
    accept: bool
    reason: str = Field(default="", max_length=2000)


class DisqualifyIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ScoresIn(BaseModel):
    bid_id: int
    scores: dict[str, int] = Field(description="technical criterion code → score 0–100")


class AwardIn(BaseModel):
    bid_id: int | None = Field(default=None, description="defaults to the recommended bid")


class ScoredBidOut(BaseModel):
    bid_id: int
    organization_id: int
    organization_name: str
    total_fen: int
    status: str
    price_score: Decimal | None
    technical_points: dict[str, Decimal]
    total_score: Decimal | None
    rank: int | None
    disqualification_reason: str


class EvaluationOut(BaseModel):
    tender_id: int
    evaluation_method: str
    base_price_fen: int | None
    complete: bool
    recommended_bid_id: int | None
    bids: list[ScoredBidOut]
    my_scores: dict[int, dict[str, int]] = Field(default_factory=dict)


class ResultOut(BaseModel):
    """An organization's award notice: its own result and the winner's."""

    won: bool
    my_rank: int | None
    my_total_fen: int
    my_score: Decimal | None
    my_status: str
    my_disqualification_reason: str
    winner_name: str
    winner_total_fen: int
    winner_score: Decimal | None
