"""A settled performance period on a demo contract, made the way the platform makes one: the
organization reports, residents answer a survey (one of them writing personal details into
the free text), the committee evaluates, the buyer's handler requests the settlement and its
approver approves it. Idempotent: the database lives as long as the whole run, and the page
tests and the browser test both need it."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal
from typing import Any

from procure import clock
from procure.approvals.services import approval_decide
from procure.contracts.selectors import contract_detail
from procure.contracts.tables import Contract, ContractScopeLine
from procure.evaluations.schemas import EvaluationIn, ScoreIn
from procure.evaluations.selectors import rubric
from procure.evaluations.services import default_rubric, evaluation_save
from procure.performance.selectors import delivery, periods_of
from procure.performance.services import performance_settle
from procure.performance.tables import PerformanceScore
from procure.reports.schemas import ActivityLineIn, ReportIn
from procure.reports.services import report_submit
from procure.reports.tables import ServiceReport
from procure.security.actors import PLATFORM_READER, Actor
from procure.security.selectors import user_by_username
from procure.surveys.schemas import RoundIn
from procure.surveys.selectors import template_items
from procure.surveys.services import survey_answer, survey_round_start, survey_tokens_issue
from procure.surveys.tables import SurveyRound

#: 滨海区2026年残疾人社区康复服务合同: 区民政局 (buyer) with 启明星 (org2); it covers 渔港
#: (committee2). No other test touches it.
CONTRACT = "HT-2026-011"
#: Six residents' scores on the standard questionnaire's five Likert items.
SHEETS = [[5, 4, 4, 5, 5], [4, 4, 3, 4, 4], [4, 5, 4, 4, 5], [5, 5, 4, 4, 5], [3, 4, 3, 4, 4],
          [4, 4, 4, 5, 4]]  # fmt: skip
#: What a resident wrote into the free-text question: it must never be published.
PERSONAL_TEXT = "我是渔港社区12栋的王秀英，电话13912345678，康复师上门总迟到"
CODES_ISSUED = 8
#: The survey's codes exist only in this process's memory (the database keeps their hashes).
_codes: list[str] = []


async def actor(username: str) -> Actor:
    row = await user_by_username(username)
    assert row is not None, username
    return Actor.from_row(row)


async def _report_delivered(contract: dict[str, Any], period: str) -> None:
    """The organization reports the period's planned quantities as delivered."""
    planned = {line["line_no"]: line["planned"] for line in await delivery(contract, period)}
    lines = await ContractScopeLine.select(ContractScopeLine.id, ContractScopeLine.line_no).where(
        ContractScopeLine.contract == contract["id"]
    )
    await report_submit(
        actor=await actor("org2"),
        contract_id=contract["id"],
        period=period,
        data=ReportIn(
            summary="本季度康复训练按计划开展",
            outcome_self_score=85,
            lines=[
                ActivityLineIn(
                    scope_line_id=line["id"],
                    description="社区康复训练",
                    quantity=math.ceil(Decimal(planned[line["line_no"]])),
                )
                for line in lines
            ],
        ),
    )


async def survey(contract_id: int, period: str, answered: int = len(SHEETS)) -> list[str]:
    """A round in 渔港 with codes issued, the first ``answered`` of them answered (the
    SHEETS' scores); returns the codes."""
    committee = await actor("committee2")
    round_id = await survey_round_start(
        actor=committee,
        data=RoundIn(
            contract_id=contract_id, period=period, closes_at=clock.now() + timedelta(days=14)
        ),
    )
    codes = (
        await survey_tokens_issue(actor=committee, round_id=round_id, count=CODES_ISSUED)
    ).tokens
    template = await SurveyRound.select(SurveyRound.template).where(SurveyRound.id == round_id)
    items = await template_items(template[0]["template"])
    for code, scores in zip(codes[:answered], SHEETS, strict=False):
        likert = iter(scores)
        await survey_answer(
            token=code,
            form={
                f"item_{item['id']}": str(next(likert))
                if item["kind"] == "likert5"
                else PERSONAL_TEXT
                for item in items
            },
        )
    return list(codes)


async def _evaluate(contract_id: int, period: str) -> None:
    criteria = (await rubric(await default_rubric()))["criteria"]
    await evaluation_save(
        actor=await actor("committee2"),
        contract_id=contract_id,
        period=period,
        data=EvaluationIn(
            comments="居委会主任吴海涛走访了解到服务总体到位",
            scores=[ScoreIn(criterion=c["code"], score=85, comment="到位") for c in criteria],
        ),
        submit=True,
    )


async def settled_period() -> dict[str, Any]:
    """The contract's first period, settled, with the codes its survey issued."""
    row = await Contract.select(Contract.id).where(Contract.reference == CONTRACT).first()
    assert row is not None
    contract = await contract_detail(PLATFORM_READER, row["id"])
    period = periods_of(contract)[0].label
    done = await PerformanceScore.exists().where(
        (PerformanceScore.contract == row["id"]) & (PerformanceScore.period == period)
    )
    if not done:
        # The demo district's oversight data may have reported the period already.
        reported = await ServiceReport.exists().where(
            (ServiceReport.contract == row["id"]) & (ServiceReport.period == period)
        )
        if not reported:
            await _report_delivered(contract, period)
        _codes.extend(await survey(row["id"], period))
        await _evaluate(row["id"], period)
        # The handler requests the settlement, an approver approves it.
        approval_id = await performance_settle(
            actor=await actor("buyer"), contract_id=row["id"], period=period
        )
        await approval_decide(
            actor=await actor("approver"), approval_id=approval_id, approve=True, reason=""
        )
    return {"contract_id": row["id"], "period": period, "codes": list(_codes)}
