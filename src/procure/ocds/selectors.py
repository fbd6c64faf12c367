"""Reads behind the OCDS export: the public facts of each published tender and of everything
that followed it, in a few batched queries. Nothing here reads sealed bid content, survey
answers, report lines or contact people: the export cannot publish what it never loads."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from procure import clock
from procure.acceptance.selectors import public_acceptances, verdict_counts
from procure.bids.tables import Award, Bid
from procure.contracts.tables import (
    Amendment,
    AmendmentLine,
    AmendmentStatus,
    Contract,
    ContractScopeLine,
    Milestone,
    Payment,
    PaymentStatus,
)
from procure.performance.tables import PerformanceScore
from procure.reports.tables import ReportStatus, ServiceReport
from procure.tenders.states import awaiting_opening, effective_status
from procure.tenders.tables import (
    Clarification,
    EvaluationCriterion,
    NeedEvidence,
    ScopeLine,
    Tender,
    TenderAmendment,
)

TENDER_COLUMNS = (
    Tender.id,
    Tender.reference,
    Tender.title,
    Tender.description,
    Tender.status,
    Tender.method,
    Tender.evaluation_method,
    Tender.ceiling_fen,
    Tender.published_at,
    Tender.clarification_deadline,
    Tender.submission_deadline,
    Tender.opening_at,
    Tender.short_period_justification,
    Tender.department.code.as_alias("department_code"),
    Tender.department.name.as_alias("department_name"),
    Tender.department._.district._.name.as_alias("district_name"),
    Tender.department._.sub_district._.name.as_alias("sub_district_name"),
)

ORGANIZATION_COLUMNS = ("credit_code", "name", "address")


@dataclass
class Process:
    """One published tender and what followed it: the facts one ocid's releases are built from."""

    tender: dict[str, Any]
    lines: list[dict[str, Any]] = field(default_factory=list)
    criteria: list[dict[str, Any]] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    clarifications: list[dict[str, Any]] = field(default_factory=list)
    # Corrections (更正公告) in order; the first one's ``before`` is the notice as first published.
    corrections: list[dict[str, Any]] = field(default_factory=list)
    bids: list[dict[str, Any]] = field(default_factory=list)
    award: dict[str, Any] | None = None
    contracts: list[dict[str, Any]] = field(default_factory=list)


