"""Service reports: SCOPE_DRIFT, INTERNALIZATION, REPORTING_BURDEN and LATE_REPORT.

Each judges a contract's reporting period (the report's own key, e.g. ``2026-04``) from the
version of the report that counts — the latest submitted one — or, for LATE_REPORT, from when
the period's report was first submitted, if ever.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from piccolo.query.functions.aggregate import Min

from procure.calendar import local_day, local_today
from procure.db import driver_rows
from procure.ocds.dataset import shared_value
from procure.policy import get_policy
from procure.reports.periods import Standing, contract_periods, period_standing
from procure.reports.tables import ActivityLine, OutOfScopeKind, ReportStatus, ServiceReport
from procure.risk.common import (
    contract_link,
    contracts_by_id,
    department_link,
    hours,
    number,
    percent,
    report_link,
    scoped,
    within,
)
from procure.risk.params import Count, FixedSeverity, Percent, RuleParams
from procure.risk.registry import Finding, RuleContext, Stage, SubjectType, Trigger, register
from procure.risk.tables import Severity


@dataclass
class SubmittedReport:
    """The submitted version of one contract period, with its activity lines."""

    id: int
    contract_id: int
    period: str
    version: int
    outcome_self_score: int | None
    lines: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(line["staff_minutes"] for line in self.lines)

    def share(self, chosen: list[Mapping[str, Any]]) -> tuple[str, Decimal | None]:
        """The chosen lines' share of the period's work: of the staff hours when any were
        reported, else of the activity lines; None when the report has neither."""
        if self.minutes:
            return "staff_hours", percent(sum(li["staff_minutes"] for li in chosen), self.minutes)
        if self.lines:
            return "activities", percent(len(chosen), len(self.lines))
        return "staff_hours", None


async def submitted_reports(contract_ids: list[int] | None) -> list[SubmittedReport]:
    """The submitted version of every period of these contracts (None: all), with its lines,
    in two queries; all of them read once per run of rules (``shared_value``)."""
    if contract_ids is None:
        return await shared_value("submitted_reports", lambda: _submitted_reports(None))
    return await _submitted_reports(contract_ids)


async def _submitted_reports(contract_ids: list[int] | None) -> list[SubmittedReport]:
    reports = {
        row["id"]: SubmittedReport(
            id=row["id"],
            contract_id=row["contract"],
            period=row["period"],
            version=row["version"],
            outcome_self_score=row["outcome_self_score"],
        )
        for row in await driver_rows(
            ServiceReport.select(
                ServiceReport.id,
                ServiceReport.contract,
                ServiceReport.period,
                ServiceReport.version,
                ServiceReport.outcome_self_score,
            ).where(
                (ServiceReport.status == ReportStatus.submitted)
                & within(ServiceReport.contract, contract_ids)
            )
        )
    }
    for line in await driver_rows(
        ActivityLine.select(
            ActivityLine.id,
            ActivityLine.report,
            ActivityLine.scope_line,
            ActivityLine.out_of_scope,
            ActivityLine.out_of_scope_kind,
            ActivityLine.requested_by_department.as_alias("department_id"),
            ActivityLine.requested_by_department.name.as_alias("department_name"),
            ActivityLine.requested_by_person,
            ActivityLine.description,
            ActivityLine.quantity,
            ActivityLine.staff_minutes,
            ActivityLine.submissions,
        )
        .where(
            (ActivityLine.report.status == ReportStatus.submitted)
            & within(ActivityLine.report.contract, contract_ids)
        )
        .order_by(ActivityLine.id)
    ):
        if line["report"] in reports:
            reports[line["report"]].lines.append(line)
    return sorted(reports.values(), key=lambda r: (r.contract_id, r.period))


def line_evidence(line: Mapping[str, Any]) -> dict[str, Any]:
    department = (
        department_link(line["department_id"], line["department_name"])
        if line["department_id"] is not None
        else None
    )
    return {
        "description": line["description"],
        "kind": line["out_of_scope_kind"],
        "requested_by_department": department,
        "requested_by_person": line["requested_by_person"],
        "staff_hours": hours(line["staff_minutes"]),
        "submissions": line["submissions"],
    }


def report_finding(
    rule: str,
    contract: dict[str, Any],
    report: SubmittedReport,
    severity: Severity,
    evidence: dict[str, Any],
    value: Decimal | None = None,
) -> Finding:
    return Finding(
        rule=rule,
        subject_type=SubjectType.contract,
        subject_id=str(contract["id"]),
        period=report.period,
        severity=severity,
        evidence={
            "contract": contract_link(contract["id"], contract["reference"]),
            "report": {**report_link(contract["id"], report.period), "version": report.version},
            **evidence,
        },
        value=number(value),
        department_id=contract["department_id"],
        organization_id=contract["organization_id"],
    )


# -- SCOPE_DRIFT --------------------------------------------------------------------------------


class ScopeDriftParams(FixedSeverity):
    threshold_percent: Percent


@register(
    "SCOPE_DRIFT",
    name_zh="服务范围漂移",
    name_en="Scope drift",
    subject=SubjectType.contract,
    severity=Severity.medium,
    stage=Stage.oversight,
    triggers={Trigger.report_submitted},
    params=ScopeDriftParams,
)
async def scope_drift(ctx: RuleContext) -> list[Finding]:
    """In a period, the out-of-contract share of the reported staff hours (of the activity lines
    when no hours were reported) exceeds the threshold."""
    params = ScopeDriftParams.model_validate(ctx.params)
    ids = scoped(ctx, SubjectType.contract)
    contracts = await contracts_by_id(ids)
    findings = []
    for report in await submitted_reports(ids):
        contract = contracts.get(report.contract_id)
        outside = [line for line in report.lines if line["out_of_scope"]]
        measure, share = report.share(outside)
        if contract is None or share is None or share <= params.threshold_percent:
            continue
        findings.append(
            report_finding(
                "SCOPE_DRIFT",
                contract,
                report,
                params.severity,
                {
                    "measure": measure,
                    "out_of_contract_share_percent": number(share),
                    "threshold_percent": number(params.threshold_percent),
                    "out_of_contract_hours": hours(sum(li["staff_minutes"] for li in outside)),
                    "total_hours": hours(report.minutes),
                    "out_of_contract_activities": len(outside),
                    "activities": len(report.lines),
                    "out_of_contract_lines": [line_evidence(line) for line in outside],
                },
                share,
            )
        )
    return findings


# -- INTERNALIZATION ----------------------------------------------------------------------------


class InternalizationParams(RuleParams):
    # Out-of-contract kinds that count when the buying department itself asked for them.
    kinds: list[OutOfScopeKind]
    # Severity grows with the share of the period's work: low below medium_share_percent,
    # medium below high_share_percent, high from there on.
    medium_share_percent: Percent
    high_share_percent: Percent


@register(
    "INTERNALIZATION",
    name_zh="承接主体被内部化",
    name_en="Internalization",
    subject=SubjectType.contract,
    severity=Severity.medium,
    stage=Stage.oversight,
    triggers={Trigger.report_submitted},
    params=InternalizationParams,
)
async def internalization(ctx: RuleContext) -> list[Finding]:
    """Out-of-contract work the buying department itself asked for — administrative reporting,
    campaign tasks, seconded staff — in any amount; the severity grows with its share."""
    params = InternalizationParams.model_validate(ctx.params)
    ids = scoped(ctx, SubjectType.contract)
    contracts = await contracts_by_id(ids)
    findings = []
    for report in await submitted_reports(ids):
        contract = contracts.get(report.contract_id)
        if contract is None:
            continue
        internal = [
            line
            for line in report.lines
            if line["out_of_scope"]
            and line["out_of_scope_kind"] in params.kinds
            and line["department_id"] == contract["department_id"]
        ]
        if not internal:
            continue
        measure, share = report.share(internal)
        share = share or Decimal(0)
        if share >= params.high_share_percent:
            severity = Severity.high
        elif share >= params.medium_share_percent:
            severity = Severity.medium
        else:
            severity = Severity.low
        findings.append(
            report_finding(
                "INTERNALIZATION",
                contract,
                report,
                severity,
                {
                    "measure": measure,
                    "share_percent": number(share),
                    "medium_share_percent": number(params.medium_share_percent),
                    "high_share_percent": number(params.high_share_percent),
                    "hours": hours(sum(li["staff_minutes"] for li in internal)),
                    "total_hours": hours(report.minutes),
                    "lines": [line_evidence(line) for line in internal],
                },
                share,
            )
        )
    return findings


# -- REPORTING_BURDEN ---------------------------------------------------------------------------


class ReportingBurdenParams(FixedSeverity):
    # Ad-hoc submissions a period may hold, besides the contract's own report, before it flags.
    tolerance: Count


@register(
    "REPORTING_BURDEN",
    name_zh="报送负担过重",
    name_en="Reporting burden",
    subject=SubjectType.contract,
    severity=Severity.medium,
    stage=Stage.oversight,
    triggers={Trigger.report_submitted},
    params=ReportingBurdenParams,
)
async def reporting_burden(ctx: RuleContext) -> list[Finding]:
    """Reports or ad-hoc submissions demanded more often than the contract's reporting
    frequency: the contract asks for one report a period; the period's out-of-contract lines
    record the other submissions departments demanded (报送次数)."""
    params = ReportingBurdenParams.model_validate(ctx.params)
    ids = scoped(ctx, SubjectType.contract)
    contracts = await contracts_by_id(ids)
    findings = []
    for report in await submitted_reports(ids):
        contract = contracts.get(report.contract_id)
        demanded = [line for line in report.lines if line["submissions"] > 0]
        ad_hoc = sum(line["submissions"] for line in demanded)
        if contract is None or ad_hoc <= params.tolerance:
            continue
        findings.append(
            report_finding(
                "REPORTING_BURDEN",
                contract,
                report,
                params.severity,
                {
                    "reporting_frequency": contract["reporting_frequency"],
                    "contract_reports": 1,
                    "ad_hoc_submissions": ad_hoc,
                    "submissions": 1 + ad_hoc,
                    "tolerance": params.tolerance,
                    "demanded_by": [line_evidence(line) for line in demanded],
                },
                Decimal(1 + ad_hoc),
            )
        )
    return findings


# -- LATE_REPORT --------------------------------------------------------------------------------


class LateReportParams(RuleParams):
    # Days past the due date that pass without a flag.
    grace_days: Count
    late_severity: Severity  # submitted, but after the due date
    missing_severity: Severity  # not submitted, and past the due date
    missing_high_after_days: Count  # missing for longer than this: high


@register(
    "LATE_REPORT",
    name_zh="服务报告逾期",
    name_en="Late report",
    subject=SubjectType.contract,
    severity=Severity.medium,
    stage=Stage.oversight,
    triggers={Trigger.report_submitted, Trigger.contract_signed, Trigger.report_overdue},
    params=LateReportParams,
)
async def late_report(ctx: RuleContext) -> list[Finding]:
    """A period's report missing past its due date, or first submitted after it (a later
    correction does not make a report late). A period that begins after the contract was
    completed or terminated owes no report. Being missing depends on the day: the full scan
    finds it, as no event happens when a due date passes."""
    params = LateReportParams.model_validate(ctx.params)
    ids = scoped(ctx, SubjectType.contract)
    contracts = await contracts_by_id(ids)
    # Each period's first submission, of all its versions (in SQL).
    first: dict[tuple[int, str], Any] = {
        # SQLite answers an aggregate of a timestamp with its stored text.
        (row["contract"], row["period"]): (
            datetime.fromisoformat(row["first"]) if isinstance(row["first"], str) else row["first"]
        )
        for row in await ServiceReport.select(
            ServiceReport.contract,
            ServiceReport.period,
            Min(ServiceReport.submitted_at, alias="first"),
        )
        .where(ServiceReport.submitted_at.is_not_null() & within(ServiceReport.contract, ids))
        .group_by(ServiceReport.contract, ServiceReport.period)
    }
    today = local_today()
    due_days = get_policy().reports.due_days_after_period
    findings = []
    for contract in sorted(contracts.values(), key=lambda c: c["id"]):
        for period in contract_periods(
            contract["starts_on"], contract["ends_on"], contract["reporting_frequency"], due_days
        ):
            if contract["closed_on"] is not None and period.starts_on > contract["closed_on"]:
                continue
            submitted = first.get((contract["id"], period.label))
            standing = period_standing(period, local_day(submitted) if submitted else None, today)
            if standing.standing == Standing.submitted_late and standing.days_late > (
                params.grace_days
            ):
                severity, days = params.late_severity, standing.days_late
            elif standing.standing == Standing.overdue and standing.days_overdue > (
                params.grace_days
            ):
                days = standing.days_overdue
                severity = (
                    Severity.high
                    if days > params.missing_high_after_days
                    else params.missing_severity
                )
            else:
                continue
            findings.append(
                Finding(
                    rule="LATE_REPORT",
                    subject_type=SubjectType.contract,
                    subject_id=str(contract["id"]),
                    period=period.label,
                    severity=severity,
                    evidence={
                        "contract": contract_link(contract["id"], contract["reference"]),
                        "report": report_link(contract["id"], period.label),
                        "standing": str(standing.standing),
                        "period_ends_on": period.ends_on.isoformat(),
                        "due_on": period.due_on.isoformat(),
                        "first_submitted_on": local_day(submitted).isoformat()
                        if submitted
                        else None,
                        "days_past_due": days,
                        "grace_days": params.grace_days,
                    },
                    value=float(days),
                    department_id=contract["department_id"],
                    organization_id=contract["organization_id"],
                )
            )
    return findings
