"""Contracts: AMENDMENT_CREEP, UNDER_DELIVERY and LOW_PRICE_LOW_QUALITY.

AMENDMENT_CREEP also judges every imported dataset: each OCDS contract's value now against its
value in the earliest release that gives one (ocds_contract, imported_amendment_creep)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from procure.contracts.tables import (
    Amendment,
    AmendmentLine,
    AmendmentStatus,
    Contract,
    ContractScopeLine,
    Payment,
    PaymentStatus,
)
from procure.ocds.tables import OcdsContract
from procure.performance.scoring import Grade
from procure.performance.tables import PerformanceScore
from procure.reports.periods import Period, contract_periods, find_period
from procure.risk.common import (
    HUNDREDTHS,
    among,
    contract_link,
    contracts_by_id,
    number,
    percent,
    report_link,
    scoped,
    within,
)
from procure.risk.params import FixedSeverity, Percent
from procure.risk.registry import Finding, RuleContext, Stage, SubjectType, Trigger, register
from procure.risk.rules.bids import underpriced_bids
from procure.risk.rules.reports import submitted_reports
from procure.risk.tables import Severity

ARTICLE_49 = "政府采购法 第四十九条"
PLATFORM = "platform"
#: Why an imported contract is not judged: the scan summary lists them.
NO_CONTRACT_VALUE = "a contract without a usable /contracts/value: not judged"
NO_ORIGINAL_VALUE = "an amended contract whose original value no earlier release gives: not judged"
CONTRACT_CURRENCIES = "a contract whose value changed currency: not compared"
NO_POSITIVE_ORIGINAL = "a contract whose original value is not positive: not judged"
#: Only a supplementary agreement the organization accepted (and so signed) changes a contract.
ACCEPTED = Amendment.signed_at.is_not_null() & (Amendment.status == AmendmentStatus.accepted)


def _finding(
    rule: str,
    contract: dict[str, Any],
    severity: Severity,
    evidence: dict[str, Any],
    *,
    period: str = "",
    value: Decimal | None = None,
) -> Finding:
    return Finding(
        rule=rule,
        subject_type=SubjectType.contract,
        subject_id=str(contract["id"]),
        period=period,
        severity=severity,
        evidence={"contract": contract_link(contract["id"], contract["reference"]), **evidence},
        value=number(value),
        department_id=contract["department_id"],
        organization_id=contract["organization_id"],
    )


# -- AMENDMENT_CREEP ----------------------------------------------------------------------------


class AmendmentCreepParams(FixedSeverity):
    # 政府采购法 Art. 49: supplementary contracts add at most 10% of the original value.
    max_increase_percent: Percent
    # Also flag an amendment that adds scope the tender did not have.
    flag_scope_outside_tender: bool


@register(
    "AMENDMENT_CREEP",
    name_zh="合同变更超限",
    name_en="Amendment creep",
    subject=SubjectType.contract,
    severity=Severity.high,
    stage=Stage.oversight,
    triggers={Trigger.amendment_signed, Trigger.ocds_imported},
    params=AmendmentCreepParams,
    imported=True,
)
async def amendment_creep(ctx: RuleContext) -> list[Finding]:
    """The accepted amendments together raise the contract's value by more than the limit
    (政府采购法 Art. 49: 10%), or add scope that was not in the tender. On an imported
    dataset: each contract's value now against its original (imported_amendment_creep)."""
    params = AmendmentCreepParams.model_validate(ctx.params)
    if ctx.dataset != PLATFORM:
        return await imported_amendment_creep(ctx, params)
    ids = scoped(ctx, SubjectType.contract)
    amendments: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        await Amendment.select(
            Amendment.contract,
            Amendment.version,
            Amendment.reason,
            Amendment.value_delta_fen,
            Amendment.signed_at,
        )
        .where(ACCEPTED & within(Amendment.contract, ids))
        .order_by(Amendment.version)
    ):
        amendments[row["contract"]].append(row)
    if not amendments:
        return []
    outside: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        await AmendmentLine.select(
            AmendmentLine.amendment.contract.as_alias("contract"),
            AmendmentLine.amendment.version.as_alias("version"),
            AmendmentLine.catalog_item.code.as_alias("item_code"),
            AmendmentLine.catalog_item.name.as_alias("item_name"),
            AmendmentLine.description,
            AmendmentLine.quantity_delta,
            AmendmentLine.amount_delta_fen,
        )
        .where(
            AmendmentLine.in_tender.eq(False)
            & AmendmentLine.amendment.signed_at.is_not_null()
            & (AmendmentLine.amendment.status == AmendmentStatus.accepted)
            & within(AmendmentLine.amendment.contract, ids)
        )
        .order_by(AmendmentLine.id)
    ):
        outside[row.pop("contract")].append(row)
    contracts = await contracts_by_id(None if ids is None else sorted(amendments))
    findings = []
    for contract_id, signed in sorted(amendments.items()):
        contract = contracts.get(contract_id)
        if contract is None:
            continue
        delta = sum(a["value_delta_fen"] for a in signed)
        reasons = []
        if Decimal(delta) * 100 > params.max_increase_percent * contract["value_fen"]:
            reasons.append("over_limit")
        if params.flag_scope_outside_tender and outside.get(contract_id):
            reasons.append("scope_outside_tender")
        if not reasons:
            continue
        change = percent(delta, contract["value_fen"])
        findings.append(
            _finding(
                "AMENDMENT_CREEP",
                contract,
                params.severity,
                {
                    "reasons": reasons,
                    "basis": ARTICLE_49,
                    "original_value_fen": contract["value_fen"],
                    "current_value_fen": contract["value_fen"] + delta,
                    "cumulative_delta_fen": delta,
                    "cumulative_percent": number(change),
                    "max_increase_percent": number(params.max_increase_percent),
                    "amendments": [
                        {
                            "version": a["version"],
                            "reason": a["reason"],
                            "value_delta_fen": a["value_delta_fen"],
                            "signed_at": a["signed_at"].isoformat(),
                        }
                        for a in signed
                    ],
                    "scope_outside_tender": outside.get(contract_id, []),
                },
                value=change,
            )
        )
    return findings


