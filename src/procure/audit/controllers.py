"""Reading the audit log (auditors and admins)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from litestar import Controller, get
from litestar.params import Parameter
from pydantic import BaseModel

from procure import clock
from procure.audit.tables import AuditEvent
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


SEALED = "(sealed)"


def redact_sealed(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """An event about a sealed bid shows neither who nor what until the deadline it names:
    before the deadline the log, like everything else, tells only that bids exist."""
    until = row["data"].get("sealed_until") if isinstance(row["data"], dict) else None
    if until and datetime.fromisoformat(until) > now:
        return {**row, "actor_id": None, "actor_label": SEALED, "subject_id": SEALED, "data": {}}
    return row


async def recent_events(limit: int, before_seq: int | None = None) -> list[dict]:
    query = AuditEvent.select().order_by(AuditEvent.seq, ascending=False).limit(limit)
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    now = clock.now()
    rows = []
    for row in await query:
        row["data"] = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
        rows.append(redact_sealed(row, now))
    return rows


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]

    @get("/events", opt={"action": Action.audit_read})
    async def events(
        self,
        limit: int = Parameter(default=50, ge=1, le=500),
        before_seq: int | None = Parameter(default=None, ge=1),
    ) -> list[AuditEventOut]:
        """Newest first; page back with ``before_seq``."""
        return [AuditEventOut(**row) for row in await recent_events(limit, before_seq)]
