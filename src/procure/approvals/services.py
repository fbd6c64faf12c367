"""Writes about approvals: a handler requests one, an approver other than the handler decides.

An area whose step needs an approver registers an executor for its kind with ``@executes``.
``approval_request`` is called inside that area's own write (after it has checked the step can
be taken now); ``approval_decide`` approves or refuses as a compare-and-set and, on approval,
runs the executor in the same transaction, so the step happens exactly when its approval does
and is re-checked against the state of that moment. A refused step returns to the handler
with the reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.exceptions import PermissionDeniedException

from procure import clock
from procure.approvals.selectors import APPROVAL_NOT_FOUND, decoded
from procure.approvals.states import APPROVAL, ApprovalStep
from procure.approvals.tables import Approval, ApprovalStatus
from procure.audit.events import AuditAction
from procure.audit.services import record
from procure.db import in_transaction, transaction
from procure.errors import Conflict, InvalidInput, NotFound
from procure.i18n import N_
from procure.jobs import SubjectType, Trigger, record_event
from procure.lifecycle import advance
from procure.security.actors import Actor
from procure.security.tables import Role

#: Carries out an approved step in the approving transaction: (the approval row, the approver).
#: What follows it (the risk rules) is an event it records there (``procure.jobs.record``).
Executor = Callable[[dict[str, Any], Actor], Awaitable[None]]

EXECUTORS: dict[str, Executor] = {}


def executes(kind: str) -> Callable[[Executor], Executor]:
    """Register the function that carries out an approved step of ``kind``."""

    def register(function: Executor) -> Executor:
        EXECUTORS[kind] = function
        return function

    return register


def require_handler(actor: Actor, department_id: int | None) -> None:
    """Only a handler (经办) of the department prepares a step that needs approval."""
    if actor.role != Role.buyer or department_id is None or actor.department_id != department_id:
        raise NotFound(N_("not found"))
    if not actor.is_handler:
        raise PermissionDeniedException(
            N_(
                "this step is prepared by a handler (经办) of the department; your account is "
                "not one"
            )
        )


async def approval_request(
    *,
    actor: Actor,
    kind: str,
    subject_type: str,
    subject_id: int | str,
    department_id: int,
    summary: str,
    payload: dict[str, Any] | None = None,
) -> int:
    """Record a handler's request inside the caller's transaction; returns the approval id."""
    if not in_transaction():
        raise RuntimeError("approval_request() must run inside the step's transaction")
    if kind not in EXECUTORS:  # pragma: no cover - a programming error
        raise ValueError(f"no executor registered for {kind!r}")
    require_handler(actor, department_id)
    key = f"{kind}:{subject_type}:{subject_id}"
    if await Approval.exists().where(Approval.pending_key == key):
        raise Conflict(
            N_("a request to %(kind)s %(subject)s %(id)s is already awaiting approval"),
            kind=kind,
            subject=subject_type,
            id=subject_id,
        )
    rows = await Approval.insert(
        Approval(
            department=department_id,
            kind=kind,
            subject_type=subject_type,
            subject_id=str(subject_id),
            summary=summary,
            payload=payload or {},
            status=ApprovalStatus.pending,
            pending_key=key,
            requested_by=actor.id,
            requested_at=clock.now(),
        )
    )
    approval_id = int(rows[0]["id"])
    await record(
        actor=actor,
        action=AuditAction.approval_requested,
        subject_type="approval",
        subject_id=approval_id,
        data={"kind": kind, "subject": [subject_type, str(subject_id)]},
    )
    # The department's approvers are told (procure.notifications) that a step waits for them.
    await record_event(Trigger.approval_requested, {SubjectType.approval: [approval_id]})
    return approval_id


async def _approvable(actor: Actor, approval_id: int) -> dict[str, Any]:
    row = (
        await Approval.select()
        .where((Approval.id == approval_id) & (Approval.department == actor.department_id))
        .first()
    )
    if row is None or actor.role != Role.buyer:
        raise NotFound(APPROVAL_NOT_FOUND, id=approval_id)
    if not actor.is_approver:
        raise PermissionDeniedException(
            N_("only an approver (审批负责人) of the department decides an approval")
        )
    if row["requested_by"] == actor.id:
        raise PermissionDeniedException(N_("no one approves their own work: ask another approver"))
    return decoded(row)


async def approval_decide(*, actor: Actor, approval_id: int, approve: bool, reason: str) -> None:
    """Approve (and carry out) or refuse a pending step; a refusal needs a reason."""
    reason = reason.strip()
    if not approve and not reason:
        raise InvalidInput("reason", N_("a refusal needs a reason for the handler"))
    async with transaction():
        row = await _approvable(actor, approval_id)
        await advance(
            APPROVAL,
            row_id=approval_id,
            action=ApprovalStep.approve if approve else ApprovalStep.refuse,
            actor=actor,
            values={
                Approval.decided_by: actor.id,
                Approval.decided_at: clock.now(),
                Approval.reason: reason,
                Approval.pending_key: None,
            },
            audit_data={"kind": row["kind"], "reason": reason},
        )
        if approve:
            await EXECUTORS[row["kind"]](row, actor)


async def approval_withdraw(*, actor: Actor, approval_id: int) -> None:
    """The handler who asked takes a pending request back (for example to correct it)."""
    async with transaction():
        await advance(
            APPROVAL,
            row_id=approval_id,
            action=ApprovalStep.withdraw,
            actor=actor,
            where=Approval.requested_by == actor.id,
            values={Approval.decided_at: clock.now(), Approval.pending_key: None},
        )
