"""An approval's life: pending → approved or refused (a refused step returns to its handler)."""

from enum import StrEnum

from procure.approvals.tables import Approval, ApprovalStatus
from procure.audit.events import AuditAction
from procure.lifecycle import Lifecycle, step


class ApprovalStep(StrEnum):
    approve = "approve"
    refuse = "refuse"
    withdraw = "withdraw"


APPROVAL = Lifecycle(
    "approval",
    Approval,
    {
        ApprovalStep.approve: step(
            ApprovalStatus.pending, ApprovalStatus.approved, AuditAction.approval_approved
        ),
        ApprovalStep.refuse: step(
            ApprovalStatus.pending, ApprovalStatus.refused, AuditAction.approval_refused
        ),
        ApprovalStep.withdraw: step(
            ApprovalStatus.pending, ApprovalStatus.withdrawn, AuditAction.approval_withdrawn
        ),
    },
)
