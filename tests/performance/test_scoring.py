"""The performance arithmetic: weights, grades, payment, delivery and credit ratings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procure.organizations.tables import CreditRating
from procure.performance.scoring import (
    Grade,
    Recommendation,
    combine,
    credit_rating,
    delivery_ratio,
    grade,
    recommendation,
)
from procure.policy import load_policy

POLICY = load_policy().performance
scores = st.decimals(min_value=0, max_value=100, places=2)


def test_the_default_weights_are_40_40_20() -> None:
    result = combine(
        committee=Decimal(90), satisfaction=Decimal(70), delivery=Decimal(100), policy=POLICY
    )
    assert result.score == Decimal("84.00") and result.complete  # 36 + 28 + 20


@given(scores, scores, scores)
def test_the_score_lies_between_its_components(a: Decimal, b: Decimal, c: Decimal) -> None:
    result = combine(committee=a, satisfaction=b, delivery=c, policy=POLICY)
    assert result.score is not None
    assert min(a, b, c) - Decimal("0.01") <= result.score <= max(a, b, c) + Decimal("0.01")


@given(scores, scores)
def test_a_missing_component_is_left_out_not_counted_as_zero(a: Decimal, c: Decimal) -> None:
    result = combine(committee=a, satisfaction=None, delivery=c, policy=POLICY)
    assert not result.complete and result.weights == {"committee": 40, "delivery": 20}
    assert result.score == ((a * 40 + c * 20) / 60).quantize(Decimal("0.01"))


def test_nothing_to_score() -> None:
    assert combine(committee=None, satisfaction=None, delivery=None, policy=POLICY).score is None


@pytest.mark.parametrize(
    ("score", "expected", "payment"),
    [
        ("90.00", Grade.excellent, Recommendation.pay),
        ("89.99", Grade.good, Recommendation.pay),
        ("80.00", Grade.good, Recommendation.pay),
        ("79.99", Grade.passing, Recommendation.pay_with_plan),
        ("60.00", Grade.passing, Recommendation.pay_with_plan),
        ("59.99", Grade.failing, Recommendation.withhold),
    ],
)
def test_grade_boundaries(score: str, expected: Grade, payment: Recommendation) -> None:
    assert grade(Decimal(score), POLICY) == expected
    assert recommendation(expected) == payment


def test_over_delivery_on_one_line_cannot_hide_under_delivery_on_another() -> None:
    assert delivery_ratio([(200, 100), (50, 100)]) == Decimal("75.00")
    assert delivery_ratio([(0, 0)]) is None


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 10**6)), min_size=1, max_size=10))
def test_the_delivery_ratio_is_a_percentage(lines: list[tuple[int, int]]) -> None:
    ratio = delivery_ratio(lines)
    assert ratio is not None and 0 <= ratio <= 100


@pytest.mark.parametrize(
    ("history", "rating"),
    [
        ([], CreditRating.unrated),
        (["95", "91"], CreditRating.AAA),
        (["85", "80"], CreditRating.AA),
        (["72"], CreditRating.A),
        (["65", "55"], CreditRating.B),
        (["40"], CreditRating.C),
    ],
)
def test_credit_ratings_follow_the_mean_of_the_history(
    history: list[str], rating: CreditRating
) -> None:
    assert credit_rating([Decimal(h) for h in history]) == rating
