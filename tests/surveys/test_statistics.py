"""The survey statistics: checked against hand-worked examples and t tables, and as properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procure.surveys.statistics import (
    cronbach_alpha,
    half_width,
    likert_summary,
    overall_mean,
    response_rate,
    t_cdf,
    t_quantile,
    to_percent_scale,
)

scores = st.integers(min_value=1, max_value=5)


#: Two-sided 95% critical values, as any t table prints them.
T_TABLE = [(1, 12.706), (2, 4.303), (3, 3.182), (5, 2.571), (7, 2.365), (10, 2.228), (30, 2.042),
           (120, 1.980), (100_000, 1.960)]  # fmt: skip


@pytest.mark.parametrize(("df", "expected"), T_TABLE)
def test_t_quantile_matches_the_table(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=0.0006)


def test_t_quantile_elsewhere_and_its_bounds() -> None:
    assert t_quantile(0.995, 4) == pytest.approx(4.604, abs=0.0006)
    assert t_quantile(0.95, 12) == pytest.approx(1.782, abs=0.0006)
    assert t_quantile(0.5, 9) == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match=r"0\.5 <= p < 1 and df >= 1"):
        t_quantile(0.4, 3)
    with pytest.raises(ValueError, match=r"0\.5 <= p < 1 and df >= 1"):
        t_quantile(0.975, 0)


@given(p=st.floats(min_value=0.5, max_value=0.999), df=st.integers(min_value=1, max_value=300))
def test_the_quantile_inverts_the_cdf(p: float, df: int) -> None:
    assert t_cdf(t_quantile(p, df), df) == pytest.approx(p, abs=1e-9)


def test_a_hand_worked_interval() -> None:
    # 8 answers: mean 4, squared deviations 0+0+1+1+0+1+1+0 = 4, s² = 4/7, s = 0.755929,
    # s/√8 = 0.267261, t(0.975, 7) = 2.364624 → half width 0.631972.
    summary = likert_summary([4, 4, 5, 3, 4, 5, 3, 4])
    assert summary.n == 8
    assert summary.mean == 4.0
    assert summary.ci_low == pytest.approx(3.368028, abs=1e-6)
    assert summary.ci_high == pytest.approx(4.631972, abs=1e-6)
    assert summary.distribution == (0, 0, 2, 4, 2)


def test_intervals_are_cut_to_the_scale_and_need_two_answers() -> None:
    # [4, 3, 5, 2]: mean 3.5, t(0.975, 3)·s/√n = 3.182446 · 0.645497 = 2.054260 → 1.446 – 5.554.
    summary = likert_summary([4, 3, 5, 2])
    assert summary.ci_low == pytest.approx(1.445740, abs=1e-6)
    assert summary.ci_high == 5.0
    one = likert_summary([3])
    assert (one.n, one.mean, one.ci_low, one.ci_high) == (1, 3.0, None, None)
    none = likert_summary([])
    assert (none.n, none.mean, none.distribution) == (0, None, (0, 0, 0, 0, 0))
    same = likert_summary([5, 5, 5])
    assert (same.ci_low, same.ci_high) == (5.0, 5.0)
    with pytest.raises(ValueError, match="Likert scores must be 1–5"):
        likert_summary([0, 3])


@given(st.lists(scores, min_size=1, max_size=300))
def test_the_mean_lies_on_the_scale_and_inside_its_interval(values: list[int]) -> None:
    summary = likert_summary(values)
    assert summary.mean is not None
    assert 1 <= summary.mean <= 5
    assert sum(summary.distribution) == len(values)
    assert summary.mean == pytest.approx(
        sum(score * count for score, count in enumerate(summary.distribution, start=1))
        / len(values)
    )
    if len(values) >= 2:
        assert summary.ci_low is not None and summary.ci_high is not None
        assert 1 <= summary.ci_low <= summary.mean <= summary.ci_high <= 5


@given(sd=st.floats(min_value=0.01, max_value=3), n=st.integers(min_value=2, max_value=2000))
def test_the_interval_narrows_as_n_grows_for_a_fixed_spread(sd: float, n: int) -> None:
    assert half_width(sd, n + 1) < half_width(sd, n)


@given(
    st.lists(scores, min_size=2, max_size=60).filter(lambda s: len(set(s)) > 1),
    st.integers(min_value=2, max_value=8),
)
def test_alpha_is_one_for_perfectly_consistent_items(people: list[int], k: int) -> None:
    # Every respondent gives the same score to every item: the items measure one thing.
    assert cronbach_alpha([[score] * k for score in people]) == pytest.approx(1.0)


@given(st.lists(st.lists(scores, min_size=3, max_size=3), min_size=2, max_size=50))
def test_alpha_never_exceeds_one(rows: list[list[int]]) -> None:
    alpha = cronbach_alpha(rows)
    assert alpha is None or alpha <= 1 + 1e-9


def test_a_hand_worked_alpha() -> None:
    # Items: (4,3,5,2) var 5/3; (5,3,5,3) var 4/3; (4,2,5,3) var 5/3 → Σ = 14/3.
    # Totals 13, 8, 15, 8: mean 11, squared deviations 4+9+16+9 = 38, var 38/3.
    # α = 3/2 · (1 − (14/3)/(38/3)) = 3/2 · 24/38 = 18/19.
    rows = [[4, 5, 4], [3, 3, 2], [5, 5, 5], [2, 3, 3]]
    assert cronbach_alpha(rows) == pytest.approx(18 / 19)


def test_alpha_is_undefined_where_the_formula_is() -> None:
    assert cronbach_alpha([[4, 5]]) is None  # one respondent
    assert cronbach_alpha([[4], [2]]) is None  # one item
    assert cronbach_alpha([[3, 3], [3, 3]]) is None  # totals do not vary
    assert cronbach_alpha([]) is None


def test_overall_score_and_rate() -> None:
    assert overall_mean([4.0, 3.0, None]) == 3.5
    assert overall_mean([None]) is None
    assert [to_percent_scale(m) for m in (1.0, 3.0, 4.2, 5.0)] == [
        0.0,
        50.0,
        pytest.approx(80.0),
        100.0,
    ]
    assert to_percent_scale(None) is None
    assert response_rate(3, 12) == 0.25
    assert response_rate(0, 0) is None


@given(st.lists(st.floats(min_value=1, max_value=5), min_size=1, max_size=20))
def test_the_overall_score_stays_on_its_scales(means: list[float]) -> None:
    overall = overall_mean(means)
    assert overall is not None and 1 - 1e-9 <= overall <= 5 + 1e-9
    score = to_percent_scale(overall)
    assert score is not None and -1e-7 <= score <= 100 + 1e-7
    assert math.isclose(score, (overall - 1) / 4 * 100)
