"""A survey round closes exactly once: fifty identical requests at once give one closing and
one audit event (tests/concurrency.py)."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from procure.audit.events import AuditAction
from procure.surveys.states import SURVEY_ROUND, RoundStep
from procure.surveys.tables import RoundStatus, SurveyRound
from tests.concurrency import audit_count, exactly_one_success, race
from tests.conftest import bearer
from tests.surveys.conftest import start_round


def test_the_round_table_closes_an_open_round_only() -> None:
    assert SURVEY_ROUND.allowed(RoundStatus.open) == [RoundStep.close]
    assert SURVEY_ROUND.allowed(RoundStatus.closed) == []


async def test_fifty_parallel_closings_close_once(client: AsyncTestClient) -> None:
    started = await start_round(client)
    committee = await bearer("committee")
    codes = await race(
        lambda: client.post(f"/api/v1/surveys/rounds/{started['id']}/close", headers=committee)
    )
    exactly_one_success(codes)
    assert await audit_count(AuditAction.survey_round_closed, "survey_round", started["id"]) == 1
    row = (
        await SurveyRound.select(SurveyRound.status, SurveyRound.closed_at)
        .where(SurveyRound.id == started["id"])
        .first()
    )
    assert row is not None and row["status"] == RoundStatus.closed and row["closed_at"]
