"""SCOPE_DRIFT, INTERNALIZATION, REPORTING_BURDEN and LATE_REPORT: fire, stay quiet, and the
exact thresholds."""

from __future__ import annotations

from datetime import date

from procure.risk.tables import Severity
from tests.risk.conftest import (
    FixedClock,
    contract_findings,
    local,
    make_contract,
    outside,
    submit_report,
    within,
)


async def drift(in_minutes: int, out_minutes: int, **overrides: object) -> list:
    contract = await make_contract()
    await submit_report(
        contract["id"],
        "2026-03",
        [within(contract["lines"][0], 100, in_minutes), outside(minutes=out_minutes)],
    )
    return await contract_findings("SCOPE_DRIFT", contract["id"], **overrides)


async def test_scope_drift_fires_just_above_the_threshold(database: None) -> None:
    (finding,) = await drift(5099, 901)  # 15.02% of 100 hours
    assert finding.period == "2026-03"
    evidence = finding.evidence
    assert evidence["measure"] == "staff_hours"
    assert evidence["out_of_contract_share_percent"] == 15.02
    assert evidence["threshold_percent"] == 15.0
    assert (evidence["out_of_contract_hours"], evidence["total_hours"]) == (15.02, 100.0)
    assert evidence["report"]["url"].endswith("/reports/2026-03")


async def test_scope_drift_at_exactly_the_threshold_does_not_fire(database: None) -> None:
    assert await drift(5100, 900) == []  # 15.00%
    assert await drift(5099, 901, threshold_percent=20) == []


async def test_without_hours_scope_drift_counts_activities(database: None) -> None:
    contract = await make_contract()
    line = contract["lines"][0]
    await submit_report(contract["id"], "2026-03", [within(line)] * 17 + [outside()] * 3)
    await submit_report(contract["id"], "2026-04", [within(line)] * 4 + [outside()])
    findings = await contract_findings("SCOPE_DRIFT", contract["id"])
    assert [(f.period, f.evidence["measure"]) for f in findings] == [("2026-04", "activities")]


async def test_only_the_submitted_version_counts(database: None) -> None:
    contract = await make_contract()
    line = contract["lines"][0]
    await submit_report(
        contract["id"], "2026-03", [within(line, 1, 60), outside(minutes=60)], status="superseded"
    )
    await submit_report(contract["id"], "2026-03", [within(line, 1, 60)], version=2)
    assert await contract_findings("SCOPE_DRIFT", contract["id"]) == []


async def internalization(kind: str, minutes: int, **overrides: object) -> list:
    """A period of 100 staff hours, ``minutes`` of them out-of-contract work of ``kind`` that
    the contract's own department asked for."""
    contract = await make_contract()
    await submit_report(
        contract["id"],
        "2026-05",
        [
            within(contract["lines"][0], 10, 6000 - minutes),
            outside(kind, department=contract["department"], minutes=minutes),
        ],
    )
    return await contract_findings("INTERNALIZATION", contract["id"], **overrides)


async def test_internalization_fires_at_any_volume_and_grows_with_its_share(
    database: None,
) -> None:
    (tiny,) = await internalization("administrative", 0)
    assert tiny.severity == Severity.low and tiny.evidence["share_percent"] == 0.0
    (below,) = await internalization("campaign", 299)
    assert below.severity == Severity.low
    (medium,) = await internalization("campaign", 300)  # exactly 5%
    assert medium.severity == Severity.medium and medium.evidence["share_percent"] == 5.0
    (still,) = await internalization("seconded_staff", 899)
    assert still.severity == Severity.medium
    (high,) = await internalization("seconded_staff", 900)  # exactly 15%
    assert high.severity == Severity.high and high.evidence["share_percent"] == 15.0
    assert high.evidence["lines"][0]["kind"] == "seconded_staff"
    assert high.department_id is not None and high.organization_id is not None


async def test_work_another_department_asked_for_is_not_internalization(
    database: None,
) -> None:
    contract = await make_contract(department="D-HWJD")
    other = await make_contract(department="D-MZJ")
    await submit_report(
        contract["id"],
        "2026-05",
        [outside("campaign", department=other["department"], minutes=600)],
    )
    assert await contract_findings("INTERNALIZATION", contract["id"]) == []


