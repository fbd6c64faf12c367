"""Reads about work requests: one request with its contract's parties, a contract's requests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from procure.contracts.tables import Contract
from procure.errors import NotFound
from procure.reports.tables import ActivityLine, ReportStatus
from procure.security.actors import Actor
from procure.security.tables import Role
from procure.workrequests.guards import CONTRACT_NOT_FOUND, REQUEST_NOT_FOUND
from procure.workrequests.tables import WorkRequest, WorkRequestCitation

CENTS = Decimal("0.01")

COLUMNS = (
    WorkRequest.id,
    WorkRequest.contract,
    WorkRequest.department,
    WorkRequest.requested_by_person,
    WorkRequest.kind,
    WorkRequest.purpose,
    WorkRequest.hours,
    WorkRequest.deadline,
    WorkRequest.status,
    WorkRequest.answer_note,
    WorkRequest.answered_at,
    WorkRequest.filed_at,
    WorkRequest.contract.reference.as_alias("contract_reference"),
    WorkRequest.contract.organization.as_alias("organization_id"),
    WorkRequest.department.name.as_alias("department_name"),
)


async def contract_parties(contract_id: int) -> dict[str, Any] | None:
    """The contract's buying department, organization and status, or None."""
    return (
        await Contract.select(
            Contract.id, Contract.department, Contract.organization, Contract.status
        )
        .where(Contract.id == contract_id)
        .first()
    )


async def work_request(request_id: int) -> dict[str, Any] | None:
    return await WorkRequest.select(*COLUMNS).where(WorkRequest.id == request_id).first()


def may_read(actor: Actor, contract: dict[str, Any]) -> bool:
    """The contract's buying department and organization, and oversight."""
    if actor.role in (Role.regulator, Role.auditor, Role.admin):
        return True
    if actor.role == Role.buyer:
        return actor.department_id == contract["department"]
    return actor.role == Role.organization and actor.organization_id == contract["organization"]


async def visible_request(actor: Actor, request_id: int) -> dict[str, Any]:
    row = await work_request(request_id)
    parties = None if row is None else await contract_parties(row["contract"])
    if row is None or parties is None or not may_read(actor, parties):
        raise NotFound(REQUEST_NOT_FOUND, id=request_id)
    return row


async def contract_requests(actor: Actor, contract_id: int) -> list[dict[str, Any]]:
    """A contract's requests, newest first, for whoever may read them."""
    parties = await contract_parties(contract_id)
    if parties is None or not may_read(actor, parties):
        raise NotFound(CONTRACT_NOT_FOUND, id=contract_id)
    return (
        await WorkRequest.select(*COLUMNS)
        .where(WorkRequest.contract == contract_id)
        .order_by(WorkRequest.id, ascending=False)
    )


async def citations(line_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For each of these report lines that cites a request: the request's id, department,
    status and hours."""
    if not line_ids:
        return {}
    rows = await WorkRequestCitation.select(
        WorkRequestCitation.activity_line,
        WorkRequestCitation.work_request.as_alias("id"),
        WorkRequestCitation.work_request.department.as_alias("department"),
        WorkRequestCitation.work_request.status.as_alias("status"),
        WorkRequestCitation.work_request.hours.as_alias("hours"),
    ).where(WorkRequestCitation.activity_line.is_in(line_ids))
    return {row["activity_line"]: row for row in rows}


async def citable_lines(contract_id: int) -> list[dict[str, Any]]:
    """The out-of-contract lines of the contract's draft reports that a department asked for
    and that cite no request yet: what the organization may tie to an accepted request."""
    lines = (
        await ActivityLine.select(
            ActivityLine.id,
            ActivityLine.description,
            ActivityLine.staff_minutes,
            ActivityLine.requested_by_department.as_alias("department"),
            ActivityLine.report.period.as_alias("period"),
        )
        .where(
            (ActivityLine.report.contract == contract_id)
            & (ActivityLine.report.status == ReportStatus.draft)
            & (ActivityLine.out_of_scope == True)  # noqa: E712 - a SQL comparison
            & ActivityLine.requested_by_department.is_not_null()
        )
        .order_by(ActivityLine.id)
    )
    cited = await citations([line["id"] for line in lines])
    return [line for line in lines if line["id"] not in cited]


#: The burden index, one row per department and month (docs/workrequests.md): the requests it
#: filed, the hours they asked for, and those hours as a share of the staff hours reported that
#: month on the contracts it asked (submitted reports of that period; NULL when none).
BURDEN_SQL = """
SELECT b.department AS department_id, d.name AS department_name, b.period AS period,
       b.requests AS requests, b.hours AS hours, b.staff_minutes AS staff_minutes,
       CASE WHEN b.staff_minutes > 0
            THEN ROUND(100.0 * b.hours * 60 / b.staff_minutes, 2) END AS share_percent
FROM (
    SELECT r.department AS department, r.period AS period, COUNT(*) AS requests,
           SUM(r.hours) AS hours,
           (SELECT COALESCE(SUM(a.staff_minutes), 0)
              FROM activity_line a JOIN service_report s ON a.report = s.id
             WHERE s.status = 'submitted' AND s.period = r.period
               AND s.contract IN (SELECT w.contract FROM work_request w
                                   WHERE w.department = r.department
                                     AND w.period = r.period)) AS staff_minutes
      FROM work_request r
     WHERE ({} = 0 OR r.department = {})
     GROUP BY r.department, r.period
) b JOIN department d ON d.id = b.department
ORDER BY b.period DESC, d.name, b.department
"""


async def burden_index(department_id: int | None = None) -> list[dict[str, Any]]:
    """The monthly burden index of every department (or one), newest month first."""
    chosen = department_id or 0
    rows = await WorkRequest.raw(BURDEN_SQL, chosen, chosen)
    for row in rows:
        share = row["share_percent"]
        # SQLite answers a float, PostgreSQL a numeric: both shown at two decimals.
        row["share_percent"] = None if share is None else Decimal(str(share)).quantize(CENTS)
    return rows
