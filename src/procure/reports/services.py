"""Writes about service reports: drafts, submission (which locks a version for good),
corrections as new versions, and evidence files. Each write is one transaction that records
its audit event; only the contract's organization writes, and only while the contract is active.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from procure import clock
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.calendar import local_day
from procure.contracts.selectors import contract_detail
from procure.contracts.tables import Contract, ContractScopeLine, ContractStatus
from procure.db import lock_rows, transaction
from procure.departments.tables import Department
from procure.errors import NotFound
from procure.i18n import N_
from procure.jobs import SubjectType, Trigger, record_event
from procure.lifecycle import advance
from procure.policy import get_policy
from procure.reports.files import CheckedFile, check_attachment
from procure.reports.periods import Period, period_standing
from procure.reports.rules import (
    CONTRACT_NOT_ACTIVE,
    CORRECTION_STALE,
    LINE_NOT_IN_DRAFT,
    LINE_REQUEST_DEPARTMENT,
    LINE_REQUEST_NOT_ACCEPTED,
    LINE_REQUEST_UNKNOWN,
    LINE_REQUEST_WITHIN,
    NO_DRAFT_FOR_FILE,
    NOTHING_TO_CORRECT,
    NOTHING_TO_SUBMIT,
    PERIOD_NOT_BEGUN,
    REPORT_LOCKED,
    SUMMARY_MISSING,
    ReportConflict,
    ReportInvalid,
    check_lines,
    check_report,
)
from procure.reports.schemas import ReportIn
from procure.reports.selectors import is_reporting_organization, period_of, report_version
from procure.reports.states import REPORT, ReportStep
from procure.reports.tables import (
    ActivityLine,
    ActivityUnit,
    ReportAttachment,
    ReportStatus,
    ServiceReport,
)
from procure.security.actors import Actor
from procure.workrequests.tables import WorkRequest, WorkRequestCitation, WorkRequestStatus

#: A file for the draft, and the line (numbered from 1) it documents, or None for the report.
FileForDraft = tuple[CheckedFile, int | None]


def attachment_check(filename: str, content: bytes) -> CheckedFile:
    """A file within the policy's size limit and types, or the reason it is refused."""
    policy = get_policy().reports
    return check_attachment(
        filename,
        content,
        allowed=policy.allowed_attachment_types,
        max_mb=policy.max_attachment_mb,
    )


async def _reporting_contract(actor: Actor, contract_id: int, label: str) -> tuple[dict, Period]:
    """The contract, if the actor is its organization (404 for anyone else), and a period of it
    that has begun."""
    contract = await contract_detail(actor, contract_id)
    if not is_reporting_organization(actor, contract):
        raise NotFound(N_("contract %(id)s not found"), id=contract_id)
    period = period_of(contract, label)
    if local_day(clock.now()) < period.starts_on:
        raise ReportConflict(PERIOD_NOT_BEGUN, period=label, starts_on=period.starts_on.isoformat())
    return contract, period


async def _lock_active_contract(contract: dict[str, Any]) -> None:
    """Take the contract row's lock for this transaction: writes to its reports queue behind
    each other, so two submissions cannot both lock a version or both add version n+1."""
    locked = await lock_rows(
        Contract.status,
        (Contract.id == contract["id"]) & (Contract.status == ContractStatus.active),
    ).returning(Contract.id)
    if not locked:
        raise ReportConflict(CONTRACT_NOT_ACTIVE, reference=contract["reference"])


async def _checked_rows(contract: dict[str, Any], data: ReportIn) -> list[dict[str, Any]]:
    check_report(data)
    scope = await ContractScopeLine.select(ContractScopeLine.id).where(
        ContractScopeLine.contract == contract["id"]
    )
    asked = {line.requested_by_department_id for line in data.lines} - {None}
    departments = (
        await Department.select(Department.id).where(Department.id.is_in(list(asked)))
        if asked
        else []
    )
    return check_lines(
        data.lines,
        scope_line_ids={row["id"] for row in scope},
        department_ids={row["id"] for row in departments},
        reference=contract["reference"],
    )


async def _versions(contract_id: int, label: str) -> list[dict[str, Any]]:
    return (
        await ServiceReport.select(
            ServiceReport.id,
            ServiceReport.version,
            ServiceReport.status,
            ServiceReport.summary,
            ServiceReport.submitted_at,
        )
        .where((ServiceReport.contract == contract_id) & (ServiceReport.period == label))
        .order_by(ServiceReport.version)
    )


