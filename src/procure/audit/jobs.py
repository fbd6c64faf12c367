"""The audit log's time-driven work: the daily signed checkpoint of the chain's head."""

from __future__ import annotations

from procure import clock
from procure.audit.services import checkpoint_make
from procure.calendar import local_day
from procure.jobs.schedule import periodic


@periodic(
    "audit.checkpoint",
    cron="5 0 * * *",
    description="signs the audit log's head as the day's checkpoint (published under /disclosure)",
)
async def daily_checkpoint() -> int:
    """1 when this run made the day's checkpoint, 0 when the day had one already."""
    now = clock.now()
    return 1 if await checkpoint_make(local_day(now), at=now) else 0
