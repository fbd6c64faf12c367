"""Input and output models of the approval API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from procure.db.pagination import PageFields


class ApprovalOut(BaseModel):
    id: int
    department: int
    department_name: str
    kind: str
    subject_type: str
    subject_id: str
    summary: str
    status: str
    requested_by: int
    requested_by_name: str
    requested_at: datetime
    decided_by: int | None
    decided_by_name: str | None
    decided_at: datetime | None
    reason: str


class ApprovalDetail(ApprovalOut):
    payload: dict[str, Any]


class ApprovalPage(PageFields):
    items: list[ApprovalOut]


class DecisionIn(BaseModel):
    reason: str = Field(default="", max_length=2000)


class ApprovalRequested(BaseModel):
    """A step that now waits for an approver: 202 Accepted."""

    approval_id: int
    status: str = "pending"
