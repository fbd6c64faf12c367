"""The transition tables of challenges, complaints and suspensions.

Every status change goes through ``lifecycle.advance`` (a compare-and-set with its audit event),
so two identical answers or decisions sent at once give one success and one 409.
"""

from __future__ import annotations

from enum import StrEnum

from procure.audit.events import AuditAction
from procure.complaints.tables import (
    Challenge,
    ChallengeStatus,
    Complaint,
    ComplaintStatus,
    Suspension,
    SuspensionStatus,
)
from procure.lifecycle import Lifecycle, step


class ChallengeStep(StrEnum):
    uphold = "uphold"
    uphold_partly = "uphold_partly"
    reject = "reject"
    correct = "correct"


ch = ChallengeStatus
CHALLENGE = Lifecycle(
    "challenge",
    Challenge,
    {
        # The buyer's written answer (94号令 第十三条) is one of three outcomes.
        ChallengeStep.uphold: step(ch.filed, ch.upheld, AuditAction.challenge_upheld),
        ChallengeStep.uphold_partly: step(
            ch.filed, ch.partly_upheld, AuditAction.challenge_partly_upheld
        ),
        ChallengeStep.reject: step(ch.filed, ch.rejected, AuditAction.challenge_rejected),
        # The buyer records that the corrective step the answer named has been taken.
        ChallengeStep.correct: step(
            {ch.upheld, ch.partly_upheld}, ch.corrected, AuditAction.challenge_corrected
        ),
    },
)

#: The answer's outcome → the step that records it.
ANSWER_STEPS = {
    ChallengeStatus.upheld: ChallengeStep.uphold,
    ChallengeStatus.partly_upheld: ChallengeStep.uphold_partly,
    ChallengeStatus.rejected: ChallengeStep.reject,
}


class ComplaintStep(StrEnum):
    accept = "accept"
    refuse = "refuse"
    uphold = "uphold"
    reject = "reject"


co = ComplaintStatus
COMPLAINT = Lifecycle(
    "complaint",
    Complaint,
    {
        # Admissibility (94号令 第二十一条), then the decision (第二十九条) on an accepted one.
        ComplaintStep.accept: step(co.filed, co.accepted, AuditAction.complaint_accepted),
        ComplaintStep.refuse: step(co.filed, co.not_accepted, AuditAction.complaint_not_accepted),
        ComplaintStep.uphold: step(co.accepted, co.upheld, AuditAction.complaint_upheld),
        ComplaintStep.reject: step(co.accepted, co.rejected, AuditAction.complaint_rejected),
    },
)

DECISION_STEPS = {
    ComplaintStatus.upheld: ComplaintStep.uphold,
    ComplaintStatus.rejected: ComplaintStep.reject,
}


class SuspensionStep(StrEnum):
    lift = "lift"
    expire = "expire"


s = SuspensionStatus
SUSPENSION = Lifecycle(
    "suspension",
    Suspension,
    {
        SuspensionStep.lift: step(s.in_force, s.lifted, AuditAction.suspension_lifted),
        SuspensionStep.expire: step(s.in_force, s.expired, AuditAction.suspension_expired),
    },
)
