"""UNDERSTAFFED_DELIVERY: a contractor reports fewer staff hours per unit delivered than the
staffing plan its winning bid was judged on (the cost floor, docs/cost-floor.md).

The plan is the awarded bid's (Contract.award → its bid's cost plan), matched to the contract's
scope lines by line number; a contract without an award or a line without planned staff is not
judged. Only a line whose catalog item has a labour norm per unit in the policy
([procurement.cost_floor.labour_norm_hours]: a household visit, an hour of care) is judged: for
a line bought as one project or one month, hours "per unit" in a monthly report are not
comparable with the plan's for the whole term.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from procure.bids.selectors import planned_staff_hours
from procure.contracts.tables import Contract, ContractScopeLine
from procure.policy import get_policy
from procure.risk.common import contracts_by_id, hours, number, percent, scoped, within
from procure.risk.params import FixedSeverity, Percent
from procure.risk.registry import Finding, RuleContext, Stage, SubjectType, Trigger, register
from procure.risk.rules.reports import report_finding, submitted_reports
from procure.risk.tables import Severity


class UnderstaffedParams(FixedSeverity):
    # Reported hours per unit below this share of the planned hours per unit raise the flag.
    share_percent: Percent


async def _plans(contract_ids: list[int] | None) -> dict[int, dict[int, tuple[int, int]]]:
    """contract → its scope line id → (planned paid hours, planned quantity)."""
    awarded = {
        row["id"]: row["bid"]
        for row in await Contract.select(Contract.id, Contract.award._.bid.as_alias("bid")).where(
            within(Contract.id, contract_ids) & Contract.award.is_not_null()
        )
    }
    by_bid = await planned_staff_hours(sorted(set(awarded.values())))
    plans: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    normed = sorted(get_policy().procurement.cost_floor.labour_norm_hours)
    for line in await ContractScopeLine.select(
        ContractScopeLine.id, ContractScopeLine.contract, ContractScopeLine.line_no
    ).where(
        ContractScopeLine.contract.is_in(list(awarded) or [-1])
        & ContractScopeLine.in_tender.eq(True)
        & ContractScopeLine.catalog_item.code.is_in(normed or [""])
    ):
        plan = by_bid.get(awarded[line["contract"]], {}).get(line["line_no"])
        if plan is not None and plan[0] > 0:
            plans[line["contract"]][line["id"]] = plan
    return plans


@register(
    "UNDERSTAFFED_DELIVERY",
    name_zh="人员投入低于投标计划",
    name_en="Understaffed delivery",
    subject=SubjectType.contract,
    severity=Severity.medium,
    stage=Stage.oversight,
    triggers={Trigger.report_submitted},
    params=UnderstaffedParams,
)
async def understaffed_delivery(ctx: RuleContext) -> list[Finding]:
    """In a period, a scope line's reported staff hours per unit delivered fall below
    ``share_percent`` of the hours per unit the winning bid's staffing plan put on it."""
    params = UnderstaffedParams.model_validate(ctx.params)
    ids = scoped(ctx, SubjectType.contract)
    plans = await _plans(ids)
    contracts = await contracts_by_id(ids)
    findings = []
    for report in await submitted_reports(ids):
        contract, plan = contracts.get(report.contract_id), plans.get(report.contract_id)
        if contract is None or not plan:
            continue
        delivered: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # line → [quantity, minutes]
        for line in report.lines:
            if not line["out_of_scope"] and line["scope_line"] in plan:
                delivered[line["scope_line"]][0] += line["quantity"]
                delivered[line["scope_line"]][1] += line["staff_minutes"]
        short = []
        for scope_line, (quantity, minutes) in sorted(delivered.items()):
            planned_hours, planned_quantity = plan[scope_line]
            if quantity <= 0:
                continue
            # reported minutes/unit < share × planned minutes/unit, cross-multiplied exactly.
            reported = Decimal(minutes) * planned_quantity * 100
            if reported < params.share_percent * planned_hours * 60 * quantity:
                short.append(_line_evidence(scope_line, quantity, minutes, plan[scope_line]))
        if short:
            findings.append(
                report_finding(
                    "UNDERSTAFFED_DELIVERY",
                    contract,
                    report,
                    params.severity,
                    {"threshold_percent": number(params.share_percent), "lines": short},
                    value=min(Decimal(str(line["share_of_plan_percent"])) for line in short),
                )
            )
    return findings


def _line_evidence(
    scope_line: int, quantity: int, minutes: int, plan: tuple[int, int]
) -> dict[str, Any]:
    planned_hours, planned_quantity = plan
    return {
        "scope_line": scope_line,
        "quantity": quantity,
        "staff_hours": hours(minutes),
        "staff_hours_per_unit": number(Decimal(minutes) / 60 / quantity),
        "planned_hours_per_unit": number(Decimal(planned_hours) / planned_quantity),
        "share_of_plan_percent": number(
            percent(minutes * planned_quantity, planned_hours * 60 * quantity)
        ),
    }
