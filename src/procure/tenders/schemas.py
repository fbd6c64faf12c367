"""Output models of the tender API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class TenderSummary(BaseModel):
    id: int
    reference: str
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


class TenderDetail(TenderSummary):
    description: str
    clarification_deadline: datetime | None
    opening_at: datetime | None
    lines: list[ScopeLineOut]
    communities: list[CommunityRef]
