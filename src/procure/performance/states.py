"""The transition table of an objection (申辩) to a settlement.

The organization lodges it within the objection period; the regulator upholds it (the
settlement's effects are cancelled) or rejects it (they apply from the decision). Every change of
PerformanceScore.objection goes through ``lifecycle.advance``, so parallel identical requests give
one success."""

from __future__ import annotations

from enum import StrEnum

from procure.audit.events import AuditAction
from procure.lifecycle import Lifecycle, step
from procure.performance.tables import ObjectionStatus, PerformanceScore


class ObjectionStep(StrEnum):
    lodge = "lodge"
    uphold = "uphold"
    reject = "reject"


o = ObjectionStatus
OBJECTION = Lifecycle(
    "settlement_objection",
    PerformanceScore,
    {
        ObjectionStep.lodge: step(o.none, o.lodged, AuditAction.settlement_objected),
        ObjectionStep.uphold: step(o.lodged, o.upheld, AuditAction.settlement_objection_upheld),
        ObjectionStep.reject: step(o.lodged, o.rejected, AuditAction.settlement_objection_rejected),
    },
    status_column="objection",
    subject_type="performance",
)
