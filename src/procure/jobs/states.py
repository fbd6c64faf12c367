"""The outbox event's transition table: the queue's bookkeeping, so its steps leave no audit
event (one per delivery would bury the log; the event's own row keeps its attempts and error)."""

from __future__ import annotations

from enum import StrEnum

from procure.jobs.tables import EventStatus, OutboxEvent
from procure.lifecycle import Lifecycle, step


class EventStep(StrEnum):
    queue = "queue"  # handed to the task queue
    claim = "claim"  # a worker takes it
    finish = "finish"
    retry_later = "retry_later"  # its handler failed: again after a delay
    give_up = "give_up"  # after the last attempt
    reclaim = "reclaim"  # its worker died, or its in-memory queue is gone
    retry = "retry"  # a person puts a failed event back


S = EventStatus
OUTBOX = Lifecycle(
    name="outbox_event",
    table=OutboxEvent,
    steps={
        EventStep.queue: step(S.pending, S.queued, None),
        EventStep.claim: step([S.pending, S.queued], S.running, None),
        EventStep.finish: step(S.running, S.done, None),
        EventStep.retry_later: step(S.running, S.pending, None),
        EventStep.give_up: step(S.running, S.failed, None),
        EventStep.reclaim: step([S.running, S.queued], S.pending, None),
        EventStep.retry: step(S.failed, S.pending, None),
    },
)