async def imported_amendment_creep(ctx: RuleContext, params: AmendmentCreepParams) -> list[Finding]:
    """AMENDMENT_CREEP over an imported dataset: a contract (/contracts) whose value in the
    compiled release exceeds its original value — its value in the earliest release giving
    one — by more than the limit. What cannot be judged is skipped, saying why: no value now,
    an amended contract without a known original, a change of currency, an original that is
    not positive. Scope outside the tender is the platform's own: it is not judged here. The
    subject is the contract, named by its place in the process (``ocid/contracts/<position>``).
    """
    rows = (
        await OcdsContract.select(
            OcdsContract.process.ocid.as_alias("ocid"),
            OcdsContract.position,
            OcdsContract.contract_id,
            OcdsContract.award_id,
            OcdsContract.amount,
            OcdsContract.currency,
            OcdsContract.original_amount,
            OcdsContract.original_currency,
            OcdsContract.date_signed,
            OcdsContract.amendments,
        )
        .where(OcdsContract.process.dataset == ctx.dataset)
        .order_by(OcdsContract.process)
        .order_by(OcdsContract.position)
    )
    findings = []
    for row in rows:
        ocid = row["ocid"]
        if row["amount"] is None:
            ctx.skip("AMENDMENT_CREEP", ocid, NO_CONTRACT_VALUE)
            continue
        if row["original_amount"] is None:
            ctx.skip("AMENDMENT_CREEP", ocid, NO_ORIGINAL_VALUE)
            continue
        if row["currency"] != row["original_currency"]:
            ctx.skip("AMENDMENT_CREEP", ocid, CONTRACT_CURRENCIES)
            continue
        # Exact decimals, as published (SQLite hands a NUMERIC over as a float or text).
        current, original = Decimal(str(row["amount"])), Decimal(str(row["original_amount"]))
        if original <= 0:
            ctx.skip("AMENDMENT_CREEP", ocid, NO_POSITIVE_ORIGINAL)
            continue
        delta = current - original
        if delta * 100 <= params.max_increase_percent * original:
            continue
        change = percent(delta, original)
        signed = row["date_signed"]
        findings.append(
            Finding(
                rule="AMENDMENT_CREEP",
                subject_type=SubjectType.contract,
                subject_id=f"{ocid}/contracts/{row['position']}",
                ocid=ocid,
                severity=params.severity,
                evidence={
                    "contract": {
                        "contract_id": row["contract_id"],
                        "position": row["position"],
                    },
                    "award_id": row["award_id"],
                    "reasons": ["over_limit"],
                    "basis": ARTICLE_49,
                    "original_value": number(original),
                    "current_value": number(current),
                    "cumulative_delta": number(delta),
                    "currency": row["currency"],
                    "cumulative_percent": number(change),
                    "max_increase_percent": number(params.max_increase_percent),
                    "amendments": row["amendments"],
                    "date_signed": None if signed is None else signed.isoformat(),
                    "not_judged": ["scope_outside_tender"]
                    if params.flag_scope_outside_tender
                    else [],
                },
                value=number(change),
                dataset=ctx.dataset,
            )
        )
    return findings


