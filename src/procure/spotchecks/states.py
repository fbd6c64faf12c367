"""A verification task's life: the committee finds the drawn unit delivered, not delivered, or
could not reach it, once; each outcome is final (a new finding is a new period's draw)."""

from __future__ import annotations

from enum import StrEnum

from procure.audit.events import AuditAction
from procure.lifecycle import Lifecycle, step
from procure.spotchecks.tables import TaskStatus, VerificationTask


class TaskStep(StrEnum):
    confirm = "confirm"
    not_delivered = "not_delivered"
    unreachable = "unreachable"


TASK = Lifecycle(
    "verification task",
    VerificationTask,
    {
        TaskStep.confirm: step(
            TaskStatus.open, TaskStatus.confirmed, AuditAction.verification_confirmed
        ),
        TaskStep.not_delivered: step(
            TaskStatus.open, TaskStatus.not_delivered, AuditAction.verification_not_delivered
        ),
        TaskStep.unreachable: step(
            TaskStatus.open, TaskStatus.unreachable, AuditAction.verification_unreachable
        ),
    },
    subject_type="verification_task",
)
