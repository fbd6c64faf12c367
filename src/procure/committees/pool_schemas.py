"""Input and output models of the expert pool (评审专家库) API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from litestar.datastructures import UploadFile
from pydantic import BaseModel, ConfigDict, Field

from procure.db.pagination import PageFields


class CategoryIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    category: str = Field(
        description="catalog category: approval, care, mutual_aid, capacity or technology",
        examples=["care"],
    )
    specialty: str = Field(default="", description="专业方向", examples=["养老服务"])


class RelationshipIn(BaseModel):
    """A relationship with a registered organization (回避 per 财库〔2016〕198号 第十六条)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    credit_code: str = Field(
        description="the organization's unified social credit code", examples=["52440319MJL018363J"]
    )
    kind: str = Field(
        description="employment, directorship, family or other", examples=["employment"]
    )
    started_on: date | None = None
    ended_on: date | None = Field(default=None, description="empty while it lasts")
    note: str = Field(default="", max_length=2000)


class ExpertIn(BaseModel):
    """An expert as clients send it. Types only: the rules live in ``committees.pool`` so the
    API and the file import refuse the same things with the same messages."""

    model_config = ConfigDict(str_strip_whitespace=True)

    code: str = Field(description="专家编号: 3–32 uppercase letters, digits and hyphens")
    name: str = Field(examples=["许文静"])
    employer: str = Field(default="", description="工作单位", examples=["滨海大学社会工作系"])
    employer_credit_code: str = Field(
        default="", description="the employer's credit code when it is a registered organization"
    )
    employer_department_code: str = Field(
        default="", description="the employer's code when it is a buying department, e.g. D-MZJ"
    )
    categories: list[CategoryIn] = Field(default_factory=list)
    active_from: date | None = Field(default=None, description="聘期开始")
    active_until: date | None = Field(default=None, description="聘期结束; empty: open-ended")
    username: str = Field(default="", description="an existing account of role expert")
    relationships: list[RelationshipIn] | None = Field(
        default=None,
        description="the expert's relationships, replacing the recorded ones; "
        "leave out to keep them (add and end them one by one instead)",
    )


class RelationshipEnd(BaseModel):
    ended_on: date = Field(description="the last day of the relationship")


class CategoryOut(BaseModel):
    category: str
    specialty: str


class RelationshipOut(BaseModel):
    id: int
    organization_id: int
    credit_code: str
    organization_name: str
    kind: str
    started_on: date | None
    ended_on: date | None
    note: str


class ExpertOut(BaseModel):
    id: int
    code: str
    name: str
    district_id: int
    employer: str
    employer_organization_id: int | None
    employer_credit_code: str | None
    employer_department_id: int | None
    employer_department_code: str | None
    username: str | None
    active_from: date
    active_until: date | None
    categories: list[CategoryOut]
    relationships: list[RelationshipOut]


class ExpertSummaryOut(BaseModel):
    id: int
    code: str
    name: str
    employer: str
    active_from: date
    active_until: date | None
    active: bool
    categories: list[str]


class ExpertPageOut(PageFields):
    items: list[ExpertSummaryOut]


class PoolImportOut(BaseModel):
    created: list[str] = Field(description="codes of the experts the file added")
    updated: list[str] = Field(description="codes of the experts the file changed")
    unchanged: int = Field(description="rows identical to the pool")


@dataclass
class PoolUpload:
    """The multipart form of an import: the spreadsheet in the field ``file``."""

    file: UploadFile | None = None
