"""The tender's transition table (beside the states, which the tables import for their enums)."""

from __future__ import annotations

from enum import StrEnum

from procure.audit.events import AuditAction
from procure.lifecycle import Lifecycle, step
from procure.tenders.states import ACCEPTING_BIDS, CANCELLABLE, TenderStatus
from procure.tenders.tables import Tender


class TenderStep(StrEnum):
    publish = "publish"
    cancel = "cancel"
    open = "open"
    start_evaluation = "start_evaluation"
    award = "award"
    fail = "fail"
    contract = "contract"


s = TenderStatus
#: Every change of Tender.status goes through this table (lifecycle.advance).
TENDER = Lifecycle(
    "tender",
    Tender,
    {
        TenderStep.publish: step(s.draft, s.published, AuditAction.tender_published),
        TenderStep.cancel: step(CANCELLABLE, s.cancelled, AuditAction.tender_cancelled),
        # Published and tendering differ only by the clock; both are stored as published.
        TenderStep.open: step(ACCEPTING_BIDS, s.opened, AuditAction.bids_opened),
        TenderStep.start_evaluation: step(s.opened, s.evaluation, AuditAction.evaluation_started),
        TenderStep.award: step(s.evaluation, s.awarded, AuditAction.award_decided),
        TenderStep.fail: step(
            {*ACCEPTING_BIDS, s.opened, s.evaluation},
            s.unsuccessful,
            AuditAction.tender_unsuccessful,
        ),
        # The contract's own signature is the audited event.
        TenderStep.contract: step(s.awarded, s.contracted, None),
    },
)
