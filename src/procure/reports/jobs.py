"""The reports' time-driven work: a report past its due date becomes overdue without anyone
looking, and the rules that watch late reports run then (风险: 报告逾期)."""

from __future__ import annotations

from procure.db import transaction
from procure.jobs import SubjectType, Trigger, record_event
from procure.jobs.schedule import fire_once, not_fired, periodic
from procure.reports.selectors import local_today, overdue_periods


@periodic(
    "reports.overdue",
    cron="*/10 * * * *",
    description="records each report that has passed its due date unsubmitted, once",
)
async def mark_overdue() -> int:
    """Returns how many reports became overdue in this run."""
    fired = 0
    overdue = [f"{contract}:{period}" for contract, period in await overdue_periods(local_today())]
    for subject in await not_fired("reports.overdue", overdue):
        contract_id = int(subject.split(":", 1)[0])
        async with transaction():
            if await fire_once("reports.overdue", subject):
                await record_event(Trigger.report_overdue, {SubjectType.contract: [contract_id]})
                fired += 1
    return fired
