"""The evaluation committee's lifecycle and its members': one transition table each.

Committee: planned → drawn (the random draw) → seated (every seat declared 回避 free of
conflict) → reported (every member confirmed the evaluation report). A member: an alternate
is promoted to a seat; a seat declares and is seated, or steps aside (replaced); a seated member
confirms the report.
"""

from __future__ import annotations

from enum import StrEnum

from procure.audit.events import AuditAction
from procure.committees.tables import (
    CommitteeMember,
    CommitteeStatus,
    EvaluationCommittee,
    MemberStatus,
)
from procure.lifecycle import Lifecycle, step


class CommitteeStep(StrEnum):
    compose = "compose"
    draw = "draw"
    supplement = "supplement"
    seat = "seat"
    report = "report"


class MemberStep(StrEnum):
    promote = "promote"
    declare = "declare"
    step_aside = "step_aside"
    confirm = "confirm"


c = CommitteeStatus
COMMITTEE = Lifecycle(
    "evaluation_committee",
    EvaluationCommittee,
    {
        # The buyer may change the composition until the draw.
        CommitteeStep.compose: step(c.planned, c.planned, AuditAction.committee_composed),
        CommitteeStep.draw: step(c.planned, c.drawn, AuditAction.committee_drawn),
        # A seat emptied by 回避 with no alternate left is filled by a supplementary draw.
        CommitteeStep.supplement: step(c.drawn, c.drawn, AuditAction.committee_supplemented),
        CommitteeStep.seat: step(c.drawn, c.seated, AuditAction.committee_seated),
        CommitteeStep.report: step(c.seated, c.reported, AuditAction.committee_reported),
    },
)

m = MemberStatus
MEMBER = Lifecycle(
    "evaluation_member",
    CommitteeMember,
    {
        MemberStep.promote: step(m.alternate, m.drawn, AuditAction.member_promoted),
        MemberStep.declare: step(m.drawn, m.seated, AuditAction.member_declared),
        MemberStep.step_aside: step(m.drawn, m.replaced, AuditAction.member_replaced),
        MemberStep.confirm: step(m.seated, m.confirmed, AuditAction.member_confirmed),
    },
)

#: Members who hold a seat now (an alternate or a replaced member does not).
SEATED = (MemberStatus.seated, MemberStatus.confirmed)
#: Members who hold a seat, declared or not.
HOLDING_A_SEAT = (MemberStatus.drawn, *SEATED)
