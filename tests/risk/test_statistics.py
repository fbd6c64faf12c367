"""cardinal's arithmetic: statrs' R-8 quantiles, fused fences, IEEE division, chrono's days."""

from __future__ import annotations

import math
from datetime import timedelta

from procure.risk.statistics import (
    divide,
    lower_fence,
    mul_add,
    percentile,
    quantile,
    quartiles,
    upper_fence,
    whole_days,
)

# statrs' own test vector (slice_statistics.rs, test_quantile_short).
DATA = [-1.0, 5.0, 0.0, -3.0, 10.0, -0.5, 4.0, 0.2, 1.0, 6.0]


def test_quantile_matches_statrs() -> None:
    assert quantile(DATA, 0.0) == -3.0
    assert quantile(DATA, 1.0) == 10.0
    assert math.isclose(quantile(DATA, 0.5), 3.0 / 5.0, abs_tol=1e-15)
    assert math.isclose(quantile(DATA, 0.2), -4.0 / 5.0, abs_tol=1e-15)
    assert quantile(DATA, 0.7) == 137.0 / 30.0
    assert quantile(DATA, 0.01) == -3.0
    assert quantile(DATA, 0.99) == 10.0
    assert math.isclose(quantile(DATA, 0.52), 287.0 / 375.0, abs_tol=1e-15)
    assert math.isclose(quantile(DATA, 0.325), -37.0 / 240.0, abs_tol=1e-15)


def test_quantile_of_nothing_is_nan() -> None:
    assert math.isnan(quantile([], 0.25))
    assert math.isnan(quantile(DATA, 1.5))
    assert math.isnan(percentile(DATA, 101))
    assert percentile(DATA, 100) == 10.0


def test_r024_meta_of_cardinal_docs() -> None:
    # The R024 fixture's differences: 0 twice, 100 seven times. cardinal's docs print
    # q1 66.6667, q3 100.0, lower_fence 16.6667 (rounded to 4 decimals).
    q1, q3 = quartiles([0.0, 0.0] + [100.0] * 7)
    assert (round(q1, 4), q3, round(lower_fence(q1, q3), 4)) == (66.6667, 100.0, 16.6667)


def test_fences_round_once_like_mul_add() -> None:
    # 0.1 × 10 rounds to exactly 1.0, so the unfused expression loses the residue.
    assert 0.1 * 10.0 - 1.0 == 0.0
    assert mul_add(0.1, 10.0, -1.0) == 5.551115123125783e-17
    assert upper_fence(1.0, 3.0) == 6.0
    assert lower_fence(1.0, 3.0) == -2.0
    assert math.isinf(mul_add(math.inf, 1.0, 0.0))


def test_division_by_zero_is_ieee() -> None:
    assert divide(1.0, 0.0) == math.inf
    assert divide(-1.0, 0.0) == -math.inf
    assert math.isnan(divide(0.0, 0.0))
    assert divide(3.0, 2.0) == 1.5


def test_whole_days_truncate_toward_zero() -> None:
    assert whole_days(timedelta(days=14, hours=23, minutes=59, seconds=59)) == 14
    assert whole_days(timedelta(days=15)) == 15
    assert whole_days(-timedelta(hours=12)) == 0
    assert whole_days(-timedelta(days=1, microseconds=1)) == -1
    assert whole_days(timedelta(days=1) - timedelta(microseconds=1)) == 0
