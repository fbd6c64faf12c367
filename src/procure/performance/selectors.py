"""Reading performance: the three components of a contract period, the combined score, and the
settled history behind payments and credit ratings."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from procure import clock
from procure.contracts.selectors import contract_detail
from procure.contracts.tables import ContractScopeLine
from procure.errors import InvalidInput
from procure.evaluations.selectors import committee_score
from procure.performance.scoring import combine, delivery_ratio, grade, recommendation, two_places
from procure.performance.tables import PerformanceScore
from procure.policy import get_policy
from procure.reports.periods import Period, contract_periods, find_period
from procure.reports.tables import ActivityLine, ReportStatus
from procure.security.actors import Actor
from procure.security.tables import Role
from procure.surveys.statistics import overall_mean, to_percent_scale
from procure.surveys.tables import SurveyAnswer, SurveyItemKind, SurveyResponse, SurveyRound

HUNDRED = Decimal(100)


def periods_of(contract: dict[str, Any]) -> list[Period]:
    return contract_periods(
        contract["starts_on"], contract["ends_on"], contract["reporting_frequency"], due_days=0
    )


def period_of(contract: dict[str, Any], label: str) -> Period:
    period = find_period(periods_of(contract), label)
    if period is None:
        raise InvalidInput(
            "period",
            f"{label!r} is not a reporting period of this contract (YYYY-MM within its term)",
        )
    return period


async def delivery(contract: dict[str, Any], label: str) -> list[dict[str, Any]]:
    """Per scope line: planned for the period (the term's quantity spread evenly over its days)
    and delivered (from the period's submitted report)."""
    period = period_of(contract, label)
    share = Decimal((period.ends_on - period.starts_on).days + 1) / (
        (contract["ends_on"] - contract["starts_on"]).days + 1
    )
    delivered: dict[int, int] = defaultdict(int)
    for row in await ActivityLine.select(ActivityLine.scope_line, ActivityLine.quantity).where(
        (ActivityLine.report.contract == contract["id"])
        & (ActivityLine.report.period == label)
        & (ActivityLine.report.status == ReportStatus.submitted)
        & ActivityLine.scope_line.is_not_null()
    ):
        delivered[row["scope_line"]] += row["quantity"]
    lines = []
    for line in (
        await ContractScopeLine.select(
            ContractScopeLine.id,
            ContractScopeLine.line_no,
            ContractScopeLine.quantity,
            ContractScopeLine.catalog_item.name.as_alias("item_name"),
        )
        .where(ContractScopeLine.contract == contract["id"])
        .order_by(ContractScopeLine.line_no)
    ):
        planned = two_places(line["quantity"] * share)
        lines.append(
            {
                "line_no": line["line_no"],
                "item_name": line["item_name"],
                "planned": planned,
                "delivered": delivered[line["id"]],
                "ratio": two_places(delivered[line["id"]] / planned * HUNDRED) if planned else None,
            }
        )
    return lines


async def satisfaction(
    contract_id: int, period: str
) -> tuple[Decimal | None, list[dict[str, Any]]]:
    """Residents' overall satisfaction on 0–100 over the period's rounds (the surveys area's own
    formula), and each Likert item's mean on 1–5."""
    rounds = [
        r["id"]
        for r in await SurveyRound.select(SurveyRound.id).where(
            (SurveyRound.contract == contract_id) & (SurveyRound.period == period)
        )
    ]
    responses = [
        r["id"]
        for r in await SurveyResponse.select(SurveyResponse.id).where(
            SurveyResponse.round.is_in(rounds or [-1])
        )
    ]
    rows = await SurveyAnswer.select(
        SurveyAnswer.item.seq.as_alias("seq"),
        SurveyAnswer.item.text_zh.as_alias("text"),
        SurveyAnswer.score,
    ).where(
        SurveyAnswer.response.is_in(responses or [-1])
        & (SurveyAnswer.item.kind == SurveyItemKind.likert5)
        & SurveyAnswer.score.is_not_null()
    )
    scores: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row in rows:
        scores[(row["seq"], row["text"])].append(row["score"])
    items = [
        {
            "seq": seq,
            "text": text,
            "n": len(values),
            "mean": two_places(Decimal(sum(values)) / len(values)),
        }
        for (seq, text), values in sorted(scores.items())
    ]
    percent = to_percent_scale(overall_mean([sum(v) / len(v) for v in scores.values()]))
    return (None if percent is None else two_places(Decimal(str(percent)))), items


async def performance(actor: Actor, contract_id: int, period: str) -> dict[str, Any]:
    """The period's performance as it stands now, and what it implies for payment."""
    contract = await contract_detail(actor, contract_id)
    policy = get_policy().performance
    lines = await delivery(contract, period)
    delivered = delivery_ratio(
        [(int(line["delivered"] * 100), int(line["planned"] * 100)) for line in lines]
    )
    committee = await committee_score(contract_id, period)
    resident, items = await satisfaction(contract_id, period)
    combined = combine(
        committee=committee, satisfaction=resident, delivery=delivered, policy=policy
    )
    result_grade = grade(combined.score, policy) if combined.score is not None else None
    settled = (
        await PerformanceScore.select()
        .where((PerformanceScore.contract == contract_id) & (PerformanceScore.period == period))
        .first()
    )
    return {
        "contract": contract,
        "period": period,
        "committee": committee,
        "satisfaction": resident,
        "satisfaction_items": items,
        "delivery": delivered,
        "delivery_lines": lines,
        "score": combined.score,
        "weights": combined.weights,
        "complete": combined.complete,
        "grade": result_grade,
        "recommendation": recommendation(result_grade) if result_grade else None,
        "settled": settled,
    }


async def score_history(organization_id: int, limit: int) -> list[Decimal]:
    """The organization's latest settled period scores, oldest first."""
    rows = (
        await PerformanceScore.select(PerformanceScore.score_hundredths)
        .where(PerformanceScore.contract.organization == organization_id)
        .order_by(PerformanceScore.settled_at, ascending=False)
        .limit(limit)
    )
    return [Decimal(row["score_hundredths"]) / 100 for row in reversed(rows)]


async def performance_view(actor: Actor, contract_id: int, period: str | None) -> dict[str, Any]:
    """Everything the page and the PDF show; the period defaults to the latest one ended."""
    contract = await contract_detail(actor, contract_id)
    periods = periods_of(contract)
    today = clock.now().date()
    ended = [p.label for p in periods if p.ends_on < today]
    chosen = period or (ended[-1] if ended else periods[0].label)
    result = await performance(actor, contract_id, chosen)
    return {
        "result": result,
        "periods": [p.label for p in periods],
        "weights": get_policy().performance,
        "owner": actor.role == Role.buyer and actor.department_id == contract["department_id"],
        "delivery_bars": [(line["item_name"], line["ratio"]) for line in result["delivery_lines"]],
        "satisfaction_bars": [
            (item["text"], item["mean"]) for item in result["satisfaction_items"]
        ],
    }