# -- UNDER_DELIVERY -----------------------------------------------------------------------------


class UnderDeliveryParams(FixedSeverity):
    # Delivered ÷ planned below this, for a scope line, flags the period.
    threshold_percent: Percent
    # Lines planned at less than this many units in a period are not judged (a yearly project
    # spread over twelve months plans 0.08 of a project a month).
    min_planned: Decimal


def planned_quantity(
    quantity: int, period_starts: date, period_ends: date, term_starts: date, term_ends: date
) -> Decimal:
    """A line's plan for one period: its quantity spread evenly over the term's days (the
    performance page's plan, from the quantity as amended)."""
    days = (period_ends - period_starts).days + 1
    term = (term_ends - term_starts).days + 1
    return (Decimal(quantity) * days / term).quantize(HUNDREDTHS, rounding=ROUND_HALF_UP)


@register(
    "UNDER_DELIVERY",
    name_zh="服务交付不足",
    name_en="Under-delivery",
    subject=SubjectType.contract,
    severity=Severity.high,
    stage=Stage.oversight,
    triggers={Trigger.report_submitted, Trigger.amendment_signed, Trigger.performance_settled},
    params=UnderDeliveryParams,
)
async def under_delivery(ctx: RuleContext) -> list[Finding]:
    """A period's submitted report delivers less than the threshold of a scope line's plan,
    while payments continue: an instalment due after the period ends is not held."""
    params = UnderDeliveryParams.model_validate(ctx.params)
    ids = scoped(ctx, SubjectType.contract)
    reports = await submitted_reports(ids)
    if not reports:
        return []
    with_reports = {r.contract_id for r in reports}
    contracts = await contracts_by_id(None if ids is None else sorted(with_reports))
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in await ContractScopeLine.select(
        ContractScopeLine.id,
        ContractScopeLine.contract,
        ContractScopeLine.line_no,
        ContractScopeLine.quantity,
        ContractScopeLine.catalog_item.name.as_alias("item_name"),
        ContractScopeLine.catalog_item.unit.as_alias("unit"),
    ).where(among(ContractScopeLine.contract, ids, with_reports)):
        lines[line["contract"]].append(line)
    for contract_lines in lines.values():
        contract_lines.sort(key=lambda li: li["line_no"])
    amended: dict[int, int] = defaultdict(int)
    for row in await AmendmentLine.select(
        AmendmentLine.scope_line, AmendmentLine.quantity_delta
    ).where(
        AmendmentLine.scope_line.is_not_null()
        & AmendmentLine.amendment.signed_at.is_not_null()
        & (AmendmentLine.amendment.status == AmendmentStatus.accepted)
        & among(AmendmentLine.amendment.contract, ids, with_reports)
    ):
        amended[row["scope_line"]] += row["quantity_delta"]
    payments: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        await Payment.select(
            Payment.contract, Payment.seq, Payment.due_on, Payment.amount_fen, Payment.status
        )
        .where(among(Payment.contract, ids, with_reports))
        .order_by(Payment.seq)
    ):
        payments[row["contract"]].append(row)
    findings = []
    periods: dict[int, list[Period]] = {}  # by contract: its reports share them
    for report in reports:
        contract = contracts.get(report.contract_id)
        if contract is None:
            continue
        if contract["id"] not in periods:
            periods[contract["id"]] = contract_periods(
                contract["starts_on"], contract["ends_on"], contract["reporting_frequency"], 0
            )
        period = find_period(periods[contract["id"]], report.period)
        if period is None:
            continue
        going = [
            p
            for p in payments[contract["id"]]
            if p["due_on"] > period.ends_on and p["status"] != PaymentStatus.held
        ]
        if not going:
            continue  # no instalment goes on regardless: nothing to judge
        delivered: dict[int, int] = defaultdict(int)
        for activity in report.lines:
            if activity["scope_line"] is not None:
                delivered[activity["scope_line"]] += activity["quantity"]
        short = []
        for line in lines[contract["id"]]:  # in line order
            plan = planned_quantity(
                line["quantity"] + amended[line["id"]],
                period.starts_on,
                period.ends_on,
                contract["starts_on"],
                contract["ends_on"],
            )
            done = delivered[line["id"]]
            if plan < params.min_planned or done * 100 >= params.threshold_percent * plan:
                continue
            short.append(
                {
                    "line_no": line["line_no"],
                    "item_name": line["item_name"],
                    "unit": line["unit"],
                    "planned": number(plan),
                    "delivered": done,
                    "ratio_percent": number(percent(done, plan)),
                }
            )
        if not short:
            continue
        continuing = [
            {
                "seq": p["seq"],
                "due_on": p["due_on"].isoformat(),
                "amount_fen": p["amount_fen"],
                "status": p["status"],
            }
            for p in going
        ]
        findings.append(
            _finding(
                "UNDER_DELIVERY",
                contract,
                params.severity,
                {
                    "report": {
                        **report_link(contract["id"], report.period),
                        "version": report.version,
                    },
                    "period_starts_on": period.starts_on.isoformat(),
                    "period_ends_on": period.ends_on.isoformat(),
                    "threshold_percent": number(params.threshold_percent),
                    "lines": short,
                    "payments_continuing": continuing,
                },
                period=report.period,
                value=min(Decimal(str(line["ratio_percent"])) for line in short),
            )
        )
    return findings


