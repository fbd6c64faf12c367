"""The surveys' time-driven work: a round closes by the clock at ``closes_at`` (no write is
needed for that, the pages already read it as closed); this job then runs, once, the rules that
judge a closed round."""

from __future__ import annotations

from procure import clock
from procure.jobs import SubjectType, Trigger, record_once
from procure.jobs.schedule import periodic
from procure.surveys.selectors import closed_by_clock


@periodic(
    "surveys.closed",
    cron="* * * * *",
    description="runs the risk rules of each survey round its closing time has closed, once",
)
async def rounds_closed() -> int:
    """Returns how many rounds reached the rules in this run."""
    return await record_once(
        "surveys.closed",
        {
            str(round_id): (Trigger.survey_closed, {SubjectType.survey_round: [round_id]})
            for round_id in await closed_by_clock(clock.now())
        },
    )
