"""Contracts whose periods can be judged: a submitted committee evaluation, a closed survey
round, a service report, made directly in the tables; and the clock set to a local moment."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from procure.contracts.tables import ContractCommunity, Payment
from procure.evaluations.tables import (
    CommitteeEvaluation,
    EvaluationScore,
    EvaluationStatus,
    Rubric,
    RubricCriterion,
)
from procure.organizations.credit_code import check_character
from procure.organizations.tables import CreditRating, Organization
from procure.reports.tables import ActivityLine, ReportStatus, ServiceReport
from procure.security.tables import Role, User
from procure.surveys.tables import RoundStatus, SurveyRound, SurveyTemplate
from tests.conftest import Clock
from tests.risk.conftest import make_contract

ZONE = ZoneInfo("Asia/Shanghai")
INSTALMENT_FEN = 1_200_000  # 12,000 yuan, paying for the twelve months of 2026


def at(clock: Clock, year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> None:
    """Set the server's clock to a local moment."""
    target = datetime(year, month, day, hour, minute, tzinfo=ZONE)
    clock.advance(seconds=(target - clock.now()).total_seconds())


async def fresh_organization() -> dict[str, Any]:
    """An organization of its own with one user, so that no demo organization's credit rating
    moves with this test's settlements."""
    first17 = f"5244{uuid4().hex[:13].upper()}"
    code = first17 + check_character(first17)  # a valid code (GB 32100-2015), like every other
    rows = await Organization.insert(
        Organization(
            credit_code=code,
            name=f"绩效测试社工服务中心{code[-4:]}",
            founded_on=date(2020, 1, 1),
            credit_rating=CreditRating.AAA,
            contact_person="绩效测试联系人",
            phone="0755-8888-0000",
        )
    )
    await User.insert(
        User(
            username=f"perf-{code[-8:].lower()}",
            display_name="绩效测试社会组织用户",
            password_hash="!",  # never signs in: the tests use API tokens
            role=Role.organization,
            organization=rows[0]["id"],
        )
    )
    return {"id": rows[0]["id"], "credit_code": code}


async def judged_contract(quantities: tuple[int, ...] = (3650,)) -> dict[str, Any]:
    """A 2026 contract of 民政局 with an organization of its own over 海滨社区, paid by one
    performance-linked instalment of 12,000 yuan due on 12-31 (so each month is a twelfth)."""
    contract = await make_contract(
        department="D-MZJ",
        organization=(await fresh_organization())["credit_code"],
        quantities=quantities,
        payments=[(date(2026, 12, 31), "scheduled")],
    )
    await Payment.update(
        {Payment.performance_linked: True, Payment.amount_fen: INSTALMENT_FEN}
    ).where(Payment.contract == contract["id"])
    return contract


async def evaluated(contract: dict[str, Any], period: str, score: int) -> None:
    """The committee of each community submitted an evaluation giving every criterion ``score``."""
    rubric = await Rubric.select(Rubric.id).order_by(Rubric.id).first()
    assert rubric is not None
    criteria = await RubricCriterion.select(RubricCriterion.id).where(
        RubricCriterion.rubric == rubric["id"]
    )
    for row in await ContractCommunity.select(ContractCommunity.community).where(
        ContractCommunity.contract == contract["id"]
    ):
        inserted = await CommitteeEvaluation.insert(
            CommitteeEvaluation(
                contract=contract["id"],
                community=row["community"],
                rubric=rubric["id"],
                period=period,
                status=EvaluationStatus.submitted,
                submitted_at=datetime(2026, 1, 1, tzinfo=ZONE),
            )
        )
        for criterion in criteria:
            await EvaluationScore.insert(
                EvaluationScore(
                    evaluation=inserted[0]["id"], criterion=criterion["id"], score=score
                )
            )


async def surveyed(contract: dict[str, Any], period: str, closes_at: datetime) -> None:
    """A survey round of each community for the period (no answers), closing at closes_at."""
    template = await SurveyTemplate.select(SurveyTemplate.id).order_by(SurveyTemplate.id).first()
    assert template is not None
    for row in await ContractCommunity.select(ContractCommunity.community).where(
        ContractCommunity.contract == contract["id"]
    ):
        await SurveyRound.insert(
            SurveyRound(
                contract=contract["id"],
                community=row["community"],
                template=template["id"],
                period=period,
                opens_at=closes_at - timedelta(days=14),
                closes_at=closes_at,
                status=RoundStatus.open,
            )
        )


async def reported(contract: dict[str, Any], period: str, quantities: list[int]) -> None:
    """A submitted service report delivering ``quantities`` on the contract's scope lines."""
    year, month = (int(part) for part in period.split("-"))
    inserted = await ServiceReport.insert(
        ServiceReport(
            contract=contract["id"],
            period=period,
            version=1,
            status=ReportStatus.submitted,
            due_on=date(year, month, 28),
            summary="服务报告",
            submitted_at=datetime(year, month, 28, tzinfo=ZONE),
        )
    )
    for line, quantity in zip(contract["lines"], quantities, strict=True):
        await ActivityLine.insert(
            ActivityLine(
                report=inserted[0]["id"], scope_line=line, description="服务", quantity=quantity
            )
        )
