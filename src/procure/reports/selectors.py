"""Reads about service reports, within the contract's scope (contracts.selectors): the period
table with late and missing reports, a period's report and its versions, attachments.

Drafts stay with the organization: everyone else sees submitted and superseded versions only.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from procure.audit.services import canonical_json
from procure.calendar import local_day, local_today
from procure.contracts.selectors import contract_detail, visible_contracts
from procure.contracts.tables import Contract, ContractScopeLine, ContractStatus
from procure.db.pagination import Sorting, SortRequest
from procure.departments.tables import Department
from procure.errors import NotFound
from procure.i18n import N_
from procure.policy import get_policy
from procure.reports.periods import (
    Period,
    PeriodStanding,
    Standing,
    contract_periods,
    find_period,
    period_standing,
)
from procure.reports.rules import minutes_to_hours
from procure.reports.tables import (
    ActivityLine,
    ActivityUnit,
    ReportAttachment,
    ReportStatus,
    ServiceReport,
)
from procure.security.actors import Actor
from procure.security.tables import Role
from procure.workrequests.tables import WorkRequest, WorkRequestCitation, WorkRequestStatus

READABLE_BY_ALL = (ReportStatus.submitted, ReportStatus.superseded)


def reporting_periods(contract: dict[str, Any]) -> list[Period]:
    return contract_periods(
        contract["starts_on"],
        contract["ends_on"],
        contract["reporting_frequency"],
        get_policy().reports.due_days_after_period,
    )


def period_of(contract: dict[str, Any], label: str) -> Period:
    period = find_period(reporting_periods(contract), label)
    if period is None:
        raise NotFound(
            N_("contract %(reference)s has no reporting period %(period)s"),
            reference=contract["reference"],
            period=repr(label),
        )
    return period


def is_reporting_organization(actor: Actor, contract: dict[str, Any]) -> bool:
    return (
        actor is not None
        and actor.role == Role.organization
        and actor.organization_id == contract["organization_id"]
    )


def _first_submission(versions: list[dict[str, Any]]) -> datetime | None:
    submitted = [v["submitted_at"] for v in versions if v["submitted_at"] is not None]
    return min(submitted) if submitted else None


def _standing(period: Period, versions: list[dict[str, Any]], today: date) -> PeriodStanding:
    first = _first_submission(versions)
    return period_standing(period, local_day(first) if first else None, today)


def _period_row(
    period: Period, versions: list[dict[str, Any]], today: date, *, own: bool
) -> dict[str, Any]:
    """One line of the period table; versions are the period's, oldest first."""
    standing = _standing(period, versions, today)
    visible = [v for v in versions if own or v["status"] in READABLE_BY_ALL]
    latest = visible[-1] if visible else None
    return {
        "period": period.label,
        "starts_on": period.starts_on,
        "ends_on": period.ends_on,
        "due_on": period.due_on,
        "standing": standing.standing,
        "days_late": standing.days_late,
        "days_overdue": standing.days_overdue,
        "first_submitted_at": _first_submission(versions),
        "latest_version": latest["version"] if latest else None,
        "latest_status": latest["status"] if latest else None,
        "has_draft": own and any(v["status"] == ReportStatus.draft for v in versions),
    }


async def _versions_by_period(contract_ids: list[int]) -> dict[tuple[int, str], list[dict]]:
    rows = await ServiceReport.select(
        ServiceReport.contract,
        ServiceReport.period,
        ServiceReport.version,
        ServiceReport.status,
        ServiceReport.submitted_at,
    ).where(ServiceReport.contract.is_in(contract_ids or [-1]))
    grouped: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r["version"]):
        grouped[(row["contract"], row["period"])].append(row)
    return grouped


#: Where a period stands, as its status column sorts (ascending): what needs action first.
_STANDING_ORDER = {
    Standing.overdue: 0,
    Standing.submitted_late: 1,
    Standing.submitted_on_time: 2,
    Standing.not_yet_due: 3,
}

#: The columns the period table sorts by (``?sort=``); oldest period first unless asked.
PERIOD_SORTING = Sorting(
    columns={
        "period": lambda row: row["starts_on"],
        "due": lambda row: row["due_on"],
        "status": lambda row: _STANDING_ORDER[row["standing"]],
        "version": lambda row: row["latest_version"] or 0,
    },
    default=SortRequest("period"),
    tiebreak=lambda row: row["starts_on"],
)


