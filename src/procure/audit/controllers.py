"""Reading the audit log (auditors and admins) and its signed checkpoints (anyone)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, Parameter
from pydantic import BaseModel

from procure.audit.chain import Checkpoint
from procure.audit.checkpoint_selectors import checkpoint_of_day, checkpoint_page, public_keys
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


class CheckpointOut(BaseModel):
    """A signed checkpoint: Ed25519 over ``signed_note`` (C2SP tlog-checkpoint: the log id, the
    number of events, the head hash in base64, the time), by ``public_key`` (base64, raw)."""

    log_id: str
    seq: int
    head_hash: str
    signed_at: str
    key_version: int
    public_key: str
    signature: str
    signed_note: str


def checkpoint_out(checkpoint: Checkpoint) -> CheckpointOut:
    return CheckpointOut(**checkpoint.export())


PUBLIC = {"action": Action.disclosure_read}


class CheckpointController(Controller):
    """The audit log's signed checkpoints and the keys that sign them, for anyone to keep."""

    path = "/api/v1/audit"
    tags = ["audit"]

    @get("/checkpoints", opt=PUBLIC, dependencies=PAGING)
    async def checkpoints(
        self, request: Request[Any, Any, Any], paging: NamedDependency[PageRequest]
    ) -> Response[list[CheckpointOut]]:
        """Newest first, one a day; pages: ``page``, ``per_page`` (≤ 100)."""
        return paged(request, (await checkpoint_page(paging)).map(checkpoint_out))

    @get("/checkpoints/{day:date}", opt=PUBLIC)
    async def checkpoint(self, day: FromPath[date]) -> Response[CheckpointOut]:
        """The checkpoint of a day (local, YYYY-MM-DD), as a file to keep: ``procure audit
        verify --checkpoint FILE`` proves the log still extends it."""
        found = await checkpoint_of_day(day)
        if found is None:
            raise NotFoundException(f"no checkpoint for {day.isoformat()}")
        return Response(
            checkpoint_out(found),
            headers={"content-disposition": f'attachment; filename="audit-checkpoint-{day}.json"'},
        )

    @get("/public-keys", opt=PUBLIC)
    async def keys(self) -> dict[str, str]:
        """The checkpoints' Ed25519 public keys by secret version (base64 of the raw key)."""
        return {str(version): key for version, key in public_keys().items()}
