"""SELECTIVE_PERFORMANCE: what the committee or the resident monitors found at the doors of a
period's sealed spot-check contradicts the report.

A submitted report claims every unit it lists was delivered (its reported delivery is 100 % of
its units, by definition); the period's drawn units, once verified, estimate the share that
really was (docs/spotchecks.md). The rule judges a contract's period whose seed is revealed:
of the drawn units reached, the share found delivered, confirmed ÷ (confirmed + not delivered),
with its 95 % Wilson interval. Even the interval's upper bound below the threshold flags: the
sample says, beyond reasonable doubt, that less was delivered than reported. Units not reached
count in neither part; a period with fewer units reached than the minimum is not judged yet.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from procure.risk.common import (
    contract_link,
    contracts_by_id,
    number,
    report_link,
    scoped,
    within,
)
from procure.risk.params import Count, FixedSeverity, Percent
from procure.risk.registry import Finding, RuleContext, Stage, SubjectType, Trigger, register
from procure.risk.tables import Severity
from procure.spotchecks.selectors import verified_delivery
from procure.spotchecks.tables import SpotCheckSeed, TaskStatus, VerificationTask


class SelectivePerformanceParams(FixedSeverity):
    # The upper bound of the verified delivery's 95 % Wilson interval below this flags.
    threshold_percent: Percent
    # Drawn units reached (found delivered or not delivered) before a period is judged.
    minimum_reached: Count


async def _drawn(contract_ids: list[int] | None) -> dict[int, dict[str, Any]]:
    """Every revealed seed of these contracts (None: all): its contract, period, the report
    version it sampled, and its drawn units."""
    seeds = {
        row["id"]: {**row, "tasks": []}
        for row in await SpotCheckSeed.select(
            SpotCheckSeed.id,
            SpotCheckSeed.contract,
            SpotCheckSeed.period,
            SpotCheckSeed.report.version.as_alias("report_version"),
        ).where(
            SpotCheckSeed.revealed_seed.is_not_null() & within(SpotCheckSeed.contract, contract_ids)
        )
    }
    tasks: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for task in (
        await VerificationTask.select(
            VerificationTask.seed,
            VerificationTask.draw_no,
            VerificationTask.line_no,
            VerificationTask.kind,
            VerificationTask.code,
            VerificationTask.status,
        )
        .where(
            VerificationTask.seed.revealed_seed.is_not_null()
            & within(VerificationTask.seed.contract, contract_ids)
        )
        .order_by(VerificationTask.seed, VerificationTask.draw_no)
    ):
        tasks[task["seed"]].append(task)
    for seed_id, drawn in tasks.items():
        if seed_id in seeds:
            seeds[seed_id]["tasks"] = drawn
    return seeds


@register(
    "SELECTIVE_PERFORMANCE",
    name_zh="选择性履约",
    name_en="Selective performance",
    subject=SubjectType.contract,
    severity=Severity.high,
    stage=Stage.oversight,
    triggers={Trigger.verification_recorded},
    params=SelectivePerformanceParams,
)
async def selective_performance(ctx: RuleContext) -> list[Finding]:
    """A period's verified delivery diverges from the report: the upper bound of the 95 %
    Wilson interval of the drawn units found delivered (of those reached) is below the
    threshold, once at least the minimum of drawn units has been reached."""
    params = SelectivePerformanceParams.model_validate(ctx.params)
    ids = scoped(ctx, SubjectType.contract)
    contracts = await contracts_by_id(ids)
    findings = []
    for seed in sorted((await _drawn(ids)).values(), key=lambda s: (s["contract"], s["period"])):
        contract = contracts.get(seed["contract"])
        delivery = verified_delivery([task["status"] for task in seed["tasks"]])
        reached = delivery["confirmed"] + delivery["not_delivered"]
        if contract is None or reached < params.minimum_reached or reached == 0:
            continue
        high_percent = Decimal(repr(delivery["high"] * 100))
        if high_percent >= params.threshold_percent:
            continue
        ratio_percent = Decimal(repr(delivery["ratio"] * 100))
        findings.append(
            Finding(
                rule="SELECTIVE_PERFORMANCE",
                subject_type=SubjectType.contract,
                subject_id=str(contract["id"]),
                period=seed["period"],
                severity=params.severity,
                evidence={
                    "contract": contract_link(contract["id"], contract["reference"]),
                    "report": {
                        **report_link(contract["id"], seed["period"]),
                        "version": seed["report_version"],
                    },
                    "spot_checks": {"url": f"/contracts/{contract['id']}/spotchecks"},
                    "period": seed["period"],
                    "reported_delivery_percent": 100,
                    "sample_size": delivery["drawn"],
                    "confirmed": delivery["confirmed"],
                    "not_delivered": delivery["not_delivered"],
                    "unreachable": delivery["unreachable"],
                    "open": delivery["open"],
                    "verified_delivery_percent": number(ratio_percent),
                    "interval_low_percent": number(Decimal(repr(delivery["low"] * 100))),
                    "interval_high_percent": number(high_percent),
                    "threshold_percent": number(params.threshold_percent),
                    "minimum_reached": params.minimum_reached,
                    "not_delivered_units": [
                        {"line_no": task["line_no"], "kind": task["kind"], "code": task["code"]}
                        for task in seed["tasks"]
                        if task["status"] == TaskStatus.not_delivered
                    ],
                },
                value=number(ratio_percent),
                department_id=contract["department_id"],
                organization_id=contract["organization_id"],
            )
        )
    return findings