async def _line_ids(report_id: int) -> list[int]:
    rows = (
        await ActivityLine.select(ActivityLine.id)
        .where(ActivityLine.report == report_id)
        .order_by(ActivityLine.id)
    )
    return [row["id"] for row in rows]


async def _replace_lines(report_id: int, rows: list[dict[Any, Any]]) -> list[int]:
    """Write the lines in place, position by position, so files attached to line n stay
    with line n; returns the line ids in order."""
    existing = await _line_ids(report_id)
    ids = []
    for position, row in enumerate(rows):
        values = {key: value for key, value in row.items() if key != "units"}
        if position < len(existing):
            line_id = existing[position]
            await ActivityLine.update(values).where(ActivityLine.id == line_id)
            await ActivityUnit.delete().where(ActivityUnit.activity_line == line_id)
        else:
            inserted = await ActivityLine.insert(ActivityLine(report=report_id, **values))
            line_id = inserted[0]["id"]
        ids.append(line_id)
        units = row.get("units") or []
        if units:
            await ActivityUnit.insert(
                *(ActivityUnit(activity_line=line_id, **unit) for unit in units)
            )
    removed = existing[len(rows) :]
    if removed:
        # Evidence stays with the report when the line it documented goes.
        await ReportAttachment.update({ReportAttachment.activity_line: None}).where(
            ReportAttachment.activity_line.is_in(removed)
        )
        await ActivityLine.delete().where(ActivityLine.id.is_in(removed))
    return ids


async def _store_attachment(
    report_id: int, checked: CheckedFile, line_ids: list[int], line_no: int | None
) -> int:
    line_id = None
    if line_no is not None:
        if not 1 <= line_no <= len(line_ids):
            raise ReportInvalid("line_no", LINE_NOT_IN_DRAFT, n=line_no)
        line_id = line_ids[line_no - 1]
    rows = await ReportAttachment.insert(
        ReportAttachment(
            report=report_id,
            activity_line=line_id,
            filename=checked.filename,
            content_type=checked.content_type,
            size_bytes=checked.size_bytes,
            sha256=checked.sha256,
            content=checked.content,
        )
    )
    return int(rows[0]["id"])


async def _copy_attachments(source_id: int, target_id: int, line_ids: list[int]) -> None:
    """A correction starts with the evidence of the version it corrects, line by line."""
    position = {line_id: n for n, line_id in enumerate(await _line_ids(source_id))}
    originals = (
        await ReportAttachment.select(ReportAttachment.id)
        .where(ReportAttachment.report == source_id)
        .order_by(ReportAttachment.id)
    )
    for original in originals:  # one at a time: each may hold megabytes
        row = await ReportAttachment.select().where(ReportAttachment.id == original["id"]).first()
        assert row is not None
        n = position.get(row["activity_line"])
        await ReportAttachment.insert(
            ReportAttachment(
                report=target_id,
                activity_line=line_ids[n] if n is not None and n < len(line_ids) else None,
                filename=row["filename"],
                content_type=row["content_type"],
                size_bytes=row["size_bytes"],
                sha256=row["sha256"],
                content=row["content"],
            )
        )


def _corrected_version(latest: dict[str, Any] | None, asked: int | None, label: str) -> int | None:
    """The submitted version a draft corrects, checked against what the input says. A submitted
    version is locked: only a draft that names it in corrects_version may follow it."""
    if latest is None:
        corrects = None
    elif latest["status"] == ReportStatus.draft:
        corrects = latest["version"] - 1 or None  # the open draft is n+1 of version n
    elif asked is None:
        raise ReportConflict(REPORT_LOCKED, version=latest["version"], period=label)
    else:
        corrects = latest["version"]
    if asked is not None and asked != corrects:
        if corrects is None or latest is None:
            raise ReportInvalid("corrects_version", NOTHING_TO_CORRECT, period=label)
        raise ReportConflict(CORRECTION_STALE, given=asked, period=label, latest=latest["version"])
    return corrects


async def _copy_citations(source_id: int, line_ids: list[int]) -> None:
    """A correction's line n cites what line n of the version it corrects cited."""
    position = {line_id: n for n, line_id in enumerate(await _line_ids(source_id))}
    for row in await WorkRequestCitation.select(
        WorkRequestCitation.activity_line, WorkRequestCitation.work_request
    ).where(WorkRequestCitation.activity_line.report == source_id):
        n = position[row["activity_line"]]
        if n < len(line_ids):
            await WorkRequestCitation.insert(
                WorkRequestCitation(activity_line=line_ids[n], work_request=row["work_request"])
            )


