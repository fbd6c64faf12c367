"""UNFILED_REQUEST: out-of-contract work a department asked for without a filed, accepted
request (the internalization firewall, procure.workrequests)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from procure.reports.tables import ActivityLine, ReportStatus
from procure.risk.common import contract_link, department_link, hours, number, report_link, scoped
from procure.risk.common import within as restricted
from procure.risk.params import FixedSeverity, Percent
from procure.risk.registry import Finding, RuleContext, Stage, SubjectType, Trigger, register
from procure.risk.rules.reports import line_evidence
from procure.risk.tables import Severity
from procure.workrequests.selectors import citations
from procure.workrequests.tables import WorkRequestStatus


class UnfiledRequestParams(FixedSeverity):
    # A line citing an accepted request may report up to this share more staff hours than the
    # request asked for; beyond it the work was not what the department filed.
    tolerance_percent: Percent


def _unfiled_reason(line: dict[str, Any], cited: dict[str, Any] | None, limit: Decimal) -> str:
    """Why the line's work counts as unfiled, or "" when its request covers it."""
    if cited is None:
        return "no_request"
    if cited["department"] != line["department_id"]:
        # The line was edited to name another department after it cited the request.
        return "request_of_another_department"
    if cited["status"] != WorkRequestStatus.accepted:
        return "request_not_accepted"
    if Decimal(line["staff_minutes"]) > Decimal(cited["hours"] * 60) * limit:
        return "hours_beyond_request"
    return ""


@register(
    "UNFILED_REQUEST",
    name_zh="合同外工作未经申请",
    name_en="Unfiled work request",
    subject=SubjectType.buyer,
    severity=Severity.medium,
    stage=Stage.oversight,
    triggers={Trigger.report_submitted},
    params=UnfiledRequestParams,
)
async def unfiled_request(ctx: RuleContext) -> list[Finding]:
    """In a period, a submitted report's out-of-contract line names a department that asked
    for the work, and cites no accepted request of that department (or reports more hours
    than the request asked for, beyond the tolerance): a finding against the department."""
    params = UnfiledRequestParams.model_validate(ctx.params)
    departments = scoped(ctx, SubjectType.buyer)
    lines = await (
        ActivityLine.select(
            ActivityLine.id,
            ActivityLine.out_of_scope_kind,
            ActivityLine.requested_by_department.as_alias("department_id"),
            ActivityLine.requested_by_department.name.as_alias("department_name"),
            ActivityLine.requested_by_person,
            ActivityLine.description,
            ActivityLine.staff_minutes,
            ActivityLine.submissions,
            ActivityLine.report.period.as_alias("period"),
            ActivityLine.report.version.as_alias("version"),
            ActivityLine.report.contract.as_alias("contract_id"),
            ActivityLine.report._.contract._.reference.as_alias("contract_reference"),
        )
        .where(
            (ActivityLine.report.status == ReportStatus.submitted)
            & (ActivityLine.out_of_scope == True)  # noqa: E712 - a SQL comparison
            & restricted(ActivityLine.requested_by_department, departments)
        )
        .order_by(ActivityLine.id)
    )
    cited = await citations([line["id"] for line in lines])
    limit = 1 + params.tolerance_percent / 100
    unfiled: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        citation = cited.get(line["id"])
        reason = _unfiled_reason(line, citation, limit)
        if reason:
            unfiled[(line["department_id"], line["period"])].append(
                {
                    **line_evidence(line),
                    "contract": contract_link(line["contract_id"], line["contract_reference"]),
                    "report": {
                        **report_link(line["contract_id"], line["period"]),
                        "version": line["version"],
                    },
                    "reason": reason,
                    "work_request": None if citation is None else citation["id"],
                    "requested_hours": None if citation is None else citation["hours"],
                    "_minutes": line["staff_minutes"],
                }
            )
    findings = []
    for (department_id, period), found in sorted(unfiled.items()):
        minutes = sum(item.pop("_minutes") for item in found)
        findings.append(
            Finding(
                rule="UNFILED_REQUEST",
                subject_type=SubjectType.buyer,
                subject_id=str(department_id),
                period=period,
                severity=params.severity,
                evidence={
                    "buyer": department_link(
                        department_id, found[0]["requested_by_department"]["name"]
                    ),
                    "period": period,
                    "unfiled_lines": found,
                    "unfiled_hours": hours(minutes),
                    "tolerance_percent": number(params.tolerance_percent),
                },
                value=number(Decimal(minutes) / 60),
                department_id=department_id,
                organization_id=None,
            )
        )
    return findings
