"""The spot-checks' time-driven work: a seed committed ahead of each period, and the reveal
when a period's report is submitted (with a periodic catch-up should an event be retried)."""

from __future__ import annotations

from typing import Any

from procure.calendar import local_today
from procure.jobs.events import SubjectType, Trigger
from procure.jobs.outbox import handles
from procure.jobs.schedule import periodic
from procure.spotchecks.services import (
    spotcheck_seeds_commit,
    spotchecks_reveal,
    spotchecks_reveal_due,
)


@handles(str(Trigger.report_submitted))
async def reveal_on_submission(payload: dict[str, Any]) -> None:
    for contract_id in payload.get("scope", {}).get(str(SubjectType.contract), []):
        await spotchecks_reveal(int(contract_id))


@periodic(
    "spotchecks.commit",
    cron="5 * * * *",
    description="commits a sealed spot-check seed for each coming period, and reveals any due",
)
async def commit_and_reveal() -> int:
    """Returns how many seeds were committed in this run."""
    await spotchecks_reveal_due()
    return await spotcheck_seeds_commit(local_today())
