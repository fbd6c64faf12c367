"""The reports' time-driven work: a report past its due date becomes overdue without anyone
looking, and the rules that watch late reports run then (风险: 报告逾期)."""

from __future__ import annotations

from procure.calendar import local_today
from procure.jobs import SubjectType, Trigger, record_once
from procure.jobs.schedule import periodic
from procure.reports.selectors import overdue_periods


@periodic(
    "reports.overdue",
    cron="*/10 * * * *",
    description="records each report that has passed its due date unsubmitted, once",
)
async def mark_overdue() -> int:
    """Returns how many reports became overdue in this run."""
    overdue = await overdue_periods(local_today())
    return await record_once(
        "reports.overdue",
        {
            f"{contract}:{period}": (Trigger.report_overdue, {SubjectType.contract: [contract]})
            for contract, period in overdue
        },
    )
