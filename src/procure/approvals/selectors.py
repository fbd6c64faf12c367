"""Reads of approvals: what waits for a department's approvers, and what came back to a handler."""

from __future__ import annotations

import json
from typing import Any

from procure.approvals.tables import Approval, ApprovalStatus
from procure.db.pagination import Page, PageRequest, paginate
from procure.errors import InvalidInput, NotFound
from procure.i18n import N_
from procure.security.actors import Actor
from procure.security.policy import OVERSIGHT_ROLES
from procure.security.tables import Role

PER_PAGE = 50
#: Said of an approval that does not exist, or not for the asker (404).
APPROVAL_NOT_FOUND = N_("approval %(id)s not found")

COLUMNS = (
    Approval.id,
    Approval.department,
    Approval.department.name.as_alias("department_name"),
    Approval.kind,
    Approval.subject_type,
    Approval.subject_id,
    Approval.summary,
    Approval.status,
    Approval.requested_by,
    Approval.requested_by.display_name.as_alias("requested_by_name"),
    Approval.requested_at,
    Approval.decided_by,
    Approval.decided_by.display_name.as_alias("decided_by_name"),
    Approval.decided_at,
    Approval.reason,
)


def decoded(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its payload as a dict (SQLite hands a JSON column back as text)."""
    payload = row.get("payload")
    return {**row, "payload": json.loads(payload) if isinstance(payload, str) else payload or {}}


def _scope(actor: Actor) -> Any:
    if actor.role in OVERSIGHT_ROLES:
        return None
    if actor.role == Role.buyer:
        return Approval.department == actor.department_id
    return Approval.id < 0


async def approval_page(
    actor: Actor, paging: PageRequest, *, status: str = "", mine: bool = False
) -> Page[dict[str, Any]]:
    """One page of the approvals the actor may see, newest first, filtered in SQL by status
    and by whether the actor asked for them."""
    condition = _scope(actor)
    if status:
        try:
            clause = Approval.status == ApprovalStatus(status)
        except ValueError:
            raise InvalidInput(
                "status",
                N_("%(value)r is not a status (use %(choices)s)"),
                value=status,
                choices=[str(choice) for choice in ApprovalStatus],  # the values to type
            ) from None
        condition = clause if condition is None else condition & clause
    if mine:
        clause = Approval.requested_by == actor.id
        condition = clause if condition is None else condition & clause
    query = Approval.select(*COLUMNS).order_by(Approval.id, ascending=False)
    count = Approval.count()
    if condition is not None:
        query = query.where(condition)
        count = count.where(condition)
    return await paginate(query, count, paging)


async def awaiting(actor: Actor) -> list[dict[str, Any]]:
    """Pending requests this approver may decide: the department's, not their own."""
    if actor.role != Role.buyer or not actor.is_approver:
        return []
    return await (
        Approval.select(*COLUMNS)
        .where(
            (Approval.department == actor.department_id)
            & (Approval.status == ApprovalStatus.pending)
            & (Approval.requested_by != actor.id)
        )
        .order_by(Approval.id)
        .limit(PER_PAGE)
    )


async def returned(actor: Actor) -> list[dict[str, Any]]:
    """The handler's requests that were refused, with the approver's reason, newest first."""
    if actor.role != Role.buyer:
        return []
    return await (
        Approval.select(*COLUMNS)
        .where((Approval.requested_by == actor.id) & (Approval.status == ApprovalStatus.refused))
        .order_by(Approval.id, ascending=False)
        .limit(10)
    )


async def approval_detail(actor: Actor, approval_id: int) -> dict[str, Any]:
    condition = Approval.id == approval_id
    scope = _scope(actor)
    row = (
        await Approval.select(*COLUMNS, Approval.payload)
        .where(condition if scope is None else condition & scope)
        .first()
    )
    if row is None:
        raise NotFound(APPROVAL_NOT_FOUND, id=approval_id)
    return decoded(row)


async def pending_for(subject_type: str, subject_id: int | str) -> list[dict[str, Any]]:
    """The pending requests about one subject (a tender, a contract…), for its pages."""
    return await Approval.select(*COLUMNS).where(
        (Approval.subject_type == subject_type)
        & (Approval.subject_id == str(subject_id))
        & (Approval.status == ApprovalStatus.pending)
    )
