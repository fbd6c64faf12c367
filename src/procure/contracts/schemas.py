"""Output models of the contract API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

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


class AmendmentOut(BaseModel):
    version: int
    reason: str
    value_delta_fen: int
    signed_at: datetime | None


class ContractDetail(ContractSummary):
    tender_reference: str | None
    bid_receipt_sha256: str
    signed_at: datetime | None
    terminated_reason: str
    communities: list[CommunityRef]
    lines: list[ContractLineOut]
    milestones: list[MilestoneOut]
    payments: list[PaymentOut]
    amendments: list[AmendmentOut]
