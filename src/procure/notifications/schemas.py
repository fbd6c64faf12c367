"""The notifications API's input and output models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from procure.db.pagination import PageFields


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str = Field(description="the message, in the language the request asks for")
    link: str = Field(description="the page of its subject, relative to the site")
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class NotificationPage(PageFields):
    items: list[NotificationOut]
    unread: int


class MarkReadIn(BaseModel):
    ids: list[int] | None = Field(
        default=None,
        max_length=500,
        description="the notifications to mark read; leave out to mark all of yours read",
    )


class MarkReadOut(BaseModel):
    marked: int
