"""Reporting periods tile a contract's term exactly, and each period's standing on a day."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procure.contracts.tables import ReportingFrequency
from procure.reports.periods import (
    Period,
    Standing,
    contract_periods,
    find_period,
    period_standing,
)

terms = st.tuples(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    st.integers(min_value=0, max_value=3 * 366),
)


@given(term=terms, frequency=st.sampled_from(list(ReportingFrequency)), due=st.integers(1, 90))
def test_periods_tile_the_term_exactly(
    term: tuple[date, int], frequency: ReportingFrequency, due: int
) -> None:
    starts_on, length = term
    ends_on = starts_on + timedelta(days=length)
    periods = contract_periods(starts_on, ends_on, frequency, due)
    assert periods[0].starts_on == starts_on
    assert periods[-1].ends_on == ends_on
    for earlier, later in itertools.pairwise(periods):
        assert later.starts_on == earlier.ends_on + timedelta(days=1)  # no gap, no overlap
    assert sum((p.ends_on - p.starts_on).days + 1 for p in periods) == length + 1
    step = 1 if frequency == ReportingFrequency.monthly else 3
    for period in periods:
        assert period.starts_on <= period.ends_on
        assert period.due_on == period.ends_on + timedelta(days=due)
        assert period.due_on > period.ends_on
        year, month = map(int, period.label.split("-"))
        assert (month - 1) % step == 0  # quarters start in Jan/Apr/Jul/Oct
        first = date(year, month, 1)
        following = date(year + (month + step - 1) // 12, (month + step - 1) % 12 + 1, 1)
        # A period is its month or quarter, clipped to the term.
        assert period.starts_on == max(first, starts_on)
        assert period.ends_on == min(following - timedelta(days=1), ends_on)
    assert len({p.label for p in periods}) == len(periods)
    assert [p.label for p in periods] == sorted(p.label for p in periods)


def test_a_monthly_term_that_starts_mid_month() -> None:
    periods = contract_periods(date(2026, 1, 15), date(2026, 3, 10), "monthly", 10)
    assert periods == [
        Period("2026-01", date(2026, 1, 15), date(2026, 1, 31), date(2026, 2, 10)),
        Period("2026-02", date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 10)),
        Period("2026-03", date(2026, 3, 1), date(2026, 3, 10), date(2026, 3, 20)),
    ]


def test_quarters_are_named_by_their_first_month() -> None:
    periods = contract_periods(date(2026, 2, 15), date(2027, 2, 14), "quarterly", 10)
    assert [p.label for p in periods] == ["2026-01", "2026-04", "2026-07", "2026-10", "2027-01"]
    assert periods[0].starts_on == date(2026, 2, 15)
    assert periods[0].ends_on == date(2026, 3, 31)
    assert periods[-1].ends_on == date(2027, 2, 14)


def test_a_term_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        contract_periods(date(2026, 2, 1), date(2026, 1, 31), "monthly", 10)


@pytest.mark.parametrize("label", ["2026-02", "2026-13", "26-01", "2026-1", "zz", "2025-12"])
def test_only_the_contracts_own_labels_are_found(label: str) -> None:
    periods = contract_periods(date(2026, 1, 1), date(2026, 12, 31), "quarterly", 10)
    assert find_period(periods, label) is None
    assert find_period(periods, "2026-04") == periods[1]


PERIOD = Period("2026-04", date(2026, 4, 1), date(2026, 4, 30), date(2026, 5, 10))


@pytest.mark.parametrize(
    ("submitted", "today", "standing", "late", "overdue"),
    [
        (date(2026, 5, 10), date(2026, 7, 1), Standing.submitted_on_time, 0, 0),
        (date(2026, 4, 30), date(2026, 7, 1), Standing.submitted_on_time, 0, 0),
        (date(2026, 5, 11), date(2026, 7, 1), Standing.submitted_late, 1, 0),
        (date(2026, 6, 9), date(2026, 7, 1), Standing.submitted_late, 30, 0),
        (None, date(2026, 5, 10), Standing.not_yet_due, 0, 0),
        (None, date(2026, 4, 15), Standing.not_yet_due, 0, 0),
        (None, date(2026, 5, 11), Standing.overdue, 0, 1),
        (None, date(2026, 6, 10), Standing.overdue, 0, 31),
    ],
)
def test_standing(
    submitted: date | None, today: date, standing: Standing, late: int, overdue: int
) -> None:
    result = period_standing(PERIOD, submitted, today)
    assert (result.standing, result.days_late, result.days_overdue) == (standing, late, overdue)


@given(submitted=st.one_of(st.none(), st.dates()), today=st.dates())
def test_a_submitted_report_never_becomes_overdue(submitted: date | None, today: date) -> None:
    result = period_standing(PERIOD, submitted, today)
    if submitted is not None:
        assert result.standing in (Standing.submitted_on_time, Standing.submitted_late)
        assert result.days_overdue == 0
    else:
        assert (result.standing == Standing.overdue) == (today > PERIOD.due_on)
