"""Which periods of a contract can be evaluated or surveyed: its reporting periods (months, or
quarters named by their first month) that have begun. The periods are the reports' own."""

from __future__ import annotations

from datetime import date

from procure.contracts.tables import ReportingFrequency
from procure.errors import InvalidInput
from procure.i18n import N_
from procure.reports.periods import LABEL_PATTERN, Period, contract_periods

QUARTER_STARTS = (1, 4, 7, 10)


def _periods(*, starts_on: date, ends_on: date, quarterly: bool) -> list[Period]:
    frequency = ReportingFrequency.quarterly if quarterly else ReportingFrequency.monthly
    return contract_periods(starts_on, ends_on, frequency, 0)


def check_period(
    period: str, *, starts_on: date, ends_on: date, quarterly: bool, today: date
) -> None:
    """A period ('YYYY-MM') can be evaluated when it is one of the term's and has begun."""
    if not LABEL_PATTERN.fullmatch(period):
        raise InvalidInput(
            "period",
            N_("%(period)s is not a month: write YYYY-MM, e.g. 2026-03"),
            period=repr(period),
        )
    if quarterly and int(period[5:]) not in QUARTER_STARTS:
        raise InvalidInput(
            "period",
            N_(
                "%(period)s does not start a quarter: this contract is evaluated quarterly, so a "
                "period starts in January, April, July or October (e.g. 2026-04)"
            ),
            period=period,
        )
    periods = _periods(starts_on=starts_on, ends_on=ends_on, quarterly=quarterly)
    found = next((p for p in periods if p.label == period), None)
    if found is None:
        raise InvalidInput(
            "period",
            N_("%(period)s is outside the contract term %(starts)s – %(ends)s"),
            period=period,
            starts=starts_on.isoformat(),
            ends=ends_on.isoformat(),
        )
    if found.starts_on > today:
        raise InvalidInput("period", N_("%(period)s has not begun yet"), period=period)


def term_periods(*, starts_on: date, ends_on: date, quarterly: bool, today: date) -> list[str]:
    """The term's periods that have begun by today, the latest first."""
    periods = _periods(starts_on=starts_on, ends_on=ends_on, quarterly=quarterly)
    return [p.label for p in reversed(periods) if p.starts_on <= today]
