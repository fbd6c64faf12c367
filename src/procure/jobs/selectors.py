"""Reads of the outbox and the queue for ``procure jobs``."""

from __future__ import annotations

import json
from typing import Any

from piccolo.query.functions.aggregate import Count

from procure.jobs.tables import EventStatus, OutboxEvent

#: What ``procure jobs --status`` accepts: the outbox's states, and ``retried`` (pending or done
#: after at least one failed attempt).
STATUSES = (*[str(status) for status in EventStatus], "retried")


def _where(status: str | None) -> Any:
    if status is None:
        return OutboxEvent.status != EventStatus.done
    if status == "retried":
        return (OutboxEvent.attempts > 1) | (
            (OutboxEvent.status == EventStatus.pending) & (OutboxEvent.last_error != "")
        )
    return OutboxEvent.status == EventStatus(status)


async def counts() -> dict[str, int]:
    rows = await OutboxEvent.select(OutboxEvent.status, Count(OutboxEvent.id, alias="n")).group_by(
        OutboxEvent.status
    )
    result = {str(status): 0 for status in EventStatus}
    result.update({row["status"]: row["n"] for row in rows})
    result["retried"] = await OutboxEvent.count().where(_where("retried"))
    return result


async def events(status: str | None, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest events in ``status`` (default: all not done), newest first."""
    rows = (
        await OutboxEvent.select()
        .where(_where(status))
        .order_by(OutboxEvent.id, ascending=False)
        .limit(limit)
    )
    for row in rows:
        if isinstance(row["payload"], str):
            row["payload"] = json.loads(row["payload"])
    return rows


async def queue_counts() -> dict[str, int]:
    """procrastinate's jobs by status (PostgreSQL only: the in-memory queue has no table)."""
    from piccolo.querystring import QueryString

    from procure.db import get_engine

    rows = await get_engine().run_querystring(
        QueryString(
            "SELECT status::text AS status, count(*) AS n FROM procrastinate_jobs GROUP BY 1"
        )
    )
    return {row["status"]: int(row["n"]) for row in rows}


async def event_of_kind(event_id: int, kind: str) -> dict[str, Any] | None:
    """One event of the given kind (its status, attempts, times and last error), or None."""
    return (
        await OutboxEvent.select(
            OutboxEvent.id,
            OutboxEvent.status,
            OutboxEvent.attempts,
            OutboxEvent.created_at,
            OutboxEvent.finished_at,
            OutboxEvent.last_error,
        )
        .where((OutboxEvent.id == event_id) & (OutboxEvent.kind == kind))
        .first()
    )


async def unfinished_of_kind(kind: str) -> int | None:
    """The oldest event of the kind not yet done or failed (pending, queued or running)."""
    row = (
        await OutboxEvent.select(OutboxEvent.id)
        .where(
            (OutboxEvent.kind == kind)
            & OutboxEvent.status.is_in(
                [EventStatus.pending, EventStatus.queued, EventStatus.running]
            )
        )
        .order_by(OutboxEvent.id)
        .first()
    )
    return None if row is None else int(row["id"])
