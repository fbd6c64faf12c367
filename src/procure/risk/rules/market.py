"""The buyer's market and its residents: CONCENTRATION and DEMAND_MISMATCH.

CONCENTRATION also judges every imported dataset: per buyer (/buyer/id) and calendar year,
the share of the awarded value (/awards/value) each supplier won (imported_concentration)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from procure.calendar import local_day
from procure.contracts.tables import Amendment, AmendmentStatus, Contract, ContractStatus
from procure.ocds.dataset import dataset_processes
from procure.ocds.tables import OcdsContract
from procure.risk.common import (
    among,
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

PLATFORM = "platform"
#: Awards that did not (or not yet) award anything: not counted.
NOT_AWARDED = frozenset({"pending", "cancelled", "unsuccessful"})
#: Why an imported award is not counted: the scan summary lists them.
NO_AWARD_VALUE = "an award without a usable /awards/value: not counted in its buyer's year"
NO_AWARD_DATE = (
    "an award without a usable date (/awards/date, nor its contract's dateSigned): "
    "not counted in its buyer's year"
)
NO_SUPPLIER = "an award naming no supplier with an id: not counted in its buyer's year"
NO_BUYER = "no usable /buyer/id: its awards are not counted"
BUYER_CURRENCIES = "its buyer awarded in more than one currency that year: the year is not judged"


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
    triggers={Trigger.contract_signed, Trigger.amendment_signed, Trigger.ocds_imported},
    params=ConcentrationParams,
    imported=True,
)
async def concentration(ctx: RuleContext) -> list[Finding]:
    """One organization holds more than the threshold share of a buying department's contract
    value in a calendar year: the contracts it signed that year (in Asia/Shanghai), each at
    its value with its signed amendments. On an imported dataset: the awards of each buyer
    (imported_concentration)."""
    params = ConcentrationParams.model_validate(ctx.params)
    if ctx.dataset != PLATFORM:
        return await imported_concentration(ctx, params)
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
        & among(Amendment.contract, departments, [c["id"] for c in contracts])
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


async def signed_dates(dataset: str) -> dict[tuple[int, str], datetime]:
    """When each awarded contract of a dataset was signed, by process id and award id."""
    rows = await OcdsContract.select(
        OcdsContract.process, OcdsContract.award_id, OcdsContract.date_signed
    ).where(
        (OcdsContract.process.dataset == dataset)
        & OcdsContract.award_id.is_not_null()
        & OcdsContract.date_signed.is_not_null()
    )
    signed: dict[tuple[int, str], datetime] = {}
    for row in rows:
        signed.setdefault((row["process"], row["award_id"]), row["date_signed"])
    return signed


async def imported_concentration(ctx: RuleContext, params: ConcentrationParams) -> list[Finding]:
    """CONCENTRATION over an imported dataset: per buyer (/buyer/id) and calendar year of the
        award (its date, else its contract's dateSigned, in the district's time zone), the awards
        made (not pending, cancelled or unsuccessful), each at its /awards/value; a supplier whose
        awards exceed the share of the year's total flags the buyer's year. An award to several
        suppliers counts in full for each (each holds it jointly). A buyer's year is judged with
        at least ``min_contracts`` awards. What cannot be counted is skipped, saying why: an award
        without a value, a date or a supplier; a process without a buyer; a buyer's year in more
        than one currency. A buyer's flag names no ocid (as everywhere): its evidence lists, per
    dominant supplier, the processes of its awards, largest first."""
    skipped: set[tuple[str, str]] = set()

    def skip(ocid: str, reason: str) -> None:  # once per process and reason
        if (ocid, reason) not in skipped:
            skipped.add((ocid, reason))
            ctx.skip("CONCENTRATION", ocid, reason)

    signed = await signed_dates(ctx.dataset)
    years: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    buyer_names: dict[str, str | None] = {}
    for process in await dataset_processes(ctx.dataset, awards=True, parties=True):
        awarded = [award for award in process.awards if award.status not in NOT_AWARDED]
        if not awarded:
            continue
        if process.buyer_id is None:
            skip(process.ocid, NO_BUYER)
            continue
        for party in process.parties:
            if party.party_id == process.buyer_id and party.name:
                buyer_names.setdefault(process.buyer_id, party.name)
        for award in awarded:
            when = award.date or signed.get((process.id, award.award_id or ""))
            suppliers = sorted({s for s in award.suppliers if s is not None})
            if award.amount is None:
                skip(process.ocid, NO_AWARD_VALUE)
            elif when is None:
                skip(process.ocid, NO_AWARD_DATE)
            elif not suppliers:
                skip(process.ocid, NO_SUPPLIER)
            else:
                years[(process.buyer_id, local_day(when).year)].append(
                    {
                        "ocid": process.ocid,
                        "award_id": award.award_id,
                        "amount": Decimal(repr(award.amount)),
                        "currency": award.currency,
                        "suppliers": suppliers,
                    }
                )
    findings = []
    for (buyer_id, year), awards in sorted(years.items()):
        currencies = {a["currency"] for a in awards}
        if len(currencies) > 1:
            for ocid in dict.fromkeys(a["ocid"] for a in awards):
                skip(ocid, BUYER_CURRENCIES)
            continue
        total = sum(a["amount"] for a in awards)
        if len(awards) < params.min_contracts or total <= 0:
            continue
        holders: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for made in awards:
            for supplier in made["suppliers"]:
                holders[supplier].append(made)
        dominant: list[dict[str, Any]] = []
        for supplier, held in holders.items():
            value = sum(a["amount"] for a in held)
            if value * 100 > params.share_percent * total:
                largest = sorted(held, key=lambda a: (-a["amount"], a["ocid"]))
                dominant.append(
                    {
                        "supplier": supplier,
                        "value": number(value),
                        "share_percent": number(percent(value, total)),
                        "ocids": list(dict.fromkeys(a["ocid"] for a in largest)),
                    }
                )
        if not dominant:
            continue
        dominant.sort(key=lambda d: (-d["value"], d["supplier"]))
        findings.append(
            Finding(
                rule="CONCENTRATION",
                subject_type=SubjectType.buyer,
                subject_id=buyer_id,
                period=str(year),
                severity=params.severity,
                evidence={
                    "buyer": {"id": buyer_id, "name": buyer_names.get(buyer_id)},
                    "year": year,
                    "total_value": number(total),
                    "currency": awards[0]["currency"],
                    "awards": len(awards),
                    "share_percent": number(params.share_percent),
                    "min_contracts": params.min_contracts,
                    "organizations": dominant,
                },
                value=dominant[0]["share_percent"],
                dataset=ctx.dataset,
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
    ).where(among(TenderCommunity.tender, ids, tenders)):
        covered[row["tender"]].append(row)
    evidence: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in await NeedEvidence.select(
        NeedEvidence.tender,
        NeedEvidence.kind,
        NeedEvidence.community.as_alias("community_id"),
        NeedEvidence.community.code.as_alias("community_code"),
    ).where(
        among(NeedEvidence.tender, ids, tenders)
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