# -- LOW_PRICE_LOW_QUALITY ----------------------------------------------------------------------

GRADES = [Grade.excellent, Grade.good, Grade.passing, Grade.failing]


class LowPriceLowQualityParams(FixedSeverity):
    # A settled period graded below this grade flags the contract.
    min_grade: Grade
    # Count a winning bid below the catalog's reference floor as underpriced too.
    catalog_floor: bool


@register(
    "LOW_PRICE_LOW_QUALITY",
    name_zh="低价低质",
    name_en="Low price, low quality",
    subject=SubjectType.contract,
    severity=Severity.high,
    stage=Stage.oversight,
    triggers={Trigger.performance_settled, Trigger.contract_signed},
    params=LowPriceLowQualityParams,
)
async def low_price_low_quality(ctx: RuleContext) -> list[Finding]:
    """A contract won with an underpriced bid (as UNDERPRICED_BID judges it) whose settled
    performance in a period is graded below the configured grade."""
    params = LowPriceLowQualityParams.model_validate(ctx.params)
    ids = scoped(ctx, SubjectType.contract)
    floor = GRADES.index(params.min_grade)
    scores: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        await PerformanceScore.select(
            PerformanceScore.contract,
            PerformanceScore.period,
            PerformanceScore.score_hundredths,
            PerformanceScore.grade,
        )
        .where(within(PerformanceScore.contract, ids))
        .order_by(PerformanceScore.period)
    ):
        if GRADES.index(Grade(row["grade"])) > floor:
            scores[row["contract"]].append(row)
    if not scores:
        return []
    won = [
        row
        for row in await Contract.select(
            Contract.id, Contract.tender, Contract.award.bid.as_alias("bid")
        ).where(among(Contract.id, ids, scores) & Contract.award.is_not_null())
        if row["id"] in scores
    ]
    underpriced = await underpriced_bids(
        tender_ids=sorted({row["tender"] for row in won if row["tender"] is not None}),
        catalog_floor=params.catalog_floor,
    )
    contracts = await contracts_by_id(None if ids is None else sorted(scores))
    findings = []
    for row in sorted(won, key=lambda r: r["id"]):
        bid = underpriced.get(row["bid"])
        contract = contracts.get(row["id"])
        if bid is None or contract is None:
            continue
        for score in scores[row["id"]]:
            findings.append(
                _finding(
                    "LOW_PRICE_LOW_QUALITY",
                    contract,
                    params.severity,
                    {
                        "winning_bid": {
                            "id": bid.bid_id,
                            "price_fen": bid.evidence["price_fen"],
                            "reasons": bid.reasons,
                            "lines_below_catalog_floor": bid.evidence["lines_below_catalog_floor"],
                            "url": f"/tenders/{bid.tender_id}",
                        },
                        "tender": bid.evidence["tender"],
                        "performance": {
                            "period": score["period"],
                            "score": number(Decimal(score["score_hundredths"]) / 100),
                            "grade": score["grade"],
                            "url": f"/contracts/{contract['id']}/performance"
                            f"?period={score['period']}",
                        },
                        "min_grade": str(params.min_grade),
                    },
                    period=score["period"],
                    value=Decimal(score["score_hundredths"]) / 100,
                )
            )
    return findings
