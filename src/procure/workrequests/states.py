"""A work request's life: filed → accepted, declined, or an amendment proposed instead."""

from enum import StrEnum

from procure.audit.events import AuditAction
from procure.lifecycle import Lifecycle, step
from procure.workrequests.tables import WorkRequest, WorkRequestStatus


class WorkRequestStep(StrEnum):
    accept = "accept"
    decline = "decline"
    propose_amendment = "propose_amendment"


WORK_REQUEST = Lifecycle(
    "work_request",
    WorkRequest,
    {
        WorkRequestStep.accept: step(
            WorkRequestStatus.filed, WorkRequestStatus.accepted, AuditAction.work_request_accepted
        ),
        WorkRequestStep.decline: step(
            WorkRequestStatus.filed, WorkRequestStatus.declined, AuditAction.work_request_declined
        ),
        WorkRequestStep.propose_amendment: step(
            WorkRequestStatus.filed,
            WorkRequestStatus.amendment_proposed,
            AuditAction.work_request_amendment_proposed,
        ),
    },
)
