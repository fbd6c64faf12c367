"""Reading the audit log (auditors and admins)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, Parameter
from pydantic import BaseModel

from procure.audit.selectors import event_page
from procure.db.pagination import PAGING, PageRequest, page_request, paged
from procure.security.policy import Action


class AuditEventOut(BaseModel):
    seq: int
    occurred_at: datetime
    actor_label: str
    action: str
    subject_type: str
    subject_id: str
    data: dict[str, Any]
    hash: str


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]

    @get("/events", opt={"action": Action.audit_read}, dependencies=PAGING)
    async def events(
        self,
        request: Request[Any, Any, Any],
        paging: NamedDependency[PageRequest],
        action: FromQuery[str] = "",
        subject_type: FromQuery[str] = "",
        since: FromQuery[date | None] = None,
        until: FromQuery[date | None] = None,
        before_seq: int | None = Parameter(default=None, ge=1),
        limit: FromQuery[str | None] = None,
    ) -> Response[list[AuditEventOut]]:
        """Newest first. Filters: ``action``, ``subject_type``, ``since`` and ``until`` (local
        days, included), ``before_seq``; pages: ``page``, ``per_page`` (≤ 100; ``limit`` is
        its older name), with ``X-Total-Count`` and ``Link`` headers."""
        if limit is not None:
            paging = page_request(paging.page, limit, per_page_name="limit")
        page = await event_page(
            paging,
            action=action,
            subject_type=subject_type,
            since=since,
            until=until,
            before_seq=before_seq,
        )
        return paged(request, page.map(lambda row: AuditEventOut(**row)))
