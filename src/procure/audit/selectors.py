"""Reading the audit log: newest first, filtered and paged in SQL, sealed bids redacted."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from procure import clock
from procure.audit.tables import AuditEvent
from procure.db.pagination import Page, PageRequest, paginate
from procure.settings import get_settings

SEALED = "(sealed)"


def redact_sealed(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """An event about a sealed bid shows neither who nor what until the deadline it names:
    before the deadline the log, like everything else, tells only that bids exist."""
    until = row["data"].get("sealed_until") if isinstance(row["data"], dict) else None
    if until and datetime.fromisoformat(until) > now:
        return {**row, "actor_id": None, "actor_label": SEALED, "subject_id": SEALED, "data": {}}
    return row


def _shown(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    row["data"] = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    return redact_sealed(row, now)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(get_settings().timezone))


async def event_page(
    paging: PageRequest,
    *,
    action: str = "",
    subject_type: str = "",
    since: date | None = None,
    until: date | None = None,
    before_seq: int | None = None,
) -> Page[dict[str, Any]]:
    """One page of the log, newest first, filtered in SQL by action, subject type, the local
    days it happened in (``since`` and ``until`` included) and ``before_seq``. The filters are
    the ones a redacted event still shows, so none tells more than the unfiltered log."""
    where: Any = AuditEvent.seq.is_not_null()
    if action.strip():
        where &= AuditEvent.action == action.strip()
    if subject_type.strip():
        where &= AuditEvent.subject_type == subject_type.strip()
    if since is not None:
        where &= AuditEvent.occurred_at >= _local_midnight(since)
    if until is not None:
        where &= AuditEvent.occurred_at < _local_midnight(until + timedelta(days=1))
    if before_seq is not None:
        where &= AuditEvent.seq < before_seq
    query = AuditEvent.select().where(where).order_by(AuditEvent.seq, ascending=False)
    now = clock.now()
    page = await paginate(query, AuditEvent.count().where(where), paging)
    return page.map(lambda row: _shown(row, now))


async def recent_events(limit: int) -> list[dict[str, Any]]:
    """The latest events (the auditor's start page)."""
    return (await event_page(PageRequest(1, limit))).items
