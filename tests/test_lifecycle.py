"""The transition-table kernel: a step is a compare-and-set with its audit event, or a clear 409."""

from __future__ import annotations

import pytest

from procure.approvals.states import APPROVAL, ApprovalStep
from procure.approvals.tables import Approval, ApprovalStatus
from procure.audit.events import AuditAction
from procure.db import transaction
from procure.errors import Conflict, NotFound
from procure.lifecycle import advance
from procure.security.actors import Actor
from procure.security.selectors import user_by_username
from procure.web import labels
from tests.concurrency import audit_count


async def pending_approval() -> tuple[int, Actor]:
    row = await user_by_username("buyer")
    assert row is not None
    handler = Actor.from_row(row)
    rows = await Approval.insert(
        Approval(
            department=handler.department_id,
            kind="test.kernel",
            subject_type="test",
            subject_id="kernel",
            status=ApprovalStatus.pending,
            requested_by=handler.id,
        )
    )
    return int(rows[0]["id"]), handler


async def test_a_step_moves_the_row_and_records_its_event(database: None) -> None:
    approval_id, handler = await pending_approval()
    async with transaction():
        row = await advance(
            APPROVAL,
            row_id=approval_id,
            action=ApprovalStep.withdraw,
            actor=handler,
            values={Approval.reason: "内核测试"},
        )
    assert row["status"] == ApprovalStatus.withdrawn and row["reason"] == "内核测试"
    assert await audit_count(AuditAction.approval_withdrawn, "approval", approval_id) == 1


async def test_a_step_from_the_wrong_state_is_a_conflict_and_writes_nothing(database: None) -> None:
    approval_id, handler = await pending_approval()
    async with transaction():
        await advance(APPROVAL, row_id=approval_id, action=ApprovalStep.refuse, actor=handler)
    with pytest.raises(Conflict) as refused:
        async with transaction():
            await advance(APPROVAL, row_id=approval_id, action=ApprovalStep.approve, actor=handler)
    assert str(refused.value) == (
        f"This approval (no. {approval_id}) is refused; this step needs it pending"
    )
    # On a page the statuses and the subject read as their labels, in the reader's language.
    said = labels.message("zh-CN", refused.value.template, refused.value.variables)
    assert (
        said
        == f"该审批（编号 {approval_id}）当前状态为“已退回”，此操作仅在状态为“待审批”时可以进行"
    )
    assert await audit_count(AuditAction.approval_approved, "approval", approval_id) == 0


async def test_a_row_outside_the_scope_does_not_exist(database: None) -> None:
    approval_id, handler = await pending_approval()
    with pytest.raises(NotFound):
        async with transaction():
            await advance(
                APPROVAL,
                row_id=approval_id,
                action=ApprovalStep.withdraw,
                actor=handler,
                where=Approval.requested_by == -1,
            )
    assert (await Approval.select(Approval.status).where(Approval.id == approval_id).first()) == {
        "status": "pending"
    }


async def test_a_step_outside_a_transaction_is_refused(database: None) -> None:
    approval_id, handler = await pending_approval()
    with pytest.raises(RuntimeError, match="inside the write's transaction"):
        await advance(APPROVAL, row_id=approval_id, action=ApprovalStep.withdraw, actor=handler)


def test_the_table_lists_the_steps_allowed_from_a_state() -> None:
    assert APPROVAL.allowed("pending") == ["approve", "refuse", "withdraw"]
    assert APPROVAL.allowed("approved") == []


async def test_a_step_for_many_rows_moves_only_those_in_a_source_state(database: None) -> None:
    from procure.lifecycle import advance_all

    first, handler = await pending_approval()
    second, _ = await pending_approval()
    async with transaction():
        await advance(APPROVAL, row_id=second, action=ApprovalStep.refuse, actor=handler)
        moved = await advance_all(
            APPROVAL,
            where=Approval.id.is_in([first, second]),
            action=ApprovalStep.withdraw,
            values={Approval.reason: "批量"},
        )
    assert moved == [first]
    statuses = await Approval.select(Approval.id, Approval.status).where(
        Approval.id.is_in([first, second])
    )
    assert {row["id"]: row["status"] for row in statuses} == {
        first: "withdrawn",
        second: "refused",
    }