async def test_other_kinds_asked_for_by_the_buyer_count_only_when_configured(
    database: None,
) -> None:
    assert await internalization("other", 600) == []
    assert len(await internalization("other", 600, kinds=["other"])) == 1


async def burden(submissions: list[int], **overrides: object) -> list:
    contract = await make_contract()
    await submit_report(
        contract["id"],
        "2026-02",
        [within(contract["lines"][0], 10, 600)]
        + [
            outside("administrative", department=contract["department"], submissions=n)
            for n in submissions
        ],
    )
    return await contract_findings("REPORTING_BURDEN", contract["id"], **overrides)


async def test_reporting_burden_fires_on_any_ad_hoc_submission(database: None) -> None:
    (finding,) = await burden([1, 2])
    assert finding.evidence["ad_hoc_submissions"] == 3
    assert finding.evidence["submissions"] == 4
    assert finding.evidence["reporting_frequency"] == "monthly"
    assert [d["submissions"] for d in finding.evidence["demanded_by"]] == [1, 2]


async def test_reporting_burden_respects_the_tolerance(database: None) -> None:
    assert await burden([0, 0]) == []
    assert await burden([2], tolerance=2) == []
    assert len(await burden([3], tolerance=2)) == 1


# -- LATE_REPORT ----------------------------------------------------------------------------------
# A monthly contract of 2026: January's report is due on 2026-02-10 (policy: 10 days).


async def late(contract: dict, **overrides: object) -> dict[str, tuple[str, int, Severity]]:
    return {
        f.period: (f.evidence["standing"], f.evidence["days_past_due"], f.severity)
        for f in await contract_findings("LATE_REPORT", contract["id"], **overrides)
    }


async def test_a_missing_report_flags_from_the_day_after_its_due_date(
    database: None, fixed_clock: FixedClock
) -> None:
    contract = await make_contract()
    fixed_clock.set(date(2026, 2, 10))
    assert await late(contract) == {}
    fixed_clock.set(date(2026, 2, 11))
    assert await late(contract) == {"2026-01": ("overdue", 1, Severity.medium)}
    assert await late(contract, grace_days=1) == {}
    fixed_clock.set(date(2026, 3, 12))
    assert await late(contract) == {
        "2026-01": ("overdue", 30, Severity.medium),
        "2026-02": ("overdue", 2, Severity.medium),
    }
    fixed_clock.set(date(2026, 3, 13))
    assert (await late(contract))["2026-01"] == ("overdue", 31, Severity.high)


async def test_a_report_submitted_after_its_due_date_is_late(
    database: None, fixed_clock: FixedClock
) -> None:
    contract = await make_contract()
    fixed_clock.set(date(2026, 3, 5))
    await submit_report(contract["id"], "2026-01", [], submitted_at=local(date(2026, 2, 10), 23))
    await submit_report(contract["id"], "2026-02", [], submitted_at=local(date(2026, 3, 4)))
    # A correction after the due date does not make an on-time report late.
    await submit_report(
        contract["id"], "2026-01", [], version=2, submitted_at=local(date(2026, 3, 1))
    )
    assert await late(contract) == {}
    other = await make_contract()
    await submit_report(other["id"], "2026-01", [], submitted_at=local(date(2026, 2, 14)))
    await submit_report(other["id"], "2026-02", [], submitted_at=local(date(2026, 3, 1)))
    assert await late(other) == {"2026-01": ("submitted_late", 4, Severity.low)}


async def test_no_report_is_owed_for_periods_after_the_contract_closed(
    database: None, fixed_clock: FixedClock
) -> None:
    contract = await make_contract(status="terminated", closed_on=date(2026, 2, 20))
    fixed_clock.set(date(2026, 6, 1))
    assert set(await late(contract)) == {"2026-01", "2026-02"}
    draft = await make_contract(status="draft", signed_at=None)
    assert await late(draft) == {}


async def test_the_day_is_the_local_day(database: None, fixed_clock: FixedClock) -> None:
    contract = await make_contract()
    fixed_clock.set(date(2026, 2, 11), hour=1)  # in UTC still 2026-02-10
    assert await late(contract) == {"2026-01": ("overdue", 1, Severity.medium)}
