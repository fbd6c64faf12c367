"""Working days and legal periods: the one module every deadline is computed by.

China's working days are Monday to Friday except public holidays, plus the make-up working days
(调休) the State Council announces late each year. ``chinesecalendar`` carries the announced
schedules; a deployment adds a year it does not know yet, or corrects one, in its policy file
(``[calendar.years.YYYY]``). A date in a year neither knows is refused, never guessed from weekends.

Periods follow 民法典 Arts. 201–203: the day of the event is not counted; a period that ends on a
rest day ends on the next working day; the last day ends at 24:00 local time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from procure import clock
from procure.errors import Conflict
from procure.policy import CalendarYear, Period, PeriodUnit, get_policy
from procure.settings import get_settings


class CalendarUnknown(Conflict):
    """A period reaches a year whose holiday schedule nobody has entered."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"the working-day calendar has no holiday schedule for {year}: enter it as "
            f"[calendar.years.{year}] in the policy file (PROCURE_POLICY_FILE)"
        )
        self.year = year


@dataclass(frozen=True)
class Deadline:
    """The last day of a period, the instant it ends, and the rule behind it."""

    name: str
    period: Period
    last_day: date
    ends_at: datetime
    provisional: bool

    def passed(self, moment: datetime) -> bool:
        return moment >= self.ends_at

    @property
    def rule(self) -> str:
        """The rule behind it, as a refusal names it: "7 工作日, 财政部令第94号 第十条"."""
        return self.period.describe()

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "days": self.period.days,
            "unit": self.period.unit.value,
            "basis": self.period.basis,
            "last_day": self.last_day.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "provisional": self.provisional,
        }


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def local_day(moment: datetime | date) -> date:
    """The date a moment falls on in the district's time zone."""
    if isinstance(moment, datetime):
        return moment.astimezone(_zone()).date()
    return moment


def shown_moment(moment: datetime) -> str:
    """A moment as a refusal names it: the district's wall-clock time, "2026-10-09 14:30"."""
    return moment.astimezone(_zone()).strftime("%Y-%m-%d %H:%M")


def shown_end(ends_at: datetime) -> str:
    """The end of a period as a refusal names it: 24:00 of its last day (民法典 第二百零三条),
    "2026-10-12 24:00", not 00:00 of the next."""
    return f"{local_day(ends_at - timedelta(microseconds=1)).isoformat()} 24:00"


def local_today() -> date:
    """Today on the server clock in the district's time zone: a day ends at local midnight, not
    UTC's (debarments, due dates and months all turn over then)."""
    return local_day(clock.now())


def _entered(year: int) -> CalendarYear | None:
    return get_policy().calendar.years.get(year)


@lru_cache(maxsize=64)
def _library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_workday(day: date) -> bool:
    entered = _entered(day.year)
    if entered is not None:
        if day in entered.workdays:
            return True
        return day.weekday() < 5 and day not in entered.holidays
    if not _library_knows(day.year):
        raise CalendarUnknown(day.year)
    return bool(chinese_calendar.is_workday(day))


def is_provisional(day: date) -> bool:
    """Whether the schedule for this day's year is a district's provisional entry."""
    entered = _entered(day.year)
    return entered is not None and entered.provisional


def add_workdays(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself is not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    current = day
    while count:
        current += timedelta(days=1)
        if is_workday(current):
            count -= 1
    return current


def next_workday(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def period_end(start: date, period: Period) -> date:
    """The last day of ``period`` counted from the day after ``start``."""
    if period.unit is PeriodUnit.working:
        return add_workdays(start, period.days)
    return next_workday(start + timedelta(days=period.days))


def end_of(day: date) -> datetime:
    """24:00 local time on ``day``, as an aware instant."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=_zone())


def deadline(name: str, start: datetime | date) -> Deadline:
    """The deadline of the policy period ``name`` (policy.toml ``[periods.NAME]``) for an event
    on ``start``."""
    period = get_policy().periods[name]
    return deadline_for(name, period, start)


def deadline_for(name: str, period: Period, start: datetime | date) -> Deadline:
    begins = local_day(start)
    last = period_end(begins, period)
    provisional = any(
        is_provisional(date(year, 1, 1)) for year in range(begins.year, last.year + 1)
    )
    return Deadline(
        name=name, period=period, last_day=last, ends_at=end_of(last), provisional=provisional
    )


def minimum_end(start: datetime | date, period: Period) -> date:
    """The first day on which a minimum period (a submission period, a notice period) that
    begins on ``start`` is complete: a deadline may fall on it or later."""
    begins = local_day(start)
    if period.unit is PeriodUnit.working:
        return add_workdays(begins, period.days)
    return begins + timedelta(days=period.days)