async def report_calendar(
    actor: Actor, contract_id: int, *, order: SortRequest | None = None
) -> dict[str, Any]:
    """Every period of the contract with where it stands today (procure.clock), in ``order``
    (the oldest first unless asked)."""
    contract = await contract_detail(actor, contract_id)
    today = local_today()
    own = is_reporting_organization(actor, contract)
    versions = await _versions_by_period([contract_id])
    periods = [
        _period_row(p, versions.get((contract_id, p.label), []), today, own=own)
        for p in reporting_periods(contract)
    ]
    periods = PERIOD_SORTING.sort(periods, order or PERIOD_SORTING.default)
    return {
        "contract": contract,
        "contract_id": contract_id,
        "contract_reference": contract["reference"],
        "reporting_frequency": contract["reporting_frequency"],
        "today": today,
        "overdue": sum(1 for p in periods if p["standing"] == Standing.overdue),
        "periods": periods,
    }


async def overdue_report_count(actor: Actor) -> int:
    """Overdue reports of the contracts in force that the actor sees (its start page)."""
    contracts = [c for c in await visible_contracts(actor) if c["status"] == ContractStatus.active]
    versions = await _versions_by_period([c["id"] for c in contracts])
    today = local_today()
    return sum(
        1
        for contract in contracts
        for period in reporting_periods(contract)
        if _standing(period, versions.get((contract["id"], period.label), []), today).standing
        == Standing.overdue
    )


async def version_content(report_id: int) -> dict[str, Any]:
    """A version's lines (numbered from 1) and attachments, without the files' bytes."""
    lines = (
        await ActivityLine.select(
            ActivityLine.id,
            ActivityLine.scope_line.as_alias("scope_line_id"),
            ActivityLine.scope_line._.line_no.as_alias("scope_line_no"),
            ActivityLine.scope_line._.catalog_item._.name.as_alias("scope_item_name"),
            ActivityLine.out_of_scope,
            ActivityLine.out_of_scope_kind,
            ActivityLine.requested_by_department.as_alias("requested_by_department_id"),
            ActivityLine.requested_by_department.name.as_alias("requested_by_department_name"),
            ActivityLine.requested_by_person,
            ActivityLine.description,
            ActivityLine.quantity,
            ActivityLine.beneficiaries,
            ActivityLine.staff_minutes,
            ActivityLine.spend_fen,
            ActivityLine.submissions,
        )
        .where(ActivityLine.report == report_id)
        .order_by(ActivityLine.id)
    )
    line_no = {}
    for n, line in enumerate(lines, start=1):
        line_no[line.pop("id")] = n
        line["line_no"] = n
        line["staff_hours"] = minutes_to_hours(line["staff_minutes"])
        line["units"] = []
    units = (
        await ActivityUnit.select(ActivityUnit.activity_line, ActivityUnit.kind, ActivityUnit.code)
        .where(ActivityUnit.activity_line.report == report_id)
        .order_by(ActivityUnit.id)
    )
    for unit in units:
        lines[line_no[unit.pop("activity_line")] - 1]["units"].append(unit)
    for line in lines:
        line["work_request_id"] = None
    for citation in await WorkRequestCitation.select(
        WorkRequestCitation.activity_line, WorkRequestCitation.work_request
    ).where(WorkRequestCitation.activity_line.report == report_id):
        lines[line_no[citation["activity_line"]] - 1]["work_request_id"] = citation["work_request"]
    attachments = (
        await ReportAttachment.select(
            ReportAttachment.id,
            ReportAttachment.filename,
            ReportAttachment.content_type,
            ReportAttachment.size_bytes,
            ReportAttachment.sha256,
            ReportAttachment.activity_line,
            ReportAttachment.uploaded_at,
        )
        .where(ReportAttachment.report == report_id)
        .order_by(ReportAttachment.id)
    )
    for attachment in attachments:
        attachment["line_no"] = line_no.get(attachment.pop("activity_line"))
    return {"lines": lines, "attachments": attachments}


