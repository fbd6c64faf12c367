"""Output and input models of the spot-check API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from procure.reports.tables import UnitKind
from procure.spotchecks.states import TaskStep
from procure.spotchecks.tables import TaskStatus


class VerificationTaskOut(BaseModel):
    id: int
    draw_no: int
    line_no: int
    kind: UnitKind
    code: str
    rank: str = Field(description="HMAC-SHA256(seed, 'line_no:code') in hex; lowest are drawn")
    status: TaskStatus
    note: str
    decided_at: datetime | None


class VerifiedDeliveryOut(BaseModel):
    drawn: int
    open: int
    confirmed: int
    not_delivered: int
    unreachable: int
    ratio: float | None = Field(description="confirmed / (confirmed + not_delivered)")
    low: float | None = Field(description="the 95 % Wilson score interval's lower bound")
    high: float | None


class SpotCheckPeriodOut(BaseModel):
    period: str
    commitment: str = Field(description="sha256 of the seed, in hex, public from the start")
    committed_at: datetime
    revealed_seed: str | None = Field(description="the seed in hex, once the report is submitted")
    revealed_at: datetime | None
    report_version: int | None
    tasks: list[VerificationTaskOut]
    delivery: VerifiedDeliveryOut | None


class ContractSpotChecksOut(BaseModel):
    contract_id: int
    reference: str
    periods: list[SpotCheckPeriodOut]


class VerificationIn(BaseModel):
    outcome: TaskStep = Field(description="confirm, not_delivered or unreachable")
    note: str = ""


class MonitorIn(BaseModel):
    username: str = Field(min_length=1, max_length=60)
    display_name: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=10, max_length=200)


class MonitorOut(BaseModel):
    id: int
    username: str
    display_name: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class MonitorTaskOut(BaseModel):
    id: int
    contract_id: int
    reference: str
    title: str
    period: str
    draw_no: int
    kind: UnitKind
    code: str
