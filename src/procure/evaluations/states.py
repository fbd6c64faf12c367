"""A committee evaluation's life and its transition table: draft → submitted (then locked)."""

from __future__ import annotations

from enum import StrEnum

from procure.audit.events import AuditAction
from procure.evaluations.tables import CommitteeEvaluation, EvaluationStatus
from procure.lifecycle import Lifecycle, step


class EvaluationStep(StrEnum):
    submit = "submit"


#: Every change of CommitteeEvaluation.status goes through this table (lifecycle.advance).
COMMITTEE_EVALUATION = Lifecycle(
    "committee_evaluation",
    CommitteeEvaluation,
    {
        EvaluationStep.submit: step(
            EvaluationStatus.draft,
            EvaluationStatus.submitted,
            AuditAction.committee_evaluation_submitted,
        ),
    },
)