def content_sha256(report: dict[str, Any]) -> str:
    """The SHA-256 of what a version says, as canonical JSON; the submission's audit event
    records it, so anyone can check later that a submitted report was not altered."""
    content = {
        "period": report["period"],
        "version": report["version"],
        "summary": report["summary"],
        "outcome_self_score": report["outcome_self_score"],
        "lines": [
            {
                **{
                    key: line[key]
                    for key in (
                        "scope_line_id",
                        "out_of_scope",
                        "out_of_scope_kind",
                        "requested_by_department_id",
                        "requested_by_person",
                        "description",
                        "quantity",
                        "beneficiaries",
                        "staff_minutes",
                        "spend_fen",
                    )
                },
                # Only when there are any: versions submitted before lines recorded
                # submissions keep the hash their audit event holds.
                **({"submissions": line["submissions"]} if line.get("submissions") else {}),
                # Likewise units: the spot-check's draw is over exactly what was hashed.
                **({"units": line["units"]} if line.get("units") else {}),
            }
            for line in report["lines"]
        ],
        "attachments": [
            {"filename": a["filename"], "sha256": a["sha256"], "line_no": a["line_no"]}
            for a in report["attachments"]
        ],
    }
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


async def report_version(report_id: int) -> dict[str, Any]:
    report = (
        await ServiceReport.select(
            ServiceReport.id,
            ServiceReport.period,
            ServiceReport.version,
            ServiceReport.status,
            ServiceReport.due_on,
            ServiceReport.summary,
            ServiceReport.outcome_self_score,
            ServiceReport.submitted_at,
            ServiceReport.submitted_by.display_name.as_alias("submitted_by"),
            ServiceReport.created_at,
        )
        .where(ServiceReport.id == report_id)
        .first()
    )
    if report is None:
        raise NotFound(N_("report %(id)s not found"), id=report_id)
    report.update(await version_content(report_id))
    report["content_sha256"] = content_sha256(report)
    return report


async def report_detail(
    actor: Actor, contract_id: int, label: str, *, version: int | None = None
) -> dict[str, Any]:
    """A period's report: the latest version the actor may see (or the one asked for), and
    the list of versions."""
    contract = await contract_detail(actor, contract_id)
    period = period_of(contract, label)
    own = is_reporting_organization(actor, contract)
    versions = (
        await ServiceReport.select(
            ServiceReport.id,
            ServiceReport.version,
            ServiceReport.status,
            ServiceReport.submitted_at,
            ServiceReport.submitted_by.display_name.as_alias("submitted_by"),
            ServiceReport.created_at,
        )
        .where((ServiceReport.contract == contract_id) & (ServiceReport.period == label))
        .order_by(ServiceReport.version)
    )
    row = _period_row(period, versions, local_today(), own=own)
    visible = [v for v in versions if own or v["status"] in READABLE_BY_ALL]
    if version is None:
        chosen = visible[-1] if visible else None
    else:
        chosen = next((v for v in visible if v["version"] == version), None)
        if chosen is None:
            raise NotFound(
                N_("period %(period)s of %(reference)s has no version %(version)s"),
                period=label,
                reference=contract["reference"],
                version=version,
            )
    return {
        "contract": contract,
        "contract_id": contract_id,
        "contract_reference": contract["reference"],
        "own": own,
        "period": row,
        "report": await report_version(chosen["id"]) if chosen else None,
        "versions": visible,
    }


async def attachment_download(actor: Actor, attachment_id: int) -> dict[str, Any]:
    """An attachment's file, for whoever may read its report (a draft's: its organization)."""
    attachment = (
        await ReportAttachment.select(
            ReportAttachment.filename,
            ReportAttachment.content_type,
            ReportAttachment.content,
            ReportAttachment.sha256,
            ReportAttachment.report._.contract.as_alias("contract_id"),
            ReportAttachment.report._.status.as_alias("report_status"),
        )
        .where(ReportAttachment.id == attachment_id)
        .first()
    )
    if attachment is None:
        raise NotFound(N_("attachment %(id)s not found"), id=attachment_id)
    contract = await contract_detail(actor, attachment["contract_id"])
    if attachment["report_status"] not in READABLE_BY_ALL and not is_reporting_organization(
        actor, contract
    ):
        raise NotFound(N_("attachment %(id)s not found"), id=attachment_id)
    return attachment


