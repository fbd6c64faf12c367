"""A service report version's life as one transition table: a draft is submitted once and then
locked for good; a correction's submission supersedes the version it corrects."""

from __future__ import annotations

from enum import StrEnum

from procure.audit.events import AuditAction
from procure.lifecycle import Lifecycle, step
from procure.reports.tables import ReportStatus, ServiceReport


class ReportStep(StrEnum):
    submit = "submit"
    supersede = "supersede"


REPORT = Lifecycle(
    "service report",
    ServiceReport,
    {
        ReportStep.submit: step(
            ReportStatus.draft, ReportStatus.submitted, AuditAction.report_submitted
        ),
        # Part of the correction's submission, whose event names the versions it supersedes.
        ReportStep.supersede: step(ReportStatus.submitted, ReportStatus.superseded, None),
    },
    subject_type="service_report",
)
