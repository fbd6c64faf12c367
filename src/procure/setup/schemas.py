"""What the setup import answers and what its lists return."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import UploadFile
from pydantic import BaseModel


@dataclass
class SetupUpload:
    """The multipart form of an import: the workbook in the field ``file``."""

    file: UploadFile | None = None


class KindCounts(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class GeneratedPassword(BaseModel):
    """A password the import generated for a new account: shown once, never stored in clear."""

    username: str
    password: str


class SetupImportOut(BaseModel):
    district_code: str
    district_name: str
    #: districts, sub_districts, communities, committees, departments, users
    counts: dict[str, KindCounts]
    passwords: list[GeneratedPassword]


class DistrictOut(BaseModel):
    id: int
    code: str
    name: str


class SetupPageOut(BaseModel):
    """One page of one of a district's lists; each item is a row of the list's columns."""

    district: DistrictOut
    kind: str
    items: list[dict[str, object]]
    total: int
    page: int
    per_page: int
    pages: int