async def form_choices(contract_id: int) -> dict[str, Any]:
    """What an activity line may name: the contract's scope lines, the departments that may
    have asked for out-of-contract work, and the contract's accepted work requests, which an
    out-of-contract line cites."""
    return {
        "work_requests": await WorkRequest.select(
            WorkRequest.id,
            WorkRequest.department,
            WorkRequest.department.name.as_alias("department_name"),
            WorkRequest.requested_by_person,
            WorkRequest.purpose,
            WorkRequest.hours,
        )
        .where(
            (WorkRequest.contract == contract_id)
            & (WorkRequest.status == WorkRequestStatus.accepted)
        )
        .order_by(WorkRequest.id),
        "scope_lines": await ContractScopeLine.select(
            ContractScopeLine.id,
            ContractScopeLine.line_no,
            ContractScopeLine.catalog_item.name.as_alias("item_name"),
            ContractScopeLine.catalog_item.unit.as_alias("unit"),
        )
        .where(ContractScopeLine.contract == contract_id)
        .order_by(ContractScopeLine.line_no),
        "departments": await Department.select(Department.id, Department.name).order_by(
            Department.code
        ),
    }


async def overdue_periods(today: date) -> list[tuple[int, str]]:
    """(contract id, period) of every report of a contract in force that is past its due date
    with no submitted version, platform-wide (the scheduler's view, not a user's)."""
    contracts = await Contract.select(
        Contract.id, Contract.starts_on, Contract.ends_on, Contract.reporting_frequency
    ).where(Contract.status == ContractStatus.active)
    versions = await _versions_by_period([c["id"] for c in contracts])
    return [
        (contract["id"], period.label)
        for contract in contracts
        for period in reporting_periods(contract)
        if _standing(period, versions.get((contract["id"], period.label), []), today).standing
        == Standing.overdue
    ]


async def reports_to_file(actor: Actor) -> list[dict[str, Any]]:
    """The ended periods of the contracts in force that have no submitted report yet, each with
    its due date and whether it is overdue (the start pages' to-do list): one query for the
    contracts and one for their reports."""
    contracts = [c for c in await visible_contracts(actor) if c["status"] == ContractStatus.active]
    versions = await _versions_by_period([c["id"] for c in contracts])
    today = local_today()
    rows = []
    for contract in contracts:
        for period in reporting_periods(contract):
            found = versions.get((contract["id"], period.label), [])
            if period.ends_on >= today or _first_submission(found) is not None:
                continue
            rows.append(
                {
                    "contract_id": contract["id"],
                    "reference": contract["reference"],
                    "title": contract["title"],
                    "period": period.label,
                    "due_on": period.due_on,
                    "overdue": _standing(period, found, today).standing == Standing.overdue,
                    "has_draft": any(v["status"] == ReportStatus.draft for v in found),
                }
            )
    return sorted(rows, key=lambda row: (row["due_on"], row["reference"]))


async def reports_due_between(first: date, last: date) -> list[dict[str, Any]]:
    """Each report of a contract in force due on a day from ``first`` to ``last`` with no
    submitted version yet: its contract, organization and period (for reminding it)."""
    contracts = await Contract.select(
        Contract.id,
        Contract.reference,
        Contract.organization,
        Contract.starts_on,
        Contract.ends_on,
        Contract.reporting_frequency,
    ).where(Contract.status == ContractStatus.active)
    versions = await _versions_by_period([c["id"] for c in contracts])
    return [
        {
            "contract": contract["id"],
            "reference": contract["reference"],
            "organization": contract["organization"],
            "period": period.label,
            "due_on": period.due_on,
        }
        for contract in contracts
        for period in reporting_periods(contract)
        if first <= period.due_on <= last
        and _first_submission(versions.get((contract["id"], period.label), [])) is None
    ]


async def submitted_report(contract_id: int, label: str) -> dict[str, Any] | None:
    """The period's report as submitted (its current submitted version, with its lines and
    their units), or None while nothing is submitted."""
    row = (
        await ServiceReport.select(ServiceReport.id)
        .where(
            (ServiceReport.contract == contract_id)
            & (ServiceReport.period == label)
            & (ServiceReport.status == ReportStatus.submitted)
        )
        .first()
    )
    return await report_version(row["id"]) if row else None


async def submitted_periods(contract_ids: list[int]) -> set[tuple[int, str]]:
    """The (contract, period) pairs of these contracts whose report has been submitted."""
    if not contract_ids:
        return set()
    rows = await ServiceReport.select(ServiceReport.contract, ServiceReport.period).where(
        ServiceReport.contract.is_in(contract_ids)
        & ServiceReport.status.is_in(list(READABLE_BY_ALL))
    )
    return {(row["contract"], row["period"]) for row in rows}
