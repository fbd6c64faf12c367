"""The working-day calendar: China's holidays and make-up days, a district's own years, periods."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from procure import calendar
from procure.calendar import CalendarUnknown
from procure.policy import Period, PeriodUnit, get_policy, load_policy
from procure.settings import ConfigurationError

SEVEN_WORKING = Period(days=7, unit=PeriodUnit.working, basis="财政部令第94号 第十条")


def test_national_day_week_and_its_make_up_days() -> None:
    # 2026: 10-01…10-07 off; Sunday 09-20 and Saturday 10-10 are make-up working days.
    assert not calendar.is_workday(date(2026, 10, 1))
    assert not calendar.is_workday(date(2026, 10, 7))
    assert calendar.is_workday(date(2026, 9, 20))
    assert calendar.is_workday(date(2026, 10, 10))
    assert not calendar.is_workday(date(2026, 10, 11))
    assert calendar.is_workday(date(2026, 9, 30))


def test_working_days_skip_the_holiday_and_count_the_make_up_saturday() -> None:
    # From Tuesday 09-29: 09-30, then 10-08, 10-09, 10-10 (Saturday, 调休), 10-12, 10-13, 10-14.
    assert calendar.add_workdays(date(2026, 9, 29), 7) == date(2026, 10, 14)
    # Counting in calendar days would have said 10-06, in the middle of the holiday.
    assert calendar.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.add_workdays(date(2026, 12, 7), 0) == date(2026, 12, 7)


def test_a_calendar_period_ending_on_a_rest_day_moves_to_the_next_working_day() -> None:
    thirty = Period(days=30, unit=PeriodUnit.calendar, basis="政府采购法 第五十七条")
    # 09-01 + 30 days = 10-01, a holiday: the period ends on 10-08 (民法典 第二百零三条).
    assert calendar.period_end(date(2026, 9, 1), thirty) == date(2026, 10, 8)
    # A minimum period does not move: a deadline may fall on its last day.
    assert calendar.minimum_end(date(2026, 9, 1), thirty) == date(2026, 10, 1)


def test_a_deadline_ends_at_midnight_local_time_and_names_its_rule() -> None:
    moment = datetime(2026, 9, 29, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    result = calendar.deadline_for("challenge", SEVEN_WORKING, moment)
    assert result.last_day == date(2026, 10, 14)
    assert result.ends_at == datetime(2026, 10, 14, 16, 0, tzinfo=UTC)  # 24:00 +08:00
    assert not result.passed(datetime(2026, 10, 14, 15, 59, tzinfo=UTC))
    assert result.passed(datetime(2026, 10, 14, 16, 0, tzinfo=UTC))
    assert result.as_dict()["basis"] == "财政部令第94号 第十条"
    assert not result.provisional


def test_every_named_period_comes_from_the_policy_file() -> None:
    periods = get_policy().periods
    assert (periods["complaint"].days, periods["complaint"].unit) == (15, PeriodUnit.working)
    assert (periods["suspension"].days, periods["suspension"].unit) == (30, PeriodUnit.calendar)
    assert calendar.deadline("challenge", date(2026, 9, 29)).last_day == date(2026, 10, 14)


def test_the_districts_provisional_year_is_used_and_marked() -> None:
    # The library ends with 2026; the default policy carries a provisional 2027 table.
    result = calendar.deadline_for("challenge", SEVEN_WORKING, date(2026, 12, 28))
    assert result.last_day == date(2027, 1, 7)  # 12-29, 12-30, 12-31, 01-04 … 01-07
    assert result.provisional
    assert not calendar.is_workday(date(2027, 2, 8))
    assert calendar.is_workday(date(2027, 2, 20))  # a Saturday entered as 调休


def test_a_year_nobody_entered_is_refused_naming_the_setting() -> None:
    with pytest.raises(CalendarUnknown, match=r"\[calendar.years.2029\]"):
        calendar.add_workdays(date(2029, 3, 1), 1)


def test_a_district_corrects_a_year_the_library_knows(tmp_path: Path) -> None:
    override = tmp_path / "policy.toml"
    override.write_text('[calendar.years.2026]\nholidays = ["2026-12-08"]\nworkdays = []\n')
    policy = load_policy(override)
    assert date(2026, 12, 8) in policy.calendar.years[2026].holidays


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[calendar.years.2027]\nholidays = ["2028-01-01"]\n', "listed under calendar.years.2027"),
        (
            '[calendar.years.2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-01"]\n',
            "both a holiday and a working day",
        ),
        ('[periods.challenge]\ndays = 7\nunit = "weeks"\nbasis = "x"\n', "periods.challenge.unit"),
    ],
)
def test_a_bad_calendar_entry_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    override = tmp_path / "policy.toml"
    override.write_text(text)
    with pytest.raises(ConfigurationError, match=message):
        load_policy(override)


def _procure(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "procure.cli", "calendar", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_the_operator_commands() -> None:
    assert _procure("add-workdays", "2026-09-29", "7").stdout.strip() == "2026-10-14"
    assert _procure("is-workday", "2026-10-10").stdout.strip() == "yes"
    assert _procure("is-workday", "2026-10-05").stdout.strip() == "no"
    assert _procure("add-workdays", "2026-12-30", "2").stdout.strip() == (
        "2027-01-04 (provisional calendar)"
    )
    unknown = _procure("is-workday", "2030-01-02")
    assert unknown.returncode == 2
    assert "[calendar.years.2030]" in unknown.stderr


async def test_the_tender_pages_show_the_submission_rule(client, as_user) -> None:  # type: ignore[no-untyped-def]
    from procure.tenders.tables import Tender

    tender = (
        await Tender.select(Tender.id)
        .where((Tender.method == "open_tender") & (Tender.status != "draft"))
        .first()
    )
    public = await client.get(f"/disclosure/tenders/{tender['id']}")
    assert "最短提交期: 20 日（政府采购法 第三十五条）" in public.text
    buyer = await as_user("buyer")
    english = await client.get(f"/tenders/{tender['id']}", headers=buyer, cookies={"lang": "en"})
    assert "Minimum submission period: 20 days (政府采购法 第三十五条)" in english.text


def test_the_periods_guide_lists_every_period() -> None:
    guide = (Path(__file__).parents[1] / "docs/deadlines-and-remedies/README.md").read_text()
    policy = get_policy()
    for name, period in policy.periods.items():
        assert f"| `periods.{name}` | {period.days} |" in guide, name
    for method, period in policy.procurement.minimum_submission_days.items():
        row = f"| `procurement.minimum_submission_days.{method}` | {period.days} |"
        if period.days:
            assert row in guide, method
