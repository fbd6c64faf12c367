"""A bid's life and its transition table: submitted → opened → valid (or explanation requested →
valid or disqualified); withdrawn before the deadline; after a correction (更正公告) that can
affect bid preparation, reconfirmation required → submitted again, or not reconfirmed at the
opening."""

from __future__ import annotations

from enum import StrEnum

from procure.audit.events import AuditAction
from procure.bids.tables import Bid, BidStatus
from procure.i18n import N_
from procure.lifecycle import Lifecycle, step

#: Said of a bid that does not exist, or not for the asker (404).
BID_NOT_FOUND = N_("bid %(id)s not found")


class BidStep(StrEnum):
    resubmit = "resubmit"  # a new sealed version replaces the submitted or withdrawn one
    withdraw = "withdraw"
    require_reconfirmation = "require_reconfirmation"  # a correction affecting preparation
    reconfirm = "reconfirm"  # the bidder confirms its sealed bid stands under the correction
    lapse = "lapse"  # not reconfirmed by the deadline: never unsealed
    open = "open"
    admit = "admit"  # passes to evaluation with no explanation needed
    request_explanation = "request_explanation"
    accept_explanation = "accept_explanation"
    disqualify = "disqualify"


s = BidStatus
#: Every change of Bid.status goes through this table. Opening and admitting run for all of a
#: tender's bids at once under the tender's own transition, which only one caller can win.
BID = Lifecycle(
    "bid",
    Bid,
    {
        BidStep.resubmit: step(
            {s.submitted, s.withdrawn, s.reconfirmation_required},
            s.submitted,
            AuditAction.bid_submitted,
        ),
        BidStep.withdraw: step(
            {s.submitted, s.reconfirmation_required}, s.withdrawn, AuditAction.bid_withdrawn
        ),
        # Applied in bulk by the correction's publication (its tender.amended event lists them);
        # a bid still waiting from an earlier correction now waits for the latest one.
        BidStep.require_reconfirmation: step(
            {s.submitted, s.reconfirmation_required}, s.reconfirmation_required, None
        ),
        BidStep.reconfirm: step(
            s.reconfirmation_required, s.submitted, AuditAction.bid_reconfirmed
        ),
        # Applied in bulk by the opening (its bids.opened event lists them).
        BidStep.lapse: step(s.reconfirmation_required, s.not_reconfirmed, None),
        BidStep.open: step(s.submitted, s.opened, None),
        BidStep.admit: step(s.opened, s.valid, None),
        BidStep.request_explanation: step(
            s.opened, s.explanation_requested, AuditAction.explanation_requested
        ),
        BidStep.accept_explanation: step(
            s.explanation_requested, s.valid, AuditAction.explanation_decided
        ),
        BidStep.disqualify: step(
            {s.valid, s.explanation_requested}, s.disqualified, AuditAction.bid_disqualified
        ),
    },
)
