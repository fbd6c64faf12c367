"""A survey round's life as one transition table: open → closed, when its committee closes it
before its time (the clock closes it at closes_at on its own, without a write)."""

from __future__ import annotations

from enum import StrEnum

from procure.audit.events import AuditAction
from procure.lifecycle import Lifecycle, step
from procure.surveys.tables import RoundStatus, SurveyRound


class RoundStep(StrEnum):
    close = "close"


SURVEY_ROUND = Lifecycle(
    "survey round",
    SurveyRound,
    {RoundStep.close: step(RoundStatus.open, RoundStatus.closed, AuditAction.survey_round_closed)},
    subject_type="survey_round",
)