async def _cite(
    actor: Actor, contract: dict[str, Any], data: ReportIn, line_ids: list[int]
) -> None:
    """Each out-of-contract line that names a work request cites it, as
    ``POST /work-requests/{id}/citations`` would (an accepted request of this contract, filed
    by the department the line names); a line within the contract cites nothing."""
    within = [
        line_id for line, line_id in zip(data.lines, line_ids, strict=True) if not line.out_of_scope
    ]
    if within:
        await WorkRequestCitation.delete().where(WorkRequestCitation.activity_line.is_in(within))
    for n, (line, line_id) in enumerate(zip(data.lines, line_ids, strict=True), start=1):
        if line.work_request_id is None:
            continue
        if not line.out_of_scope:
            raise ReportInvalid.on_line(n, "work_request_id", LINE_REQUEST_WITHIN)
        request = (
            await WorkRequest.select(
                WorkRequest.id,
                WorkRequest.status,
                WorkRequest.department,
                WorkRequest.department.name.as_alias("department_name"),
            )
            .where(
                (WorkRequest.id == line.work_request_id) & (WorkRequest.contract == contract["id"])
            )
            .first()
        )
        if request is None:
            raise ReportInvalid.on_line(
                n,
                "work_request_id",
                LINE_REQUEST_UNKNOWN,
                id=line.work_request_id,
                reference=contract["reference"],
            )
        if request["status"] != WorkRequestStatus.accepted:
            raise ReportInvalid.on_line(
                n,
                "work_request_id",
                LINE_REQUEST_NOT_ACCEPTED,
                id=request["id"],
                status=request["status"],
            )
        if request["department"] != line.requested_by_department_id:
            raise ReportInvalid.on_line(
                n,
                "work_request_id",
                LINE_REQUEST_DEPARTMENT,
                id=request["id"],
                department=request["department_name"],
            )
        current = await WorkRequestCitation.select(WorkRequestCitation.work_request).where(
            WorkRequestCitation.activity_line == line_id
        )
        if current and current[0]["work_request"] == request["id"]:
            continue
        await WorkRequestCitation.delete().where(WorkRequestCitation.activity_line == line_id)
        await WorkRequestCitation.insert(
            WorkRequestCitation(activity_line=line_id, work_request=request["id"])
        )
        await record(
            actor=actor,
            action=AuditAction.work_request_cited,
            subject_type="work_request",
            subject_id=request["id"],
            data={"activity_line": line_id},
        )


async def _write_draft(
    *,
    actor: Actor,
    contract: dict[str, Any],
    period: Period,
    data: ReportIn,
    rows: list[dict[str, Any]],
    files: Sequence[FileForDraft],
) -> dict[str, Any]:
    """Write the period's draft: the open one, a first version, or — after a submitted
    version — the new version that corrects it, starting with its evidence."""
    versions = await _versions(contract["id"], period.label)
    latest = versions[-1] if versions else None
    corrects = _corrected_version(latest, data.corrects_version, period.label)
    values: dict[Any, Any] = {
        "summary": data.summary.strip(),
        "outcome_self_score": data.outcome_self_score,
        "due_on": period.due_on,
    }
    if latest is not None and latest["status"] == ReportStatus.draft:
        report_id, version = latest["id"], latest["version"]
        await ServiceReport.update(values).where(ServiceReport.id == report_id)
    else:
        version = latest["version"] + 1 if latest else 1
        inserted = await ServiceReport.insert(
            ServiceReport(
                contract=contract["id"],
                period=period.label,
                version=version,
                status=ReportStatus.draft,
                summary=values["summary"],
                outcome_self_score=values["outcome_self_score"],
                due_on=values["due_on"],
            )
        )
        report_id = inserted[0]["id"]
    line_ids = await _replace_lines(report_id, rows)
    if latest is not None and latest["status"] != ReportStatus.draft:
        await _copy_attachments(latest["id"], report_id, line_ids)
        await _copy_citations(latest["id"], line_ids)
    await _cite(actor, contract, data, line_ids)
    stored = [await _store_attachment(report_id, f, line_ids, n) for f, n in files]
    return {"id": report_id, "version": version, "corrects": corrects, "attachments": stored}


