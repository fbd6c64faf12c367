"""What the disclosure API answers: the records the public pages show, as plain JSON.

The selectors give the pages rows with dates, decimals and the PDF builders' small records;
``plain`` turns each into JSON's types (a date or time in ISO 8601, a decimal as its exact
text, a record as an object) without adding or dropping a field, so the API publishes exactly
what the page publishes."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

JSONValue = Any


def plain(value: Any) -> JSONValue:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"{type(value).__name__} is not published")


class SectionCounts(BaseModel):
    """How many records each disclosure list holds under the filters."""

    tenders: int
    open_for_bids: int
    openings: int
    awards: int
    contracts: int
    amendments: int
    performance: int
    rated_organizations: int
