"""The bids' time-driven work: opening at the submission deadline (开标), with no page view."""

from __future__ import annotations

from procure import clock
from procure.bids.selectors import due_to_open
from procure.bids.services import open_due_bids
from procure.jobs.schedule import periodic


@periodic(
    "bids.open_due",
    cron="* * * * * */10",
    description="opens the bids of every tender whose submission deadline has passed",
)
async def open_due() -> int:
    """Returns how many tenders this run opened (a tender another worker opened is skipped)."""
    opened = 0
    for tender_id in await due_to_open(clock.now()):
        opened += await open_due_bids(tender_id)
    return opened
