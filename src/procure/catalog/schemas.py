"""Input and output models of the service catalog API."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import UploadFile
from pydantic import BaseModel, ConfigDict, Field


class CatalogItemIn(BaseModel):
    """A catalog item as clients send it. Types only: the rules (code pattern, known category
    and unit, price range…) live in ``catalog.rules`` so the API, the forms and the
    spreadsheet import refuse the same things with the same messages."""

    model_config = ConfigDict(str_strip_whitespace=True)

    code: str = Field(
        description="3–32 uppercase letters, digits and hyphens; cannot change later",
        examples=["C-CARE-001"],
    )
    category: str = Field(
        description="category code: approval, care, mutual_aid, capacity or technology",
        examples=["care"],
    )
    name: str = Field(examples=["居家养老上门服务"])
    target_group: str = Field(default="", description="服务对象", examples=["80岁以上独居老人"])
    unit: str = Field(
        description="hour, session, household, person, month, project or event",
        examples=["hour"],
    )
    ref_price_min_fen: int = Field(description="reference unit price, lower limit, in fen")
    ref_price_max_fen: int = Field(description="reference unit price, upper limit, in fen")
    outcome_indicators: list[str] = Field(default_factory=list, description="绩效指标")
    active: bool = Field(default=True, description="inactive items cannot be bought any more")


class CatalogItemOut(BaseModel):
    id: int
    code: str
    category: str
    name: str
    target_group: str
    unit: str
    ref_price_min_fen: int
    ref_price_max_fen: int
    outcome_indicators: list[str]
    active: bool


class ImportResultOut(BaseModel):
    created: list[str] = Field(description="codes of the items the file added")
    updated: list[str] = Field(description="codes of the existing items the file changed")
    unchanged: int = Field(description="rows identical to the catalog")


@dataclass
class ImportUpload:
    """The multipart form of an import: the spreadsheet in the field ``file``."""

    file: UploadFile | None = None
