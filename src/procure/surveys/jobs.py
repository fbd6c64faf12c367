"""The surveys' time-driven work: a round closes by the clock at ``closes_at`` (no write is
needed for that, the pages already read it as closed); this job then runs, once, the rules that
judge a closed round."""

from __future__ import annotations

from procure import clock
from procure.db import transaction
from procure.jobs import SubjectType, Trigger, record_event
from procure.jobs.schedule import fire_once, not_fired, periodic
from procure.surveys.selectors import closed_by_clock


@periodic(
    "surveys.closed",
    cron="* * * * *",
    description="runs the risk rules of each survey round its closing time has closed, once",
)
async def rounds_closed() -> int:
    fired = 0
    closed = [str(round_id) for round_id in await closed_by_clock(clock.now())]
    for round_id in await not_fired("surveys.closed", closed):
        async with transaction():
            if await fire_once("surveys.closed", round_id):
                await record_event(
                    Trigger.survey_closed, {SubjectType.survey_round: [int(round_id)]}
                )
                fired += 1
    return fired
