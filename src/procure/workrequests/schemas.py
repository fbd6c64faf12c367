"""Input and output of the work-request API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class WorkRequestIn(BaseModel):
    requested_by_person: str = Field(min_length=1, max_length=100)
    kind: str = Field(min_length=1, max_length=40)
    purpose: str = Field(min_length=1, max_length=2000)
    hours: int = Field(ge=1)
    deadline: date


class AnswerIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class CitationIn(BaseModel):
    activity_line_id: int


class WorkRequestOut(BaseModel):
    id: int
    contract: int
    contract_reference: str
    department: int
    department_name: str
    requested_by_person: str
    kind: str
    purpose: str
    hours: int
    deadline: date
    status: str
    answer_note: str
    answered_at: datetime | None
    filed_at: datetime


class AdmissibleKindOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