async def report_save_draft(
    *,
    actor: Actor,
    contract_id: int,
    period: str,
    data: ReportIn,
    files: Sequence[FileForDraft] = (),
) -> int:
    """Save the period's draft (replacing its lines); returns the report version's id."""
    contract, span = await _reporting_contract(actor, contract_id, period)
    rows = await _checked_rows(contract, data)
    async with transaction():
        await _lock_active_contract(contract)
        draft = await _write_draft(
            actor=actor, contract=contract, period=span, data=data, rows=rows, files=files
        )
        await record(
            actor=actor,
            action=AuditAction.report_draft_saved,
            subject_type="service_report",
            subject_id=draft["id"],
            data={
                "contract": contract["reference"],
                "period": period,
                "version": draft["version"],
                "corrects": draft["corrects"],
                "lines": len(rows),
                "attachments_added": draft["attachments"],
            },
        )
    return int(draft["id"])


async def report_submit(
    *,
    actor: Actor,
    contract_id: int,
    period: str,
    data: ReportIn | None = None,
    files: Sequence[FileForDraft] = (),
) -> int:
    """Submit the period's draft — first saving ``data`` into it when given — and lock it for
    good; the submitted version it corrects becomes superseded. Returns the version's id."""
    contract, span = await _reporting_contract(actor, contract_id, period)
    rows = await _checked_rows(contract, data) if data is not None else []
    now = clock.now()
    async with transaction():
        await _lock_active_contract(contract)
        if data is not None:
            await _write_draft(
                actor=actor, contract=contract, period=span, data=data, rows=rows, files=files
            )
        versions = await _versions(contract_id, period)
        latest = versions[-1] if versions else None
        if latest is None:
            raise ReportConflict(NOTHING_TO_SUBMIT, period=period)
        if latest["status"] != ReportStatus.draft:
            raise ReportConflict(REPORT_LOCKED, version=latest["version"], period=period)
        if not latest["summary"].strip():
            raise ReportInvalid("summary", SUMMARY_MISSING)
        report_id = int(latest["id"])
        superseded = [v for v in versions if v["status"] == ReportStatus.submitted]
        # What the version says does not depend on its status: read it before the step.
        submitted = await report_version(report_id)
        earlier = [v["submitted_at"] for v in versions if v["submitted_at"] is not None]
        standing = period_standing(span, local_day(min(earlier, default=now)), local_day(now))
        for version in superseded:
            await advance(REPORT, row_id=version["id"], action=ReportStep.supersede, actor=actor)
        # The compare-and-set: of simultaneous submissions of the draft, one applies.
        await advance(
            REPORT,
            row_id=report_id,
            action=ReportStep.submit,
            actor=actor,
            values={ServiceReport.submitted_at: now, ServiceReport.submitted_by: actor.id},
            audit_data={
                "contract": contract["reference"],
                "period": period,
                "version": latest["version"],
                "supersedes": [v["version"] for v in superseded],
                "due_on": span.due_on.isoformat(),
                "days_late": standing.days_late,
                "lines": len(submitted["lines"]),
                "out_of_contract_lines": sum(1 for li in submitted["lines"] if li["out_of_scope"]),
                "content_sha256": submitted["content_sha256"],
            },
        )
        await record_event(Trigger.report_submitted, {SubjectType.contract: [contract_id]})
    return report_id


async def report_attachment_upload(
    *,
    actor: Actor,
    contract_id: int,
    period: str,
    filename: str,
    content: bytes,
    line_no: int | None = None,
) -> int:
    """Attach a file to the period's draft, or to one of its lines; returns its id."""
    contract, _ = await _reporting_contract(actor, contract_id, period)
    checked = attachment_check(filename, content)
    async with transaction():
        await _lock_active_contract(contract)
        versions = await _versions(contract_id, period)
        latest = versions[-1] if versions else None
        if latest is None:
            raise ReportConflict(NO_DRAFT_FOR_FILE, period=period)
        if latest["status"] != ReportStatus.draft:
            raise ReportConflict(REPORT_LOCKED, version=latest["version"], period=period)
        attachment_id = await _store_attachment(
            latest["id"], checked, await _line_ids(latest["id"]), line_no
        )
        await record(
            actor=actor,
            action=AuditAction.report_attachment_uploaded,
            subject_type="report_attachment",
            subject_id=attachment_id,
            data={
                "contract": contract["reference"],
                "period": period,
                "version": latest["version"],
                "line_no": line_no,
                "filename": checked.filename,
                "size_bytes": checked.size_bytes,
                "sha256": checked.sha256,
            },
        )
    return attachment_id