def _grouped(rows: list[dict[str, Any]], key: str) -> dict[int, list[dict[str, Any]]]:
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def _organization(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {column: row.pop(f"{prefix}_{column}") for column in ORGANIZATION_COLUMNS}


async def published_tenders(
    *,
    references: Sequence[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """Published tenders (drafts never are), oldest first, with the status the clock gives;
    ``after_id`` starts after that tender (keyset pagination, for reading in batches).

    A read opens nothing: a tender whose deadline passed before the opening job ran keeps the
    status it had just before the deadline, bids sealed, until the job opens them."""

    query = Tender.select(*TENDER_COLUMNS).where(Tender.published_at.is_not_null())
    if references is not None:
        query = query.where(Tender.reference.is_in(list(references) or [""]))
    if after_id is not None:
        query = query.where(Tender.id > after_id)
    query = query.order_by(Tender.id)
    if limit is not None or offset:
        # SQLite takes an offset only with a limit.
        query = query.limit(limit if limit is not None else 2**62).offset(offset)
    rows = await query
    now = clock.now()
    for row in rows:
        row["effective_status"] = effective_status(
            row["status"],
            now=row["submission_deadline"] - timedelta(microseconds=1)
            if awaiting_opening(row, now)
            else now,
            clarification_deadline=row["clarification_deadline"],
            submission_deadline=row["submission_deadline"],
        )
    return rows


async def published_tender_count() -> int:
    return await Tender.count().where(Tender.published_at.is_not_null())


async def processes(tenders: list[dict[str, Any]]) -> list[Process]:
    """The facts of each tender given (rows of published_tenders), in the same order."""
    ids = [row["id"] for row in tenders] or [-1]
    lines = await ScopeLine.select(
        ScopeLine.tender,
        ScopeLine.line_no,
        ScopeLine.quantity,
        ScopeLine.description,
        *_item_columns(ScopeLine),
    ).where(ScopeLine.tender.is_in(ids))
    criteria = await (
        EvaluationCriterion.select(
            EvaluationCriterion.tender, EvaluationCriterion.name, EvaluationCriterion.weight
        )
        .where(EvaluationCriterion.tender.is_in(ids))
        .order_by(EvaluationCriterion.id)
    )
    needs = await (
        NeedEvidence.select(NeedEvidence.tender, NeedEvidence.summary)
        .where(NeedEvidence.tender.is_in(ids))
        .order_by(NeedEvidence.id)
    )
    clarifications = await (
        Clarification.select(
            Clarification.id,
            Clarification.tender,
            Clarification.question,
            Clarification.answer,
            Clarification.answered_at,
        )
        .where(Clarification.tender.is_in(ids) & Clarification.answered_at.is_not_null())
        .order_by(Clarification.answered_at)
    )
    corrections = await (
        TenderAmendment.select(
            TenderAmendment.tender,
            TenderAmendment.number,
            TenderAmendment.summary,
            TenderAmendment.changes,
            TenderAmendment.before,
            TenderAmendment.submission_deadline_after,
            TenderAmendment.clarification_deadline_after,
            TenderAmendment.published_at,
        )
        .where(TenderAmendment.tender.is_in(ids))
        .order_by(TenderAmendment.number)
    )
    bids = await (
        Bid.select(
            Bid.id,
            Bid.tender,
            Bid.status,
            Bid.submitted_at,
            Bid.opened_at,
            Bid.total_fen,
            *(
                getattr(Bid.organization, column).as_alias(f"organization_{column}")
                for column in ORGANIZATION_COLUMNS
            ),
        )
        .where(Bid.tender.is_in(ids))
        .order_by(Bid.submitted_at, Bid.id)
    )
    awards = await Award.select(
        Award.id,
        Award.tender,
        Award.decided_at,
        Award.bid.id.as_alias("bid_id"),
        Award.bid.total_fen.as_alias("value_fen"),
        *(
            getattr(Award.bid.organization, column).as_alias(f"organization_{column}")
            for column in ORGANIZATION_COLUMNS
        ),
    ).where(Award.tender.is_in(ids))
    contracts = await _contracts(ids)

    facts = {row["id"]: Process(tender=row) for row in tenders}
    for row in lines:
        facts[row.pop("tender")].lines.append(row)
    for row in criteria:
        facts[row.pop("tender")].criteria.append(row)
    for row in needs:
        facts[row["tender"]].needs.append(row["summary"])
    for row in clarifications:
        facts[row.pop("tender")].clarifications.append(row)
    for row in corrections:
        for column in ("changes", "before"):
            if isinstance(row[column], str):  # SQLite keeps JSON as text
                row[column] = json.loads(row[column])
        facts[row.pop("tender")].corrections.append(row)
    for row in bids:
        row["organization"] = _organization(row, "organization")
        facts[row.pop("tender")].bids.append(row)
    for row in awards:
        row["organization"] = _organization(row, "organization")
        facts[row.pop("tender")].award = row
    for row in contracts:
        facts[row.pop("tender")].contracts.append(row)
    for process in facts.values():
        process.lines.sort(key=lambda line: line["line_no"])
    return list(facts.values())


def _item_columns(table: Any) -> tuple[Any, ...]:
    item = table.catalog_item
    return (
        item.code.as_alias("item_code"),
        item.name.as_alias("item_name"),
        item.unit.as_alias("unit"),
        item.category.code.as_alias("category_code"),
        item.category.name_zh.as_alias("category_name"),
    )


async def _contracts(tender_ids: list[int]) -> list[dict[str, Any]]:
    contracts = await (
        Contract.select(
            Contract.id,
            Contract.reference,
            Contract.title,
            Contract.tender,
            Contract.status,
            Contract.value_fen,
            Contract.starts_on,
            Contract.ends_on,
            Contract.signed_at,
            Contract.created_at,
            *(
                getattr(Contract.organization, column).as_alias(f"organization_{column}")
                for column in ORGANIZATION_COLUMNS
            ),
        )
        .where(Contract.tender.is_in(tender_ids))
        .order_by(Contract.id)
    )
    ids = [row["id"] for row in contracts] or [-1]
    lines = _grouped(
        await ContractScopeLine.select(
            ContractScopeLine.contract,
            ContractScopeLine.line_no,
            ContractScopeLine.quantity,
            ContractScopeLine.unit_price_fen,
            ContractScopeLine.amount_fen,
            ContractScopeLine.description,
            *_item_columns(ContractScopeLine),
        )
        .where(ContractScopeLine.contract.is_in(ids))
        .order_by(ContractScopeLine.line_no),
        "contract",
    )
    milestones = _grouped(
        await Milestone.select(
            Milestone.contract, Milestone.seq, Milestone.title, Milestone.due_on, Milestone.status
        )
        .where(Milestone.contract.is_in(ids))
        .order_by(Milestone.seq),
        "contract",
    )
    payments = _grouped(
        await Payment.select(
            Payment.contract,
            Payment.seq,
            Payment.amount_fen,
            Payment.paid_amount_fen,
            Payment.paid_on,
            Payment.paid_at,
            Payment.voucher_no,
        )
        .where(Payment.contract.is_in(ids) & (Payment.status == PaymentStatus.paid))
        .order_by(Payment.seq),
        "contract",
    )
    amendments = _grouped(
        await Amendment.select(
            Amendment.id,
            Amendment.contract,
            Amendment.version,
            Amendment.reason,
            Amendment.value_delta_fen,
            Amendment.signed_at,
            Amendment.created_at,
        )
        # Only accepted supplementary agreements are part of the contract (and published).
        .where(Amendment.contract.is_in(ids) & (Amendment.status == AmendmentStatus.accepted))
        .order_by(Amendment.version),
        "contract",
    )
    amendment_ids = [a["id"] for rows in amendments.values() for a in rows] or [-1]
    amendment_lines = _grouped(
        await AmendmentLine.select(
            AmendmentLine.amendment,
            AmendmentLine.scope_line.line_no.as_alias("line_no"),
            AmendmentLine.description,
            AmendmentLine.quantity_delta,
            AmendmentLine.unit_price_fen,
            AmendmentLine.amount_delta_fen,
            *_item_columns(AmendmentLine),
        )
        .where(AmendmentLine.amendment.is_in(amendment_ids))
        .order_by(AmendmentLine.id),
        "amendment",
    )
    reports = await (
        ServiceReport.select(
            ServiceReport.contract,
            ServiceReport.period,
            ServiceReport.due_on,
            ServiceReport.submitted_at,
        )
        .where(
            ServiceReport.contract.is_in(ids)
            & ServiceReport.status.is_in([ReportStatus.submitted, ReportStatus.superseded])
        )
        .order_by(ServiceReport.period, ServiceReport.version)
    )
    scores = _grouped(
        await PerformanceScore.select(
            PerformanceScore.contract,
            PerformanceScore.period,
            PerformanceScore.score_hundredths,
            PerformanceScore.grade,
            PerformanceScore.settled_at,
        )
        .where(PerformanceScore.contract.is_in(ids))
        .order_by(PerformanceScore.period),
        "contract",
    )
    accepted = await public_acceptances(ids)
    verdicts = await verdict_counts([row["id"] for row in accepted])
    for row in accepted:
        row["verdicts"] = verdicts[row["id"]]
    acceptances = _grouped(accepted, "contract_id")
    for contract in contracts:
        contract["organization"] = _organization(contract, "organization")
        contract["acceptances"] = sorted(
            acceptances.get(contract["id"], []), key=lambda row: row["confirmed_at"]
        )
        contract["lines"] = lines.get(contract["id"], [])
        contract["milestones"] = milestones.get(contract["id"], [])
        contract["payments"] = payments.get(contract["id"], [])
        contract["amendments"] = amendments.get(contract["id"], [])
        for amendment in contract["amendments"]:
            amendment["lines"] = amendment_lines.get(amendment["id"], [])
        contract["reports"] = _first_submissions(
            [r for r in reports if r["contract"] == contract["id"]]
        )
        contract["performance"] = scores.get(contract["id"], [])
    return contracts


def _first_submissions(versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each reporting period once: when it was first submitted and when last corrected."""
    periods: dict[str, dict[str, Any]] = {}
    for version in versions:
        if version["submitted_at"] is None:
            continue
        period = periods.setdefault(
            version["period"],
            {
                "period": version["period"],
                "due_on": version["due_on"],
                "first_submitted_at": version["submitted_at"],
                "last_submitted_at": version["submitted_at"],
            },
        )
        period["first_submitted_at"] = min(period["first_submitted_at"], version["submitted_at"])
        period["last_submitted_at"] = max(period["last_submitted_at"], version["submitted_at"])
    return list(periods.values())
