"""The outbox: events recorded by writes in their own transaction, until a worker delivers them."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import JSON, Integer, Serial, Text, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from procure.db.columns import created_at, enum_check, enum_column, optional_time


class EventStatus(StrEnum):
    pending = "pending"  # recorded (or retried): waiting for a worker
    queued = "queued"  # handed to the task queue
    running = "running"  # a worker has claimed it
    done = "done"
    failed = "failed"  # gave up after its attempts; `procure jobs retry` puts it back


class OutboxEvent(Table, tablename="outbox_event"):
    id: Serial  # the primary key Piccolo adds

    kind = Varchar(length=64, null=False, index=True)
    payload = JSON(null=False, default="{}")
    status = enum_column(EventStatus)
    attempts = Integer(null=False, default=0)
    run_after = optional_time()
    created_at = created_at()
    claimed_at = optional_time()
    finished_at = optional_time()
    last_error = Text(null=False, default="")

    outbox_event_status_valid = enum_check("status", EventStatus)


class ScheduleMark(Table, tablename="schedule_mark"):
    """That a time-driven transition has fired for one subject (e.g. a report's due date passed):
    the unique key makes it fire once, whichever worker or process notices it first."""

    id: Serial

    name = Varchar(length=64, null=False)
    subject = Varchar(length=64, null=False)
    fired_at = created_at()

    schedule_mark_unique = Unique(["name", "subject"])
