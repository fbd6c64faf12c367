"""The outbox: a write records its events in its own transaction; workers deliver them.

An event is delivered at least once: a worker claims it (a compare-and-set from pending or
queued to running), runs its handler outside any transaction, and marks it done. A handler that
raises is retried with a growing delay and, after ``MAX_ATTEMPTS``, marked failed — kept, listed
by ``procure jobs`` and put back by ``procure jobs retry``; never dropped. A worker that dies
mid-run leaves its event running; after ``LEASE`` it is claimed again. An event kind may have
several consumers (the risk rules and the notifications); they run in the order they registered
and a failure retries the event for all of them. Handlers are therefore idempotent (the risk
engine's upsert converges to the same flags however often it runs; a notification has a key).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from procure import clock
from procure.db import on_commit, transaction
from procure.errors import Conflict, NotFound
from procure.jobs import modules
from procure.jobs.states import OUTBOX, EventStep
from procure.jobs.tables import EventStatus, OutboxEvent
from procure.lifecycle import advance, advance_all
from procure.settings import get_settings

log = logging.getLogger("procure.jobs")

MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=15)  # a claim older than this belongs to a worker that died

Handler = Callable[[dict[str, Any]], Awaitable[None]]
_HANDLERS: dict[str, list[Handler]] = {}
_WAKERS: list[Callable[[int], Awaitable[None]]] = []


def handles(*kinds: str) -> Callable[[Handler], Handler]:
    """Register a consumer of each event kind (once per kind, however often it is imported)."""

    def register(handler: Handler) -> Handler:
        for kind in kinds:
            consumers = _HANDLERS.setdefault(kind, [])
            if handler not in consumers:
                consumers.append(handler)
        return handler

    return register


def handlers_for(kind: str) -> list[Handler]:
    modules.load()
    return list(_HANDLERS.get(kind, ()))


def add_waker(waker: Callable[[int], Awaitable[None]]) -> Callable[[], None]:
    """Be told each event's id once the transaction that recorded it commits (the in-process
    runner's shortcut; the relay finds every event without it). Returns the remover."""
    _WAKERS.append(waker)
    return lambda: _WAKERS.remove(waker)


async def emit(kind: str, payload: Mapping[str, Any]) -> int:
    """Record an event in the current transaction (or on its own outside one); returns its id."""
    rows = await OutboxEvent.insert(
        OutboxEvent(kind=kind, payload=json.dumps(payload, ensure_ascii=False, sort_keys=True))
    ).returning(OutboxEvent.id)
    event_id = int(rows[0]["id"])

    async def wake() -> None:
        if get_settings().jobs_eager:
            await deliver(event_id)
            return
        for waker in list(_WAKERS):
            try:
                await waker(event_id)
            except Exception:  # the relay delivers it anyway
                log.exception("waking the runner for event %s", event_id)

    await on_commit(wake)
    return event_id


def _payload(value: Any) -> dict[str, Any]:
    # SQLite hands JSON back as text, PostgreSQL as text or a decoded value.
    decoded = json.loads(value) if isinstance(value, str | bytes) else value
    return dict(decoded or {})


def backoff(attempts: int) -> timedelta:
    """The wait before the next try: 10 s, 40 s, 90 s, … capped at one hour."""
    return min(timedelta(seconds=10 * attempts * attempts), timedelta(hours=1))


async def deliver(event_id: int) -> bool:
    """Claim one event and run its handler; returns whether this call claimed it."""
    now = clock.now()
    try:
        row = await _step(
            event_id,
            EventStep.claim,
            values={OutboxEvent.attempts: OutboxEvent.attempts + 1, OutboxEvent.claimed_at: now},
            where=OutboxEvent.run_after.is_null() | (OutboxEvent.run_after <= now),
        )
    except (Conflict, NotFound):
        return False  # another worker has it, it is done, or its time has not come
    handlers = handlers_for(row["kind"])
    try:
        if not handlers:
            raise LookupError(f"no handler for event kind {row['kind']!r}")
        for handler in handlers:
            await handler(_payload(row["payload"]))
    except Exception as error:
        await _failed(event_id, row["attempts"], error)
        return True
    await _step(event_id, EventStep.finish, values={OutboxEvent.finished_at: clock.now()})
    return True


async def _step(
    event_id: int, action: EventStep, *, values: dict[Any, Any], where: Any = None
) -> dict[str, Any]:
    """One step of the event's transition table, as a compare-and-set (409 if it lost)."""
    async with transaction():
        return await advance(
            OUTBOX, row_id=event_id, action=action, actor=None, values=values, where=where
        )


async def _failed(event_id: int, attempts: int, error: Exception) -> None:
    final = attempts >= MAX_ATTEMPTS
    log.warning(
        "event %s failed (attempt %s of %s)%s: %r",
        event_id,
        attempts,
        MAX_ATTEMPTS,
        ", giving up" if final else "",
        error,
    )
    now = clock.now()
    await _step(
        event_id,
        EventStep.give_up if final else EventStep.retry_later,
        values={
            OutboxEvent.run_after: None if final else now + backoff(attempts),
            OutboxEvent.finished_at: now if final else None,
            OutboxEvent.last_error: f"{type(error).__name__}: {error}"[:2000],
        },
    )


async def due_ids(now: datetime, *, limit: int = 500) -> list[int]:
    """Pending events whose time has come, oldest first."""
    rows = (
        await OutboxEvent.select(OutboxEvent.id)
        .where(
            (OutboxEvent.status == EventStatus.pending)
            & (OutboxEvent.run_after.is_null() | (OutboxEvent.run_after <= now))
        )
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    return [row["id"] for row in rows]


async def mark_queued(event_id: int, now: datetime) -> None:
    with contextlib.suppress(Conflict, NotFound):  # a worker was quicker: it is running or done
        await _step(event_id, EventStep.queue, values={OutboxEvent.claimed_at: now})


async def reclaim(now: datetime, *, queued_too: bool = False) -> int:
    """Put back the events of workers that died (running or queued past the lease) and, when the
    queue they were handed to is gone (the in-process queue after a restart), every queued one."""
    stale: Any = OutboxEvent.claimed_at < now - LEASE
    if queued_too:
        stale = stale | (OutboxEvent.status == EventStatus.queued)
    async with transaction():
        return len(await advance_all(OUTBOX, where=stale, action=EventStep.reclaim))


async def retry_failed(event_ids: list[int] | None = None) -> int:
    """Put failed events back (all, or the ones named); returns how many."""
    condition = OutboxEvent.id.is_in(event_ids) if event_ids else OutboxEvent.id.is_not_null()
    values: dict[Any, Any] = {
        OutboxEvent.attempts: 0,
        OutboxEvent.run_after: None,
        OutboxEvent.finished_at: None,
    }
    async with transaction():
        retried = await advance_all(OUTBOX, where=condition, action=EventStep.retry, values=values)
    return len(retried)


async def run_due(*, limit: int = 500) -> int:
    """Deliver every event due now, here (the eager runner and the tests); returns how many."""
    count = 0
    for event_id in await due_ids(clock.now(), limit=limit):
        count += await deliver(event_id)
    return count
