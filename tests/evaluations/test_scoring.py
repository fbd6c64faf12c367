"""The arithmetic of committee evaluations, as properties."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procure.evaluations.scoring import mean_total, weighted_total

score_values = st.integers(min_value=0, max_value=100)


@st.composite
def weight_sets(draw: st.DrawFn) -> list[int]:
    """1–10 positive weights that sum to exactly 100, as a valid rubric has."""
    count = draw(st.integers(min_value=1, max_value=10))
    cuts = sorted(draw(st.sets(st.integers(1, 99), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cuts, 100]
    return [upper - lower for lower, upper in itertools.pairwise(bounds)]


@st.composite
def evaluations(draw: st.DrawFn) -> list[tuple[int, int]]:
    weights = draw(weight_sets())
    return [(draw(score_values), weight) for weight in weights]


@given(evaluations())
def test_the_total_lies_between_0_and_100_at_two_decimals(lines: list[tuple[int, int]]) -> None:
    total = weighted_total(lines)
    assert Decimal(0) <= total <= Decimal(100)
    assert total == total.quantize(Decimal("0.01"))
    assert total == Decimal(sum(s * w for s, w in lines)) / 100


@given(weight_sets(), score_values)
def test_equal_scores_total_that_score(weights: list[int], score: int) -> None:
    assert weighted_total([(score, weight) for weight in weights]) == score


@given(evaluations(), st.data())
def test_a_higher_score_never_lowers_the_total(
    lines: list[tuple[int, int]], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(lines) - 1))
    score, weight = lines[index]
    higher = data.draw(st.integers(score, 100))
    raised = [*lines[:index], (higher, weight), *lines[index + 1 :]]
    assert weighted_total(raised) >= weighted_total(lines)
    if higher > score:
        assert weighted_total(raised) > weighted_total(lines)


def test_the_default_rubric_by_hand() -> None:
    # 服务计划完成情况 80×30 + 服务质量 90×30 + 响应及时性 70×20 + 居民参与度 65×20 = 7,800 → 78.00
    assert weighted_total([(80, 30), (90, 30), (70, 20), (65, 20)]) == Decimal("78.00")


@pytest.mark.parametrize(
    "lines",
    [[(80, 30), (90, 30)], [(80, 50), (90, 60)], [(101, 100)], [(-1, 100)], [(50, 0), (50, 100)]],
)
def test_refuses_what_no_rubric_gives(lines: list[tuple[int, int]]) -> None:
    with pytest.raises(ValueError):
        weighted_total(lines)


@given(st.lists(st.integers(0, 10_000).map(lambda n: Decimal(n) / 100), min_size=1, max_size=30))
def test_the_mean_lies_between_the_lowest_and_the_highest(totals: list[Decimal]) -> None:
    mean = mean_total(totals)
    assert mean is not None
    assert min(totals) <= mean <= max(totals)
    assert mean == mean.quantize(Decimal("0.01"))


def test_the_mean_rounds_half_up_and_is_none_without_totals() -> None:
    assert mean_total([Decimal("77.00"), Decimal("80.50")]) == Decimal("78.75")
    assert mean_total([Decimal("77.01"), Decimal("77.00")]) == Decimal("77.01")
    assert mean_total([]) is None
