"""The arithmetic of performance, free of the database: the combined score, its grade, the
payment it implies, and the credit rating that follows from a history of scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from procure.organizations.tables import CreditRating
from procure.policy import Performance

HUNDRED = Decimal(100)


class Grade(StrEnum):
    excellent = "excellent"  # 优秀
    good = "good"  # 良好
    passing = "passing"  # 合格
    failing = "failing"  # 不合格


#: The grades as the approval's stored summary names them (it is Chinese text, as the record).
GRADE_ZH = {
    Grade.excellent: "优秀",
    Grade.good: "良好",
    Grade.passing: "合格",
    Grade.failing: "不合格",
}


class Recommendation(StrEnum):
    pay = "pay"  # pay the next performance-linked instalment in full
    pay_with_plan = "pay_with_plan"  # pay, with a corrective plan for the next period
    withhold = "withhold"  # hold the next performance-linked instalment


def two_places(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Combined:
    score: Decimal | None
    weights: dict[str, int]  # the weights actually used, after dropping missing components
    complete: bool


def combine(
    *,
    committee: Decimal | None,
    satisfaction: Decimal | None,
    delivery: Decimal | None,
    policy: Performance,
) -> Combined:
    """The weighted score on 0–100. A missing component drops out and the others are scaled up
    to the full 100, so a period is never scored as zero for want of a survey; the result says
    it is incomplete."""
    parts = {
        "committee": (committee, policy.committee_weight),
        "satisfaction": (satisfaction, policy.satisfaction_weight),
        "delivery": (delivery, policy.delivery_weight),
    }
    present = {
        name: (value, weight)
        for name, (value, weight) in parts.items()
        if value is not None and weight
    }
    total_weight = sum(weight for _, weight in present.values())
    if not total_weight:
        return Combined(None, {}, False)
    score = sum((value * weight for value, weight in present.values()), Decimal(0)) / total_weight
    return Combined(
        two_places(score),
        {name: weight for name, (_, weight) in present.items()},
        complete=len(present) == sum(1 for _, weight in parts.values() if weight),
    )


def grade(score: Decimal, policy: Performance) -> Grade:
    if score >= policy.excellent:
        return Grade.excellent
    if score >= policy.good:
        return Grade.good
    if score >= policy.passing:
        return Grade.passing
    return Grade.failing


def recommendation(value: Grade) -> Recommendation:
    return {
        Grade.excellent: Recommendation.pay,
        Grade.good: Recommendation.pay,
        Grade.passing: Recommendation.pay_with_plan,
        Grade.failing: Recommendation.withhold,
    }[value]


def delivery_ratio(lines: Sequence[tuple[int, int]]) -> Decimal | None:
    """Delivered ÷ planned per scope line, each capped at 100% so over-delivery on one line
    cannot hide under-delivery on another; the mean over lines with a plan, as a percentage."""
    ratios = [
        min(Decimal(delivered) / Decimal(planned), Decimal(1))
        for delivered, planned in lines
        if planned > 0
    ]
    if not ratios:
        return None
    return two_places(sum(ratios, Decimal(0)) / len(ratios) * HUNDRED)


def verified_delivery_ratio(reported: Decimal, confirmed: int, reached: int) -> Decimal:
    """The self-reported delivery ratio discounted by the share of spot-checked units the
    committee found delivered: a report that claims 100% of which 3 in 4 sampled units were
    delivered is taken as 75%."""
    return two_places(reported * Decimal(confirmed) / Decimal(reached))


def credit_rating(history: Sequence[Decimal]) -> CreditRating:
    """The rating that a history of period scores earns (newest last)."""
    if not history:
        return CreditRating.unrated
    mean = sum(history, Decimal(0)) / len(history)
    for floor, rating in (
        (90, CreditRating.AAA),
        (80, CreditRating.AA),
        (70, CreditRating.A),
        (60, CreditRating.B),
    ):
        if mean >= floor:
            return rating
    return CreditRating.C
