"""Reporting periods of a contract — months, or calendar quarters — that tile its term, each
due a policy number of days after it ends, and where each period stands on a given day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from procure.contracts.tables import ReportingFrequency

MONTHS_PER_PERIOD = {ReportingFrequency.monthly: 1, ReportingFrequency.quarterly: 3}
LABEL_PATTERN = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True, slots=True)
class Period:
    """One period: named by its calendar month or quarter's first month ('YYYY-MM'), and
    clipped to the contract's term, so the first and last may be shorter."""

    label: str
    starts_on: date
    ends_on: date  # the last day it covers
    due_on: date


class Standing(StrEnum):
    submitted_on_time = "submitted_on_time"
    submitted_late = "submitted_late"
    overdue = "overdue"  # missing, and past its due date
    not_yet_due = "not_yet_due"


@dataclass(frozen=True, slots=True)
class PeriodStanding:
    standing: Standing
    days_late: int = 0
    days_overdue: int = 0


def _month_start(year: int, month: int) -> date:
    """The first of a month; months past December roll into the following years."""
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def contract_periods(
    starts_on: date, ends_on: date, frequency: ReportingFrequency | str, due_days: int
) -> list[Period]:
    """Every period of a term that runs from starts_on to ends_on, both days included."""
    return list(_periods(starts_on, ends_on, ReportingFrequency(frequency), due_days))


@lru_cache(maxsize=4096)
def _periods(
    starts_on: date, ends_on: date, frequency: ReportingFrequency, due_days: int
) -> tuple[Period, ...]:
    """contract_periods, computed once per term (a scan asks for each contract's, rule by
    rule; many contracts share a term)."""
    if ends_on < starts_on:
        raise ValueError(f"the term ends ({ends_on}) before it starts ({starts_on})")
    step = MONTHS_PER_PERIOD[ReportingFrequency(frequency)]
    month = starts_on.month - (starts_on.month - 1) % step  # Jan/Apr/Jul/Oct for quarters
    block = _month_start(starts_on.year, month)
    periods = []
    while block <= ends_on:
        month += step
        following = _month_start(starts_on.year, month)
        last = min(following - timedelta(days=1), ends_on)
        periods.append(
            Period(
                label=f"{block.year:04d}-{block.month:02d}",
                starts_on=max(block, starts_on),
                ends_on=last,
                due_on=last + timedelta(days=due_days),
            )
        )
        block = following
    return tuple(periods)


def find_period(periods: list[Period], label: str) -> Period | None:
    if not LABEL_PATTERN.fullmatch(label):
        return None
    return next((period for period in periods if period.label == label), None)


def period_standing(period: Period, first_submitted_on: date | None, today: date) -> PeriodStanding:
    """A report is on time when first submitted on or before its due date; a correction
    later does not make it late. Without one, it is overdue from the day after the due date."""
    if first_submitted_on is not None:
        late = (first_submitted_on - period.due_on).days
        if late > 0:
            return PeriodStanding(Standing.submitted_late, days_late=late)
        return PeriodStanding(Standing.submitted_on_time)
    overdue = (today - period.due_on).days
    if overdue > 0:
        return PeriodStanding(Standing.overdue, days_overdue=overdue)
    return PeriodStanding(Standing.not_yet_due)
