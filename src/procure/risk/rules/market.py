"""The buyer's market and its residents: CONCENTRATION and DEMAND_MISMATCH."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from procure.calendar import local_day
from procure.contracts.tables import Amendment, AmendmentStatus, Contract, ContractStatus
from procure.risk.common import (
    contract_link,
    department_link,
    number,
    organization_link,
    percent,
    scoped,
    tender_link,
    within,
)
from procure.risk.params import Count, FixedSeverity, Percent
from procure.risk.registry import Finding, RuleContext, Stage, SubjectType, Trigger, register
from procure.risk.tables import Severity
from procure.tenders.states import NeedEvidenceKind
from procure.tenders.tables import NeedEvidence, Tender, TenderCommunity

# -- CONCENTRATION ------------------------------------------------------------------------------


class ConcentrationParams(FixedSeverity):
    # One organization holding more than this share of a buyer's contract value in a year flags.
    share_percent: Percent
    # A buyer's year is judged only with at least this many signed contracts.
    min_contracts: Count


@register(
    "CONCENTRATION",
    name_zh="承接主体集中",
    name_en="Concentration",
    subject=SubjectType.buyer,
    severity=Severity.medium,
    stage=Stage.oversight,
    triggers={Trigger.contract_signed, Trigger.amendment_signed},
    params=ConcentrationParams,
)
async def concentration(ctx: RuleContext) -> list[Finding]:
    """One organization holds more than the threshold share of a buying department's contract
    value in a calendar year: the contracts it signed that year (in Asia/Shanghai), each at
    its value with its signed amendments."""
    params = ConcentrationParams.model_validate(ctx.params)
    departments = scoped(ctx, SubjectType.buyer)
    contracts = await Contract.select(
        Contract.id,
        Contract.reference,
        Contract.value_fen,
        Contract.signed_at,
        Contract.department.as_alias("department_id"),
        Contract.department.name.as_alias("department_name"),
        Contract.organization.as_alias("organization_id"),
        Contract.organization.name.as_alias("organization_name"),
    ).where(
        Contract.signed_at.is_not_null()
        & (Contract.status != ContractStatus.draft)
        & within(Contract.department, departments)
    )
    if not contracts:
        return []
    deltas: dict[int, int] = defaultdict(int)
    for row in await Amendment.select(Amendment.contract, Amendment.value_delta_fen).where(
        Amendment.signed_at.is_not_null()
        & (Amendment.status == AmendmentStatus.accepted)
        & Amendment.contract.is_in([c["id"] for c in contracts])
    ):
        deltas[row["contract"]] += row["value_delta_fen"]
    years: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for contract in contracts:
        contract["value"] = contract["value_fen"] + deltas[contract["id"]]
        years[(contract["department_id"], local_day(contract["signed_at"]).year)].append(contract)
    findings = []
    for (department_id, year), signed in sorted(years.items()):
        total = sum(c["value"] for c in signed)
        if len(signed) < params.min_contracts or total <= 0:
            continue
        holders: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for contract in signed:
            holders[contract["organization_id"]].append(contract)
        dominant = []
        for organization_id, held in holders.items():
            value = sum(c["value"] for c in held)
            if Decimal(value) * 100 > params.share_percent * total:
                dominant.append(
                    {
                        "organization": organization_link(
                            organization_id, held[0]["organization_name"]
                        ),
                        "value_fen": value,
                        "share_percent": number(percent(value, total)),
                        "contracts": [
                            contract_link(c["id"], c["reference"])
                            for c in sorted(held, key=lambda c: c["id"])
                        ],
                    }
                )
        if not dominant:
            continue
        dominant.sort(key=lambda d: (-d["value_fen"], d["organization"]["id"]))
        findings.append(
            Finding(
                rule="CONCENTRATION",
                subject_type=SubjectType.buyer,
                subject_id=str(department_id),
                period=str(year),
                severity=params.severity,
                evidence={
                    "buyer": department_link(department_id, signed[0]["department_name"]),
                    "year": year,
                    "total_value_fen": total,
                    "contracts": len(signed),
                    "share_percent": number(params.share_percent),
                    "min_contracts": params.min_contracts,
                    "organizations": dominant,
                },
                value=dominant[0]["share_percent"],
                department_id=department_id,
                organization_id=dominant[0]["organization"]["id"],
            )
        )
    return findings


# -- DEMAND_MISMATCH ----------------------------------------------------------------------------


class DemandMismatchParams(FixedSeverity):
    # The kinds of record that count as evidence of residents' needs.
    accepted_kinds: list[NeedEvidenceKind]


@register(
    "DEMAND_MISMATCH",
    name_zh="需求依据缺失",
    name_en="Demand mismatch",
    subject=SubjectType.tender,
    severity=Severity.medium,
    stage=Stage.oversight,
    triggers={Trigger.tender_published},
    params=DemandMismatchParams,
)
async def demand_mismatch(ctx: RuleContext) -> list[Finding]:
    """A tender published without recorded evidence of residents' needs — a survey, a
    committee's request, consultation minutes — for every community it covers (evidence that
    names no community covers them all)."""
    params = DemandMismatchParams.model_validate(ctx.params)
    ids = scoped(ctx, SubjectType.tender)
    tenders = {
        row["id"]: row
        for row in await Tender.select(
            Tender.id, Tender.reference, Tender.status, Tender.department
        ).where(Tender.published_at.is_not_null() & within(Tender.id, ids))
    }
    if not tenders:
        return []
    covered: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in await TenderCommunity.select(
        TenderCommunity.tender,
        TenderCommunity.community.as_alias("community_id"),
        TenderCommunity.community.code.as_alias("code"),
        TenderCommunity.community.name.as_alias("name"),
    ).where(TenderCommunity.tender.is_in(list(tenders))):
        covered[row["tender"]].append(row)
    evidence: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in await NeedEvidence.select(
        NeedEvidence.tender,
        NeedEvidence.kind,
        NeedEvidence.community.as_alias("community_id"),
        NeedEvidence.community.code.as_alias("community_code"),
    ).where(
        NeedEvidence.tender.is_in(list(tenders))
        & NeedEvidence.kind.is_in([str(kind) for kind in params.accepted_kinds] or [""])
    ):
        evidence[row["tender"]].append(row)
    findings = []
    for tender_id, tender in sorted(tenders.items()):
        recorded = evidence[tender_id]
        everywhere = any(row["community_id"] is None for row in recorded)
        named = {row["community_id"] for row in recorded}
        missing = [
            {"code": c["code"], "name": c["name"]}
            for c in sorted(covered[tender_id], key=lambda c: c["code"])
            if not everywhere and c["community_id"] not in named
        ]
        if not missing:
            continue
        findings.append(
            Finding(
                rule="DEMAND_MISMATCH",
                subject_type=SubjectType.tender,
                subject_id=str(tender_id),
                severity=params.severity,
                evidence={
                    "tender": tender_link(tender_id, tender["reference"]),
                    "communities_without_evidence": missing,
                    "communities": len(covered[tender_id]),
                    "evidence_recorded": [
                        {"kind": row["kind"], "community": row["community_code"]}
                        for row in recorded
                    ],
                    "accepted_kinds": [str(kind) for kind in params.accepted_kinds],
                },
                value=float(len(missing)),
                department_id=tender["department"],
            )
        )
    return findings
