"""The arithmetic of evaluation (财政部令第87号), as properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procure.bids.scoring import (
    Candidate,
    LowBidThresholds,
    abnormally_low,
    points,
    price_score,
    rank_composite,
    rank_lowest_price,
)

prices = st.integers(min_value=1, max_value=10**11)
weights = st.integers(min_value=10, max_value=30)


@given(prices, weights)
def test_the_base_price_scores_the_whole_weight(base: int, weight: int) -> None:
    assert price_score(base_price_fen=base, bid_price_fen=base, price_weight=weight) == weight


@given(prices, prices, weights)
def test_a_dearer_bid_never_scores_more(base: int, extra: int, weight: int) -> None:
    cheap = price_score(base_price_fen=base, bid_price_fen=base + extra, price_weight=weight)
    dear = price_score(base_price_fen=base, bid_price_fen=base + 2 * extra, price_weight=weight)
    assert 0 < dear <= cheap <= weight


def test_the_formula() -> None:
    # 基准价 80万, 投标价 100万, 价格权重 20% → 80/100 × 100 × 20% = 16
    assert price_score(base_price_fen=80_000_000, bid_price_fen=100_000_000, price_weight=20) == 16


candidates = st.lists(
    st.tuples(prices, st.integers(0, 100), st.integers(0, 100)), min_size=1, max_size=8
)


@given(candidates)
def test_composite_totals_add_up_and_rank_in_order(rows: list[tuple[int, int, int]]) -> None:
    bids = [
        Candidate(i, price, i, {"T1": [t1], "T2": [t2]}) for i, (price, t1, t2) in enumerate(rows)
    ]
    ranked = rank_composite(bids, price_weight=20, technical_weights={"T1": 50, "T2": 30})
    assert [r.rank for r in ranked] == list(range(1, len(rows) + 1))
    for r in ranked:
        assert r.total == r.price_score + sum(r.technical_points.values())
        assert Decimal(0) <= r.total <= 100  # a tiny price score rounds to 0.00 at two decimals
    totals = [r.total for r in ranked]
    assert totals == sorted(totals, reverse=True)
    lowest = min(price for price, _, _ in rows)
    assert any(r.price_score == 20 for r in ranked if r.price_fen == lowest)


def test_ties_go_to_the_lower_price_then_the_earlier_bid() -> None:
    bids = [Candidate(1, 100, 0, {"T1": [50]}), Candidate(2, 100, 1, {"T1": [50]})]
    assert [
        r.bid_id for r in rank_composite(bids, price_weight=20, technical_weights={"T1": 80})
    ] == [1, 2]
    assert [r.bid_id for r in rank_lowest_price([Candidate(3, 90, 1), Candidate(4, 90, 0)])] == [
        4,
        3,
    ]


def test_technical_points_average_the_evaluators() -> None:
    ranked = rank_composite(
        [Candidate(1, 100, 0, {"T1": [90, 70, 80]})], price_weight=20, technical_weights={"T1": 80}
    )
    assert ranked[0].technical_points["T1"] == points(Decimal(80) * Decimal("0.8"))


DEFAULT = LowBidThresholds()


@pytest.mark.parametrize(("low", "flagged"), [(50_00, False), (49_99, True)])
def test_half_the_mean_of_the_others_is_the_boundary(low: int, flagged: bool) -> None:
    findings = abnormally_low({1: low, 2: 100_00, 3: 100_00}, ceiling_fen=100, thresholds=DEFAULT)
    assert any("below_mean_of_others" in f.reasons for f in findings if f.bid_id == 1) is flagged


@pytest.mark.parametrize(("lowest", "flagged"), [(40_00, False), (39_99, True)])
def test_the_lowest_against_the_second_lowest(lowest: int, flagged: bool) -> None:
    findings = abnormally_low(
        {1: lowest, 2: 80_00, 3: 1_000_00}, ceiling_fen=100, thresholds=DEFAULT
    )
    assert any("lowest_below_second" in f.reasons for f in findings if f.bid_id == 1) is flagged


@pytest.mark.parametrize(("price", "flagged"), [(45_00, False), (44_99, True)])
def test_forty_five_percent_of_the_ceiling(price: int, flagged: bool) -> None:
    findings = abnormally_low({1: price}, ceiling_fen=100_00, thresholds=DEFAULT)
    assert bool(findings) is flagged


@given(st.dictionaries(st.integers(1, 20), prices, min_size=1, max_size=6), prices)
def test_raising_the_thresholds_only_flags_more(bids: dict[int, int], ceiling: int) -> None:
    strict = {f.bid_id for f in abnormally_low(bids, ceiling_fen=ceiling, thresholds=DEFAULT)}
    raised = {
        f.bid_id
        for f in abnormally_low(bids, ceiling_fen=ceiling, thresholds=LowBidThresholds(65, 65, 65))
    }
    assert strict <= raised
